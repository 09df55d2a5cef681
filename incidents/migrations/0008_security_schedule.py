from django.db import migrations

from core.schedules import ensure_periodic_task


def create(apps, schema_editor):
    ensure_periodic_task(
        apps,
        task="incidents.security_check_failed_logins",
        name="ログイン失敗の日次確認",
        cron=("0", "7"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0007_problems_security"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
