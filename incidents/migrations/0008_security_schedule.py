from django.db import migrations

TASK = "incidents.security_check_failed_logins"


def create(apps, schema_editor):
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    if Task.objects.filter(task=TASK).exists():
        return
    cron, _ = Crontab.objects.get_or_create(
        minute="0",
        hour="7",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Tokyo",
    )
    Task.objects.create(name="ログイン失敗の日次確認", task=TASK, crontab=cron, enabled=True)


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_problems_security"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
