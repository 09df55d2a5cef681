from django.db import migrations

TASK = "cases.escalate_overdue_safety_checks"


def create(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    if Task.objects.filter(task=TASK).exists():
        return
    every, _ = Interval.objects.get_or_create(every=60, period="seconds")
    Task.objects.create(
        name="48時間安全確認の期限超過の通知", task=TASK, interval=every, enabled=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_code_lists"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
