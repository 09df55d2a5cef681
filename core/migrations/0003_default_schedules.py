"""Default beat schedules, created once; city admins edit them in Django admin.

Created only when missing, so later deploys never overwrite an admin's edit.
Crontabs are in Asia/Tokyo (django-celery-beat#345: they default to UTC).
"""

from django.db import migrations

from core.schedules import ensure_periodic_task

EVERY = {
    "core.drain_outbox": ("送信待ちジョブの再送", 60),
    "core.flush_request_log": ("リクエスト記録の書き込み", 15),
}
CRON = {
    "core.maintain_request_log": ("リクエスト記録のパーティション保守・日次集計", "10", "3"),
}


def create(apps, schema_editor):
    for task, (name, seconds) in EVERY.items():
        ensure_periodic_task(apps, task=task, name=name, every_seconds=seconds)
    for task, (name, minute, hour) in CRON.items():
        ensure_periodic_task(apps, task=task, name=name, cron=(minute, hour))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_requestlog_partitioned"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
