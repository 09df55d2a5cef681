from django.db import migrations

from core.schedules import ensure_periodic_task


def create(apps, schema_editor):
    ensure_periodic_task(
        apps,
        task="incidents.send_clock_warnings",
        name="障害対応の期限警告（1分ごと）",
        every_seconds=60,
        expire_seconds=55,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0005_timeline_warnings"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
