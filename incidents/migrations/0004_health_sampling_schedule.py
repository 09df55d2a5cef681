from django.db import migrations

from core.schedules import ensure_periodic_task


def create(apps, schema_editor):
    # expires: a sample that could not run within its minute is worthless later.
    ensure_periodic_task(
        apps,
        task="incidents.sample_health",
        name="稼働監視（1分ごと）",
        every_seconds=60,
        expire_seconds=55,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0003_health_samples"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
