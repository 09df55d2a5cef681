"""Beat entry for scheduled personnel imports (every 5 minutes, Asia/Tokyo).

Running every few minutes rather than once at midnight means an import whose
発令日 came while beat was down is applied as soon as beat is back.
"""

from django.db import migrations

from core.schedules import ensure_periodic_task


def create(apps, schema_editor):
    ensure_periodic_task(
        apps,
        task="accounts.apply_due_personnel_imports",
        name="予約された人事異動取込の反映",
        cron=("*/5", "*"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_personnel_import_access_grant"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
