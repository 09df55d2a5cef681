# The reports part: report generation jobs, report comments, and the nightly recomputation of
# the SLA results (01:00 JST: the current and the previous month).
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core.schedules import ensure_periodic_task


def schedules(apps, schema_editor):
    ensure_periodic_task(
        apps,
        task="sla.tasks.reports.results_nightly",
        name="SLA 実績の夜間再計算（当月・前月）",
        cron=("0", "1"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0003_catalog"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalReportComment",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "item_number",
                    models.CharField(blank=True, max_length=10, verbose_name="項目番号"),
                ),
                ("body", models.TextField(max_length=5000, verbose_name="コメント")),
                ("created_at", models.DateTimeField(verbose_name="記入日時")),
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
                    "author",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="記入者",
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
                    "report",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sla.report",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical SLA 報告書のコメント",
                "verbose_name_plural": "historical SLA 報告書のコメント",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalReportJob",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "待機中"),
                            ("running", "作成中"),
                            ("succeeded", "完了"),
                            ("failed", "失敗"),
                        ],
                        default="queued",
                        max_length=20,
                        verbose_name="状態",
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="依頼日時")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="開始")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="終了")),
                ("error", models.TextField(blank=True, verbose_name="失敗理由")),
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
                    "report",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="sla.report",
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
                        verbose_name="依頼者",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical SLA 報告書の作成",
                "verbose_name_plural": "historical SLA 報告書の作成",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ReportComment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "item_number",
                    models.CharField(blank=True, max_length=10, verbose_name="項目番号"),
                ),
                ("body", models.TextField(max_length=5000, verbose_name="コメント")),
                ("created_at", models.DateTimeField(verbose_name="記入日時")),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="記入者",
                    ),
                ),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="comments",
                        to="sla.report",
                    ),
                ),
            ],
            options={
                "verbose_name": "SLA 報告書のコメント",
                "verbose_name_plural": "SLA 報告書のコメント",
                "ordering": ["created_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="ReportJob",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("queued", "待機中"),
                            ("running", "作成中"),
                            ("succeeded", "完了"),
                            ("failed", "失敗"),
                        ],
                        default="queued",
                        max_length=20,
                        verbose_name="状態",
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="依頼日時")),
                ("started_at", models.DateTimeField(blank=True, null=True, verbose_name="開始")),
                ("finished_at", models.DateTimeField(blank=True, null=True, verbose_name="終了")),
                ("error", models.TextField(blank=True, verbose_name="失敗理由")),
                (
                    "report",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="jobs",
                        to="sla.report",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="依頼者",
                    ),
                ),
            ],
            options={
                "verbose_name": "SLA 報告書の作成",
                "verbose_name_plural": "SLA 報告書の作成",
                "ordering": ["-requested_at", "-pk"],
            },
        ),
        migrations.RunPython(schedules, migrations.RunPython.noop),
    ]
