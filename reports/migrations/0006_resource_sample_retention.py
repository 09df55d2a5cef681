from django.db import migrations

from core.schedules import ensure_periodic_task


def schedules(apps, schema_editor):
    ensure_periodic_task(
        apps,
        task="reports.tasks.statistics.resource_samples_purge",
        name="資源計測データの保存期間超過分の削除",
        cron=("20", "4"),
    )


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_national")]

    operations = [migrations.RunPython(schedules, migrations.RunPython.noop)]
