"""Default beat schedules, created once; city admins edit them in Django admin.

Created only when missing, so later deploys never overwrite an admin's edit.
Crontabs are in Asia/Tokyo (django-celery-beat#345: they default to UTC).
"""

from django.db import migrations

EVERY = {
    "core.drain_outbox": ("送信待ちジョブの再送", 60),
    "core.flush_request_log": ("リクエスト記録の書き込み", 15),
}
CRON = {
    "core.maintain_request_log": ("リクエスト記録のパーティション保守・日次集計", "10", "3"),
}


def create(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    for task, (name, seconds) in EVERY.items():
        if Task.objects.filter(task=task).exists():
            continue
        interval, _ = Interval.objects.get_or_create(every=seconds, period="seconds")
        Task.objects.create(name=name, task=task, interval=interval, enabled=True)
    for task, (name, minute, hour) in CRON.items():
        if Task.objects.filter(task=task).exists():
            continue
        cron, _ = Crontab.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="Asia/Tokyo",
        )
        Task.objects.create(name=name, task=task, crontab=cron, enabled=True)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_requestlog_partitioned"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
