# The computations part: the change ledger behind SLA #27 (operation history captured).
# Its tables and trigger functions; the triggers themselves are attached to every table with
# simple-history after each migrate (sla.models._install_change_ledger), since those tables
# belong to other apps and may be created after this migration.
from django.conf import settings
from django.db import migrations, models

from sla.computations.history import DROP_FUNCTIONS_SQL, FUNCTIONS_SQL


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChangeLedgerDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("table_name", models.CharField(max_length=63, verbose_name="表")),
                ("day", models.DateField(verbose_name="日付")),
                ("inserted", models.BigIntegerField(default=0, verbose_name="追加")),
                ("updated", models.BigIntegerField(default=0, verbose_name="更新")),
                ("deleted", models.BigIntegerField(default=0, verbose_name="削除")),
            ],
            options={
                "verbose_name": "データ変更台帳（日次）",
                "verbose_name_plural": "データ変更台帳（日次）",
                "indexes": [models.Index(fields=["day"], name="sla_ledger_day")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("table_name", "day"), name="sla_ledger_day_table"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ChangeLedgerEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("table_name", models.CharField(max_length=63, verbose_name="表")),
                ("at", models.DateTimeField(verbose_name="日時")),
                ("inserted", models.BigIntegerField(default=0, verbose_name="追加")),
                ("updated", models.BigIntegerField(default=0, verbose_name="更新")),
                ("deleted", models.BigIntegerField(default=0, verbose_name="削除")),
            ],
            options={
                "verbose_name": "データ変更台帳",
                "verbose_name_plural": "データ変更台帳",
                "indexes": [models.Index(fields=["at"], name="sla_ledger_at")],
            },
        ),
        migrations.CreateModel(
            name="RequestFiguresDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(verbose_name="日付")),
                ("key", models.CharField(max_length=32)),
                ("source", models.CharField(max_length=10, verbose_name="元データ")),
                ("requests", models.BigIntegerField(verbose_name="件数")),
                ("data", models.JSONField()),
                ("computed_at", models.DateTimeField(verbose_name="集計日時")),
            ],
            options={
                "verbose_name": "応答時間の日次集計",
                "verbose_name_plural": "応答時間の日次集計",
                "constraints": [
                    models.UniqueConstraint(fields=("day", "key"), name="sla_request_figures_day")
                ],
            },
        ),
        migrations.RunSQL(FUNCTIONS_SQL, reverse_sql=DROP_FUNCTIONS_SQL),
    ]
