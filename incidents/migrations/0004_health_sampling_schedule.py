from django.db import migrations

TASK = "incidents.sample_health"


def create(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    if Task.objects.filter(task=TASK).exists():
        return
    every, _ = Interval.objects.get_or_create(every=60, period="seconds")
    # expires: a sample that could not run within its minute is worthless later.
    Task.objects.create(
        name="稼働監視（1分ごと）", task=TASK, interval=every, enabled=True, expire_seconds=55
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0003_health_samples"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
