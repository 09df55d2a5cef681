# Reserved for handover export; the ops areas were built side by side, each in its own file.
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0004_extraction"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="HandoverExport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "encoding",
                    models.CharField(
                        choices=[
                            ("utf-8-sig", "UTF-8（BOM付き）"),
                            ("cp932", "CP932（Shift_JIS・Windows）"),
                        ],
                        default="utf-8-sig",
                        max_length=10,
                        verbose_name="文字コード",
                    ),
                ),
                ("reason", models.TextField(max_length=2000, verbose_name="目的・理由")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "申請"),
                            ("approved", "承認"),
                            ("running", "実行中"),
                            ("done", "完了"),
                            ("failed", "失敗"),
                            ("cancelled", "取消"),
                        ],
                        default="requested",
                        max_length=20,
                        verbose_name="状態",
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="申請日時")),
                (
                    "approved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="承認日時"),
                ),
                (
                    "started_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="開始日時"),
                ),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="終了日時"),
                ),
                (
                    "cancelled_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="取消日時"),
                ),
                ("attempt", models.PositiveIntegerField(default=0, verbose_name="実行回数")),
                ("progress_done", models.BigIntegerField(default=0, verbose_name="出力済みの行")),
                (
                    "progress_total",
                    models.BigIntegerField(default=0, verbose_name="行数（見込み）"),
                ),
                (
                    "progress_table",
                    models.CharField(blank=True, max_length=200, verbose_name="出力中の表"),
                ),
                (
                    "heartbeat_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="最終の進捗"),
                ),
                (
                    "file_name",
                    models.CharField(blank=True, max_length=200, verbose_name="出力ファイル"),
                ),
                (
                    "size",
                    models.BigIntegerField(blank=True, null=True, verbose_name="サイズ（バイト）"),
                ),
                ("sha256", models.CharField(blank=True, max_length=64, verbose_name="SHA-256")),
                ("tables_count", models.PositiveIntegerField(default=0, verbose_name="表の数")),
                ("rows_count", models.BigIntegerField(default=0, verbose_name="行数")),
                (
                    "files_count",
                    models.PositiveIntegerField(default=0, verbose_name="添付ファイル数"),
                ),
                ("summary", models.TextField(blank=True, verbose_name="結果の要約")),
                ("error", models.TextField(blank=True, verbose_name="失敗理由")),
                (
                    "file_removed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="ファイル削除日時"),
                ),
                (
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="承認者",
                    ),
                ),
                (
                    "cancelled_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="取消者",
                    ),
                ),
                (
                    "file_removed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="ファイル削除者",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="申請者",
                    ),
                ),
                (
                    "started_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="実行者",
                    ),
                ),
            ],
            options={
                "verbose_name": "引継ぎデータ出力",
                "verbose_name_plural": "引継ぎデータ出力",
                "ordering": ["-requested_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="HandoverDownload",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("downloaded_at", models.DateTimeField(verbose_name="ダウンロード日時")),
                (
                    "ip",
                    models.GenericIPAddressField(blank=True, null=True, verbose_name="IPアドレス"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="職員",
                    ),
                ),
                (
                    "export",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="downloads",
                        to="ops.handoverexport",
                        verbose_name="引継ぎデータ出力",
                    ),
                ),
            ],
            options={
                "verbose_name": "引継ぎデータのダウンロード記録",
                "verbose_name_plural": "引継ぎデータのダウンロード記録",
                "ordering": ["-downloaded_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalHandoverDownload",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("downloaded_at", models.DateTimeField(verbose_name="ダウンロード日時")),
                (
                    "ip",
                    models.GenericIPAddressField(blank=True, null=True, verbose_name="IPアドレス"),
                ),
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
                    "export",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.handoverexport",
                        verbose_name="引継ぎデータ出力",
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
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="職員",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 引継ぎデータのダウンロード記録",
                "verbose_name_plural": "historical 引継ぎデータのダウンロード記録",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalHandoverExport",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "encoding",
                    models.CharField(
                        choices=[
                            ("utf-8-sig", "UTF-8（BOM付き）"),
                            ("cp932", "CP932（Shift_JIS・Windows）"),
                        ],
                        default="utf-8-sig",
                        max_length=10,
                        verbose_name="文字コード",
                    ),
                ),
                ("reason", models.TextField(max_length=2000, verbose_name="目的・理由")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "申請"),
                            ("approved", "承認"),
                            ("running", "実行中"),
                            ("done", "完了"),
                            ("failed", "失敗"),
                            ("cancelled", "取消"),
                        ],
                        default="requested",
                        max_length=20,
                        verbose_name="状態",
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="申請日時")),
                (
                    "approved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="承認日時"),
                ),
                (
                    "started_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="開始日時"),
                ),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="終了日時"),
                ),
                (
                    "cancelled_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="取消日時"),
                ),
                ("attempt", models.PositiveIntegerField(default=0, verbose_name="実行回数")),
                ("progress_done", models.BigIntegerField(default=0, verbose_name="出力済みの行")),
                (
                    "progress_total",
                    models.BigIntegerField(default=0, verbose_name="行数（見込み）"),
                ),
                (
                    "progress_table",
                    models.CharField(blank=True, max_length=200, verbose_name="出力中の表"),
                ),
                (
                    "heartbeat_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="最終の進捗"),
                ),
                (
                    "file_name",
                    models.CharField(blank=True, max_length=200, verbose_name="出力ファイル"),
                ),
                (
                    "size",
                    models.BigIntegerField(blank=True, null=True, verbose_name="サイズ（バイト）"),
                ),
                ("sha256", models.CharField(blank=True, max_length=64, verbose_name="SHA-256")),
                ("tables_count", models.PositiveIntegerField(default=0, verbose_name="表の数")),
                ("rows_count", models.BigIntegerField(default=0, verbose_name="行数")),
                (
                    "files_count",
                    models.PositiveIntegerField(default=0, verbose_name="添付ファイル数"),
                ),
                ("summary", models.TextField(blank=True, verbose_name="結果の要約")),
                ("error", models.TextField(blank=True, verbose_name="失敗理由")),
                (
                    "file_removed_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="ファイル削除日時"),
                ),
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
                    "approved_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="承認者",
                    ),
                ),
                (
                    "cancelled_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="取消者",
                    ),
                ),
                (
                    "file_removed_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="ファイル削除者",
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
                        verbose_name="申請者",
                    ),
                ),
                (
                    "started_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="実行者",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 引継ぎデータ出力",
                "verbose_name_plural": "historical 引継ぎデータ出力",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name="handoverexport",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "running")),
                fields=("status",),
                name="ops_handover_one_running",
                violation_error_message="別の引継ぎデータの出力が実行中です。",
            ),
        ),
        migrations.AddConstraint(
            model_name="handoverexport",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("approved_by__isnull", True),
                    models.Q(("approved_by", models.F("requested_by")), _negated=True),
                    _connector="OR",
                ),
                name="ops_handover_two_persons",
                violation_error_message="申請者本人は承認できません。",
            ),
        ),
    ]
