from django.db import migrations

from core.schedules import ensure_periodic_task


def schedules(apps, schema_editor):
    ensure_periodic_task(
        apps,
        task="sla.tasks.reports.change_ledger_compact",
        name="操作履歴の変更台帳の日次集約",
        cron=("40", "0"),
    )


class Migration(migrations.Migration):
    dependencies = [("sla", "0004_reports")]

    operations = [migrations.RunPython(schedules, migrations.RunPython.noop)]
