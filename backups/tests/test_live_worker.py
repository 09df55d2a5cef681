"""A backup requested from the page runs in a real Celery worker process."""

import time

import pytest
from django.conf import settings

from backups import tasks
from backups.models import BackupRun, Generation

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


@pytest.mark.skipif(
    not settings.BACKUP_AGE_RECIPIENTS,
    reason="the worker encrypts to BACKUP_AGE_RECIPIENTS from var/.env, which scripts/dev.sh writes",
)
def test_a_requested_backup_is_taken_by_the_worker(live_worker):
    tasks.backup_on_request.apply_async(
        args=[Generation.Kind.MANUAL, "900007 テスト 保守"],
        kwargs={"force_window": True},
        queue=live_worker.queue,
    )

    deadline = time.monotonic() + 60
    run = None
    while time.monotonic() < deadline:
        run = BackupRun.objects.exclude(status=BackupRun.Status.RUNNING).first()
        if run:
            break
        time.sleep(0.3)
    assert run is not None, "the worker did not finish a backup in 60 s"
    assert run.status == BackupRun.Status.SUCCEEDED, run.error
    assert run.requested_by == "900007 テスト 保守"
    directory = live_worker.backup_dir / run.generation.name
    assert (directory / "db.dump.age").stat().st_size > 0
    assert run.generation.status == Generation.Status.VERIFIED
