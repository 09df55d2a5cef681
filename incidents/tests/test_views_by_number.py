import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.services import incident_open

pytestmark = pytest.mark.django_db


def test_an_incident_number_leads_to_its_page_for_readers_only(client, vendor_operator, caseworker):
    incident = incident_open(
        actor=vendor_operator, source="vendor", title="ウイルス検知", aware_at=timezone.now()
    )
    client.force_login(vendor_operator)
    response = client.get(reverse("incidents:by_number", args=[incident.number]))
    assert response.status_code == 302
    assert response.url == reverse("incidents:detail", args=[incident.pk])
    assert client.get(reverse("incidents:by_number", args=["I8-9999"])).status_code == 404

    client.force_login(caseworker)
    assert client.get(reverse("incidents:by_number", args=[incident.number])).status_code == 403
