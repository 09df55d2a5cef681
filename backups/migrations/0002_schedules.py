from django.db import migrations

from core.schedules import ensure_periodic_task


def schedules(apps, schema_editor):
    # 22:00 JST: inside both cities' windows (Sendai 21:15–04:30, Kobe 21:30–04:45).
    ensure_periodic_task(
        apps, task="backups.tasks.nightly_backup", name="夜間バックアップ", cron=("0", "22")
    )
    # Re-checks every generation's checksum (and, with the key on this host, reads it all).
    ensure_periodic_task(
        apps, task="backups.tasks.verify_backups", name="バックアップ世代の検証", cron=("0", "3")
    )
    # After both windows have closed: alert when last night made no generation.
    ensure_periodic_task(
        apps,
        task="backups.tasks.missed_night_check",
        name="夜間バックアップ未実施の確認",
        cron=("0", "5"),
    )
    ensure_periodic_task(
        apps,
        task="backups.tasks.restore_drill",
        name="復元訓練（週次）",
        cron=("30", "1"),
        day_of_week="0",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("backups", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedules, migrations.RunPython.noop)]
