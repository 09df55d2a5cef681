"""Beat entry for scheduled personnel imports (every 5 minutes, Asia/Tokyo).

Running every few minutes rather than once at midnight means an import whose
発令日 came while beat was down is applied as soon as beat is back.
"""

from django.db import migrations

TASK = "accounts.apply_due_personnel_imports"


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    if Task.objects.filter(task=TASK).exists():
        return
    cron, _ = Crontab.objects.get_or_create(
        minute="*/5",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Tokyo",
    )
    Task.objects.create(name="予約された人事異動取込の反映", task=TASK, crontab=cron, enabled=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_personnel_import_access_grant"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
