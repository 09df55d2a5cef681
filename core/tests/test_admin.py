import pytest
from django.urls import reverse

from core.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_city_admin_sees_jobs_waiting_in_the_outbox(client, city_admin):
    OutboxMessage.objects.create(
        task_name="core.flush_request_log", last_error="Connection refused"
    )
    OutboxMessage.objects.create(task_name="core.drain_outbox", sent_at="2026-11-28T10:00:00+09:00")
    client.force_login(city_admin)

    page = client.get(reverse("admin:core_outboxmessage_changelist"), {"pending": "1"})

    assert page.status_code == 200
    shown = [m.task_name for m in page.context["cl"].result_list]
    assert shown == ["core.flush_request_log"]
    assert "Connection refused" in page.content.decode()


def test_vendor_staff_cannot_reach_the_admin_outbox(client, vendor_operator):
    client.force_login(vendor_operator)
    response = client.get(reverse("admin:core_outboxmessage_changelist"))
    assert response.status_code == 302
