from django.db import migrations

from core.schedules import ensure_periodic_task


def create(apps, schema_editor):
    ensure_periodic_task(
        apps,
        task="cases.escalate_overdue_safety_checks",
        name="48時間安全確認の期限超過の通知",
        every_seconds=60,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0003_code_lists"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
