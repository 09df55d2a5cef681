# The statistics part: resource samples, function names, templates and generated reports.
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core.schedules import ensure_periodic_task


def add_schedule(apps, schema_editor):
    ensure_periodic_task(
        apps,
        task="reports.tasks.statistics.resource_sample",
        name="システム資源の計測（5分毎）",
        every_seconds=300,
        expire_seconds=240,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_meetings"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="FunctionName",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "view_name",
                    models.CharField(max_length=200, unique=True, verbose_name="ビュー名"),
                ),
                ("label", models.CharField(max_length=200, verbose_name="機能名")),
            ],
            options={
                "verbose_name": "機能名の対応",
                "verbose_name_plural": "機能名の対応",
                "ordering": ["view_name"],
            },
        ),
        migrations.CreateModel(
            name="ResourceSample",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("slot", models.DateTimeField(unique=True, verbose_name="計測枠")),
                ("taken_at", models.DateTimeField(verbose_name="計測日時")),
                ("cpu_percent", models.FloatField(verbose_name="CPU使用率(%)")),
                ("memory_percent", models.FloatField(verbose_name="メモリ使用率(%)")),
                ("disk_root_percent", models.FloatField(verbose_name="ディスク使用率 /(%)")),
                (
                    "disk_backup_percent",
                    models.FloatField(null=True, verbose_name="ディスク使用率 バックアップ領域(%)"),
                ),
                ("db_bytes", models.BigIntegerField(verbose_name="データベースサイズ")),
            ],
            options={
                "verbose_name": "資源計測",
                "verbose_name_plural": "資源計測",
                "ordering": ["-slot"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalFunctionName",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "view_name",
                    models.CharField(db_index=True, max_length=200, verbose_name="ビュー名"),
                ),
                ("label", models.CharField(max_length=200, verbose_name="機能名")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 機能名の対応",
                "verbose_name_plural": "historical 機能名の対応",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalStatisticsTemplate",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="ファイル名")),
                ("sha256", models.CharField(max_length=64)),
                ("uploaded_at", models.DateTimeField(verbose_name="登録日時")),
                ("active", models.BooleanField(default=True, verbose_name="使用中")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "historical システム統計テンプレート",
                "verbose_name_plural": "historical システム統計テンプレート",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="StatisticsTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="ファイル名")),
                ("content", models.BinaryField(verbose_name="内容")),
                ("sha256", models.CharField(max_length=64)),
                ("uploaded_at", models.DateTimeField(verbose_name="登録日時")),
                ("active", models.BooleanField(default=True, verbose_name="使用中")),
                (
                    "uploaded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "システム統計テンプレート",
                "verbose_name_plural": "システム統計テンプレート",
                "ordering": ["-uploaded_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="StatisticsReport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(verbose_name="対象月")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "待機中"),
                            ("running", "作成中"),
                            ("done", "完了"),
                            ("failed", "失敗"),
                        ],
                        default="queued",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="依頼日時")),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="完了日時"),
                ),
                ("content", models.BinaryField(blank=True, null=True, verbose_name="内容")),
                ("sha256", models.CharField(blank=True, max_length=64)),
                ("error", models.TextField(blank=True, verbose_name="エラー")),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="reports.statisticstemplate",
                    ),
                ),
            ],
            options={
                "verbose_name": "システム統計情報",
                "verbose_name_plural": "システム統計情報",
                "ordering": ["-requested_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalStatisticsReport",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField(verbose_name="対象月")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "待機中"),
                            ("running", "作成中"),
                            ("done", "完了"),
                            ("failed", "失敗"),
                        ],
                        default="queued",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="依頼日時")),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="完了日時"),
                ),
                ("sha256", models.CharField(blank=True, max_length=64)),
                ("error", models.TextField(blank=True, verbose_name="エラー")),
                ("history_id", models.AutoField(primary_key=True, serialize=False)),
                ("history_date", models.DateTimeField(db_index=True)),
                ("history_change_reason", models.CharField(max_length=100, null=True)),
                (
                    "history_type",
                    models.CharField(
                        choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                    ),
                ),
                (
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "template",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="reports.statisticstemplate",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical システム統計情報",
                "verbose_name_plural": "historical システム統計情報",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name="statisticsreport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["queued", "running"])),
                fields=("month",),
                name="reports_stats_one_job_per_month",
            ),
        ),
        migrations.RunPython(add_schedule, migrations.RunPython.noop),
    ]
