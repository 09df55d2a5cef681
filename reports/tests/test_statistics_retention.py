from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from core.timeutil import JST
from reports.models import ResourceSample
from reports.services.statistics import SAMPLE_RETENTION_DAYS, resource_samples_purge

pytestmark = pytest.mark.django_db


def _sample(slot):
    return ResourceSample.objects.create(
        slot=slot,
        taken_at=slot,
        cpu_percent=10,
        memory_percent=20,
        disk_root_percent=30,
        db_bytes=1,
    )


def test_samples_older_than_thirteen_months_are_purged_and_recent_ones_kept():
    now = datetime(2026, 11, 28, 4, 20, tzinfo=JST)
    old = _sample(now - timedelta(days=SAMPLE_RETENTION_DAYS, minutes=5))
    kept = _sample(now - timedelta(days=SAMPLE_RETENTION_DAYS - 1))

    assert resource_samples_purge(now=now) == 1

    assert not ResourceSample.objects.filter(pk=old.pk).exists()
    assert ResourceSample.objects.filter(pk=kept.pk).exists()


def test_the_purge_is_scheduled_nightly():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="reports.tasks.statistics.resource_samples_purge")
    assert (task.crontab.hour, task.crontab.minute) == ("4", "20")


def test_city_admin_renames_functions_in_admin_and_reads_samples(client, city_admin):
    _sample(timezone.now())
    client.force_login(city_admin)

    assert client.get("/admin/reports/functionname/add/").status_code == 200
    assert client.get("/admin/reports/resourcesample/").status_code == 200
    assert client.get("/admin/reports/resourcesample/add/").status_code == 403
