import time

import pytest
from django.db import transaction
from django.urls import reverse
from django_celery_results.models import TaskResult

from core.models import RequestLog
from core.outbox import outbox_enqueue

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def _wait_for(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("timed out waiting for the worker")


def test_live_worker_flushes_buffered_requests_and_stores_its_result(
    live_worker, client, caseworker
):
    client.force_login(caseworker)
    client.get(reverse("home"))
    client.get(reverse("home"))

    with transaction.atomic():
        message = outbox_enqueue(task_name="core.flush_request_log", queue=live_worker.queue)

    result = _wait_for(
        lambda: TaskResult.objects.filter(task_id=message.task_id, status="SUCCESS").first()
    )
    assert result.task_name == "core.flush_request_log"
    assert result.result == "2"
    assert RequestLog.objects.filter(view_name="home", user_id=caseworker.pk).count() == 2
