from django.db import migrations

TASK = "incidents.send_clock_warnings"


def create(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    if Task.objects.filter(task=TASK).exists():
        return
    every, _ = Interval.objects.get_or_create(every=60, period="seconds")
    Task.objects.create(
        name="障害対応の期限警告（1分ごと）",
        task=TASK,
        interval=every,
        enabled=True,
        expire_seconds=55,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_timeline_warnings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
