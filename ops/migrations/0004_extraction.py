# データ抽出依頼 (extraction area). The ops areas were built side by side, each in its own file.
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core.schedules import ensure_periodic_task


def schedules(apps, schema_editor):
    # Hourly: a result file is deleted within the hour after its download period ends.
    ensure_periodic_task(
        apps,
        task="ops.extraction_expire",
        name="データ抽出ファイルの期限切れ削除",
        cron=("15", "*"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0003_routine"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="ExtractionRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("definition_code", models.CharField(max_length=100, verbose_name="抽出定義")),
                (
                    "definition_title",
                    models.CharField(max_length=200, verbose_name="抽出定義の名称"),
                ),
                (
                    "definition_revision",
                    models.CharField(blank=True, max_length=20, verbose_name="定義の版"),
                ),
                ("parameters", models.JSONField(blank=True, default=dict, verbose_name="抽出条件")),
                ("columns", models.JSONField(blank=True, default=list, verbose_name="出力する列")),
                (
                    "output_format",
                    models.CharField(
                        choices=[("xlsx", "Excel（.xlsx）"), ("csv", "CSV（UTF-8 BOM付き）")],
                        default="xlsx",
                        max_length=10,
                        verbose_name="形式",
                    ),
                ),
                ("purpose", models.TextField(max_length=2000, verbose_name="利用目的")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "承認待ち"),
                            ("approved", "承認済（実行待ち）"),
                            ("rejected", "却下"),
                            ("queued", "実行中"),
                            ("succeeded", "完了"),
                            ("failed", "失敗"),
                            ("expired", "期限切れ"),
                        ],
                        default="requested",
                        max_length=20,
                        verbose_name="状態",
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="依頼日時")),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="承認・却下日時"),
                ),
                (
                    "decision_note",
                    models.TextField(
                        blank=True, max_length=2000, verbose_name="承認時の補足・却下理由"
                    ),
                ),
                (
                    "queued_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="実行指示日時"),
                ),
                (
                    "started_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="実行開始"),
                ),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="実行終了"),
                ),
                (
                    "row_count",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="行数"),
                ),
                (
                    "object_count",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="対象件数"),
                ),
                (
                    "object_type",
                    models.CharField(blank=True, max_length=50, verbose_name="対象の種類"),
                ),
                ("object_ids", models.JSONField(blank=True, default=list)),
                (
                    "file",
                    models.FileField(
                        blank=True,
                        max_length=200,
                        upload_to="extracts/",
                        verbose_name="結果ファイル",
                    ),
                ),
                (
                    "file_size",
                    models.BigIntegerField(blank=True, null=True, verbose_name="ファイルサイズ"),
                ),
                (
                    "file_sha256",
                    models.CharField(blank=True, max_length=64, verbose_name="SHA-256"),
                ),
                (
                    "expires_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="ダウンロード期限"),
                ),
                (
                    "expired_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="削除日時"),
                ),
                ("error", models.TextField(blank=True, verbose_name="失敗理由")),
                (
                    "failure_kind",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("refused", "実行前の確認で中止（依頼者の閲覧範囲・役割に合わない）"),
                            ("error", "処理中のエラー"),
                        ],
                        max_length=20,
                        verbose_name="失敗の種類",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="承認・却下した管理者",
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
                (
                    "run_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="実行した担当者",
                    ),
                ),
            ],
            options={
                "verbose_name": "データ抽出依頼",
                "verbose_name_plural": "データ抽出依頼",
                "ordering": ["-requested_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="ExtractionDownload",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="日時")),
                (
                    "ip",
                    models.GenericIPAddressField(blank=True, null=True, verbose_name="IPアドレス"),
                ),
                (
                    "object_count",
                    models.PositiveIntegerField(default=0, verbose_name="記録した閲覧件数"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="ダウンロードした職員",
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="downloads",
                        to="ops.extractionrequest",
                    ),
                ),
            ],
            options={
                "verbose_name": "抽出結果のダウンロード",
                "verbose_name_plural": "抽出結果のダウンロード",
                "ordering": ["-at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalExtractionDownload",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(verbose_name="日時")),
                (
                    "ip",
                    models.GenericIPAddressField(blank=True, null=True, verbose_name="IPアドレス"),
                ),
                (
                    "object_count",
                    models.PositiveIntegerField(default=0, verbose_name="記録した閲覧件数"),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "request",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.extractionrequest",
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
                        verbose_name="ダウンロードした職員",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 抽出結果のダウンロード",
                "verbose_name_plural": "historical 抽出結果のダウンロード",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalExtractionRequest",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("definition_code", models.CharField(max_length=100, verbose_name="抽出定義")),
                (
                    "definition_title",
                    models.CharField(max_length=200, verbose_name="抽出定義の名称"),
                ),
                (
                    "definition_revision",
                    models.CharField(blank=True, max_length=20, verbose_name="定義の版"),
                ),
                ("parameters", models.JSONField(blank=True, default=dict, verbose_name="抽出条件")),
                ("columns", models.JSONField(blank=True, default=list, verbose_name="出力する列")),
                (
                    "output_format",
                    models.CharField(
                        choices=[("xlsx", "Excel（.xlsx）"), ("csv", "CSV（UTF-8 BOM付き）")],
                        default="xlsx",
                        max_length=10,
                        verbose_name="形式",
                    ),
                ),
                ("purpose", models.TextField(max_length=2000, verbose_name="利用目的")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "承認待ち"),
                            ("approved", "承認済（実行待ち）"),
                            ("rejected", "却下"),
                            ("queued", "実行中"),
                            ("succeeded", "完了"),
                            ("failed", "失敗"),
                            ("expired", "期限切れ"),
                        ],
                        default="requested",
                        max_length=20,
                        verbose_name="状態",
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="依頼日時")),
                (
                    "decided_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="承認・却下日時"),
                ),
                (
                    "decision_note",
                    models.TextField(
                        blank=True, max_length=2000, verbose_name="承認時の補足・却下理由"
                    ),
                ),
                (
                    "queued_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="実行指示日時"),
                ),
                (
                    "started_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="実行開始"),
                ),
                (
                    "finished_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="実行終了"),
                ),
                (
                    "row_count",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="行数"),
                ),
                (
                    "object_count",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="対象件数"),
                ),
                (
                    "object_type",
                    models.CharField(blank=True, max_length=50, verbose_name="対象の種類"),
                ),
                ("file", models.TextField(blank=True, max_length=200, verbose_name="結果ファイル")),
                (
                    "file_size",
                    models.BigIntegerField(blank=True, null=True, verbose_name="ファイルサイズ"),
                ),
                (
                    "file_sha256",
                    models.CharField(blank=True, max_length=64, verbose_name="SHA-256"),
                ),
                (
                    "expires_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="ダウンロード期限"),
                ),
                (
                    "expired_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="削除日時"),
                ),
                ("error", models.TextField(blank=True, verbose_name="失敗理由")),
                (
                    "failure_kind",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("refused", "実行前の確認で中止（依頼者の閲覧範囲・役割に合わない）"),
                            ("error", "処理中のエラー"),
                        ],
                        max_length=20,
                        verbose_name="失敗の種類",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
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
                    "decided_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="承認・却下した管理者",
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
                        verbose_name="依頼者",
                    ),
                ),
                (
                    "run_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="実行した担当者",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical データ抽出依頼",
                "verbose_name_plural": "historical データ抽出依頼",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddIndex(
            model_name="extractionrequest",
            index=models.Index(fields=["requested_by", "-requested_at"], name="extract_requester"),
        ),
        migrations.AddIndex(
            model_name="extractionrequest",
            index=models.Index(
                condition=models.Q(("status", "succeeded")),
                fields=["expires_at"],
                name="extract_expiry",
            ),
        ),
        migrations.AddConstraint(
            model_name="extractionrequest",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("decided_by__isnull", True),
                    models.Q(("decided_by", models.F("requested_by")), _negated=True),
                    _connector="OR",
                ),
                name="extract_approver_not_requester",
            ),
        ),
        migrations.RunPython(schedules, migrations.RunPython.noop),
    ]
