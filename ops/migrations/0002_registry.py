# Reserved for registry + security; the ops areas were built side by side, each in its own file.
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core.schedules import ensure_periodic_task


def defaults(apps, schema_editor):
    # 08:00 JST: the vendor's morning, before the city's desk opens.
    ensure_periodic_task(
        apps,
        task="ops.tasks.registry.send_due_warnings",
        name="構成管理・セキュリティの期限警告",
        cron=("0", "8"),
    )
    Environment = apps.get_model("ops", "Environment")
    for order, (code, name, kind) in enumerate(
        [("production", "本番", "production"), ("staging", "検証・保守", "staging")]
    ):
        if not Environment.objects.filter(code=code).exists():
            Environment.objects.create(code=code, name=name, kind=kind, order=order * 10)


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="Document",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("operation_manual", "操作マニュアル"),
                            ("admin_manual", "システム管理者マニュアル"),
                            ("run_manual", "運用マニュアル"),
                            ("maintenance_manual", "保守マニュアル"),
                            ("incident_procedure", "障害時対応手順書"),
                            ("run_procedure", "運用手順書"),
                            ("sla_procedure", "SLA 実施手順書"),
                            ("other", "その他"),
                        ],
                        max_length=30,
                        verbose_name="種類",
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="文書名")),
                ("doc_version", models.CharField(max_length=50, verbose_name="版")),
                ("issued_on", models.DateField(verbose_name="発行日")),
                (
                    "file",
                    models.FileField(
                        max_length=300, upload_to="ops/documents/%Y/%m/", verbose_name="ファイル"
                    ),
                ),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="備考")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                "verbose_name": "文書",
                "verbose_name_plural": "文書",
                "ordering": ["kind", "title"],
            },
        ),
        migrations.CreateModel(
            name="Environment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="半角英数字（例: production）",
                        max_length=30,
                        unique=True,
                        verbose_name="コード",
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="名称")),
                (
                    "kind",
                    models.CharField(
                        choices=[("production", "本番"), ("staging", "検証・保守")],
                        max_length=20,
                        verbose_name="種別",
                    ),
                ),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="表示順")),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="備考")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                "verbose_name": "環境",
                "verbose_name_plural": "環境",
                "ordering": ["order", "code"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalDocument",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("operation_manual", "操作マニュアル"),
                            ("admin_manual", "システム管理者マニュアル"),
                            ("run_manual", "運用マニュアル"),
                            ("maintenance_manual", "保守マニュアル"),
                            ("incident_procedure", "障害時対応手順書"),
                            ("run_procedure", "運用手順書"),
                            ("sla_procedure", "SLA 実施手順書"),
                            ("other", "その他"),
                        ],
                        max_length=30,
                        verbose_name="種類",
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="文書名")),
                ("doc_version", models.CharField(max_length=50, verbose_name="版")),
                ("issued_on", models.DateField(verbose_name="発行日")),
                ("file", models.TextField(max_length=300, verbose_name="ファイル")),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="備考")),
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
                "verbose_name": "historical 文書",
                "verbose_name_plural": "historical 文書",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalEnvironment",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="半角英数字（例: production）",
                        max_length=30,
                        verbose_name="コード",
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="名称")),
                (
                    "kind",
                    models.CharField(
                        choices=[("production", "本番"), ("staging", "検証・保守")],
                        max_length=20,
                        verbose_name="種別",
                    ),
                ),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="表示順")),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="備考")),
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
                "verbose_name": "historical 環境",
                "verbose_name_plural": "historical 環境",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalRegistryWarning",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=30, verbose_name="対象")),
                ("object_id", models.PositiveIntegerField(verbose_name="対象ID")),
                (
                    "level",
                    models.CharField(
                        choices=[("before", "期限前"), ("due", "期限到来")],
                        max_length=10,
                        verbose_name="水準",
                    ),
                ),
                ("due_on", models.DateField(verbose_name="期限")),
                (
                    "sent_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="送信日時"),
                ),
                ("recipients", models.TextField(blank=True, verbose_name="宛先")),
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
                "verbose_name": "historical 期限の警告（構成管理）",
                "verbose_name_plural": "historical 期限の警告（構成管理）",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalServer",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="サーバー名")),
                (
                    "role",
                    models.CharField(
                        blank=True, help_text="例: AP、DB", max_length=100, verbose_name="用途"
                    ),
                ),
                ("os", models.CharField(blank=True, max_length=100, verbose_name="OS")),
                ("active", models.BooleanField(default=True, verbose_name="稼働中")),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="備考")),
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
                    "environment",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.environment",
                        verbose_name="環境",
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
                "verbose_name": "historical サーバー",
                "verbose_name_plural": "historical サーバー",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalSoftwareItem",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="名称")),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("os", "OS"),
                            ("middleware", "ミドルウェア"),
                            ("library", "ライブラリ"),
                            ("product", "本システム"),
                        ],
                        max_length=20,
                        verbose_name="分類",
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("manual", "手入力"),
                            ("python", "Python パッケージ"),
                            ("debian", "Debian パッケージ"),
                            ("product", "本システム"),
                        ],
                        default="manual",
                        max_length=20,
                        verbose_name="登録元",
                    ),
                ),
                ("vendor", models.CharField(blank=True, max_length=200, verbose_name="提供元")),
                (
                    "support_ends_on",
                    models.DateField(blank=True, null=True, verbose_name="サポート終了日"),
                ),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="備考")),
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
                "verbose_name": "historical ソフトウェア",
                "verbose_name_plural": "historical ソフトウェア",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="RegistryWarning",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=30, verbose_name="対象")),
                ("object_id", models.PositiveIntegerField(verbose_name="対象ID")),
                (
                    "level",
                    models.CharField(
                        choices=[("before", "期限前"), ("due", "期限到来")],
                        max_length=10,
                        verbose_name="水準",
                    ),
                ),
                ("due_on", models.DateField(verbose_name="期限")),
                ("sent_at", models.DateTimeField(auto_now_add=True, verbose_name="送信日時")),
                ("recipients", models.TextField(blank=True, verbose_name="宛先")),
            ],
            options={
                "verbose_name": "期限の警告（構成管理）",
                "verbose_name_plural": "期限の警告（構成管理）",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("kind", "object_id", "level", "due_on"),
                        name="ops_uniq_registry_warning",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Server",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="サーバー名")),
                (
                    "role",
                    models.CharField(
                        blank=True, help_text="例: AP、DB", max_length=100, verbose_name="用途"
                    ),
                ),
                ("os", models.CharField(blank=True, max_length=100, verbose_name="OS")),
                ("active", models.BooleanField(default=True, verbose_name="稼働中")),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="備考")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "environment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="servers",
                        to="ops.environment",
                        verbose_name="環境",
                    ),
                ),
            ],
            options={
                "verbose_name": "サーバー",
                "verbose_name_plural": "サーバー",
                "ordering": ["environment__order", "name"],
            },
        ),
        migrations.CreateModel(
            name="MalwareDetection",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("detected_at", models.DateTimeField(verbose_name="検知日時")),
                ("name", models.CharField(max_length=200, verbose_name="検知名")),
                (
                    "handling",
                    models.TextField(blank=True, max_length=10000, verbose_name="対処内容"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "対応中"),
                            ("removed", "駆除済み"),
                            ("false_positive", "誤検知"),
                            ("closed", "完了"),
                        ],
                        default="open",
                        max_length=20,
                        verbose_name="状態",
                    ),
                ),
                (
                    "incident_number",
                    models.CharField(
                        blank=True, max_length=20, verbose_name="障害番号（セキュリティ事象）"
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "server",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="detections",
                        to="ops.server",
                        verbose_name="サーバー",
                    ),
                ),
            ],
            options={
                "verbose_name": "マルウェア検知",
                "verbose_name_plural": "マルウェア検知",
                "ordering": ["-detected_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalMalwareDetection",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("detected_at", models.DateTimeField(verbose_name="検知日時")),
                ("name", models.CharField(max_length=200, verbose_name="検知名")),
                (
                    "handling",
                    models.TextField(blank=True, max_length=10000, verbose_name="対処内容"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "対応中"),
                            ("removed", "駆除済み"),
                            ("false_positive", "誤検知"),
                            ("closed", "完了"),
                        ],
                        default="open",
                        max_length=20,
                        verbose_name="状態",
                    ),
                ),
                (
                    "incident_number",
                    models.CharField(
                        blank=True, max_length=20, verbose_name="障害番号（セキュリティ事象）"
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "server",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.server",
                        verbose_name="サーバー",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical マルウェア検知",
                "verbose_name_plural": "historical マルウェア検知",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="SoftwareItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="名称")),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("os", "OS"),
                            ("middleware", "ミドルウェア"),
                            ("library", "ライブラリ"),
                            ("product", "本システム"),
                        ],
                        max_length=20,
                        verbose_name="分類",
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        choices=[
                            ("manual", "手入力"),
                            ("python", "Python パッケージ"),
                            ("debian", "Debian パッケージ"),
                            ("product", "本システム"),
                        ],
                        default="manual",
                        max_length=20,
                        verbose_name="登録元",
                    ),
                ),
                ("vendor", models.CharField(blank=True, max_length=200, verbose_name="提供元")),
                (
                    "support_ends_on",
                    models.DateField(blank=True, null=True, verbose_name="サポート終了日"),
                ),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="備考")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                "verbose_name": "ソフトウェア",
                "verbose_name_plural": "ソフトウェア",
                "ordering": ["category", "name"],
                "constraints": [
                    models.UniqueConstraint(fields=("source", "name"), name="ops_uniq_software")
                ],
            },
        ),
        migrations.CreateModel(
            name="Release",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("released_at", models.DateTimeField(verbose_name="リリース日時")),
                ("title", models.CharField(max_length=200, verbose_name="件名")),
                ("description", models.TextField(max_length=10000, verbose_name="変更内容")),
                ("release_version", models.CharField(max_length=100, verbose_name="バージョン")),
                (
                    "change_document",
                    models.FileField(
                        blank=True,
                        max_length=300,
                        upload_to="ops/releases/%Y/%m/",
                        verbose_name="変更内容説明書",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "environment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="releases",
                        to="ops.environment",
                        verbose_name="環境",
                    ),
                ),
                (
                    "software",
                    models.ForeignKey(
                        blank=True,
                        help_text="指定すると、この環境の導入バージョンも更新します。",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="releases",
                        to="ops.softwareitem",
                        verbose_name="対象ソフトウェア",
                    ),
                ),
            ],
            options={
                "verbose_name": "リリース",
                "verbose_name_plural": "リリース",
                "ordering": ["-released_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Patch",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "identifier",
                    models.CharField(
                        help_text="例: DSA-5678-1, KB…", max_length=100, verbose_name="識別子"
                    ),
                ),
                ("title", models.CharField(max_length=300, verbose_name="件名")),
                ("released_on", models.DateField(verbose_name="公開日")),
                (
                    "verified_on",
                    models.DateField(blank=True, null=True, verbose_name="検証日（検証環境）"),
                ),
                (
                    "verification_result",
                    models.CharField(
                        blank=True,
                        choices=[("ok", "問題なし"), ("ng", "問題あり")],
                        max_length=10,
                        verbose_name="検証結果",
                    ),
                ),
                (
                    "verification_note",
                    models.TextField(blank=True, max_length=5000, verbose_name="検証の記録"),
                ),
                (
                    "decision",
                    models.CharField(
                        blank=True,
                        choices=[("apply", "適用"), ("not_applicable", "不適用"), ("hold", "保留")],
                        max_length=20,
                        verbose_name="適用可否",
                    ),
                ),
                (
                    "decision_reason",
                    models.TextField(blank=True, max_length=5000, verbose_name="適用可否の理由"),
                ),
                ("applied_on", models.DateField(blank=True, null=True, verbose_name="本番適用日")),
                (
                    "unverified_reason",
                    models.TextField(
                        blank=True, max_length=5000, verbose_name="検証前に本番へ適用した理由"
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "software",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="patches",
                        to="ops.softwareitem",
                        verbose_name="対象ソフトウェア",
                    ),
                ),
            ],
            options={
                "verbose_name": "パッチ",
                "verbose_name_plural": "パッチ",
                "ordering": ["-released_on", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="Licence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="ライセンス名")),
                ("count", models.PositiveIntegerField(verbose_name="ライセンス数")),
                ("holder", models.CharField(max_length=200, verbose_name="名義")),
                (
                    "expires_on",
                    models.DateField(
                        blank=True, help_text="無期限なら空欄", null=True, verbose_name="有効期限"
                    ),
                ),
                (
                    "warn_days",
                    models.PositiveSmallIntegerField(
                        default=30,
                        help_text="有効期限の何日前から警告するか",
                        verbose_name="期限前の警告（日前）",
                    ),
                ),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="備考")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "software",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="licences",
                        to="ops.softwareitem",
                        verbose_name="対象ソフトウェア",
                    ),
                ),
            ],
            options={
                "verbose_name": "ライセンス",
                "verbose_name_plural": "ライセンス",
                "ordering": ["expires_on", "name"],
            },
        ),
        migrations.CreateModel(
            name="InstalledVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("installed_version", models.CharField(max_length=100, verbose_name="バージョン")),
                ("installed_on", models.DateField(blank=True, null=True, verbose_name="導入日")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "environment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="installed",
                        to="ops.environment",
                        verbose_name="環境",
                    ),
                ),
                (
                    "software",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="installed",
                        to="ops.softwareitem",
                        verbose_name="ソフトウェア",
                    ),
                ),
            ],
            options={
                "verbose_name": "導入バージョン",
                "verbose_name_plural": "導入バージョン",
            },
        ),
        migrations.CreateModel(
            name="HistoricalRelease",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("released_at", models.DateTimeField(verbose_name="リリース日時")),
                ("title", models.CharField(max_length=200, verbose_name="件名")),
                ("description", models.TextField(max_length=10000, verbose_name="変更内容")),
                ("release_version", models.CharField(max_length=100, verbose_name="バージョン")),
                (
                    "change_document",
                    models.TextField(blank=True, max_length=300, verbose_name="変更内容説明書"),
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
                    "created_by",
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
                    "environment",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.environment",
                        verbose_name="環境",
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
                    "software",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        help_text="指定すると、この環境の導入バージョンも更新します。",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.softwareitem",
                        verbose_name="対象ソフトウェア",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical リリース",
                "verbose_name_plural": "historical リリース",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalPatch",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "identifier",
                    models.CharField(
                        help_text="例: DSA-5678-1, KB…", max_length=100, verbose_name="識別子"
                    ),
                ),
                ("title", models.CharField(max_length=300, verbose_name="件名")),
                ("released_on", models.DateField(verbose_name="公開日")),
                (
                    "verified_on",
                    models.DateField(blank=True, null=True, verbose_name="検証日（検証環境）"),
                ),
                (
                    "verification_result",
                    models.CharField(
                        blank=True,
                        choices=[("ok", "問題なし"), ("ng", "問題あり")],
                        max_length=10,
                        verbose_name="検証結果",
                    ),
                ),
                (
                    "verification_note",
                    models.TextField(blank=True, max_length=5000, verbose_name="検証の記録"),
                ),
                (
                    "decision",
                    models.CharField(
                        blank=True,
                        choices=[("apply", "適用"), ("not_applicable", "不適用"), ("hold", "保留")],
                        max_length=20,
                        verbose_name="適用可否",
                    ),
                ),
                (
                    "decision_reason",
                    models.TextField(blank=True, max_length=5000, verbose_name="適用可否の理由"),
                ),
                ("applied_on", models.DateField(blank=True, null=True, verbose_name="本番適用日")),
                (
                    "unverified_reason",
                    models.TextField(
                        blank=True, max_length=5000, verbose_name="検証前に本番へ適用した理由"
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "software",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.softwareitem",
                        verbose_name="対象ソフトウェア",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical パッチ",
                "verbose_name_plural": "historical パッチ",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalLicence",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="ライセンス名")),
                ("count", models.PositiveIntegerField(verbose_name="ライセンス数")),
                ("holder", models.CharField(max_length=200, verbose_name="名義")),
                (
                    "expires_on",
                    models.DateField(
                        blank=True, help_text="無期限なら空欄", null=True, verbose_name="有効期限"
                    ),
                ),
                (
                    "warn_days",
                    models.PositiveSmallIntegerField(
                        default=30,
                        help_text="有効期限の何日前から警告するか",
                        verbose_name="期限前の警告（日前）",
                    ),
                ),
                ("note", models.TextField(blank=True, max_length=2000, verbose_name="備考")),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "software",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.softwareitem",
                        verbose_name="対象ソフトウェア",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical ライセンス",
                "verbose_name_plural": "historical ライセンス",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalInstalledVersion",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("installed_version", models.CharField(max_length=100, verbose_name="バージョン")),
                ("installed_on", models.DateField(blank=True, null=True, verbose_name="導入日")),
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
                    "environment",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.environment",
                        verbose_name="環境",
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
                    "software",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.softwareitem",
                        verbose_name="ソフトウェア",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 導入バージョン",
                "verbose_name_plural": "historical 導入バージョン",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="VirusDefinitionUpdate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "definition_version",
                    models.CharField(max_length=100, verbose_name="定義バージョン"),
                ),
                ("released_on", models.DateField(verbose_name="公開日")),
                ("applied_on", models.DateField(blank=True, null=True, verbose_name="適用日")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="備考")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "covered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="ops.virusdefinitionupdate",
                        verbose_name="後の定義の適用で更新",
                    ),
                ),
                (
                    "server",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="virus_definitions",
                        to="ops.server",
                        verbose_name="サーバー",
                    ),
                ),
            ],
            options={
                "verbose_name": "ウイルス定義の更新",
                "verbose_name_plural": "ウイルス定義の更新",
                "ordering": ["-released_on", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalVirusDefinitionUpdate",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "definition_version",
                    models.CharField(max_length=100, verbose_name="定義バージョン"),
                ),
                ("released_on", models.DateField(verbose_name="公開日")),
                ("applied_on", models.DateField(blank=True, null=True, verbose_name="適用日")),
                ("note", models.CharField(blank=True, max_length=500, verbose_name="備考")),
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "server",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.server",
                        verbose_name="サーバー",
                    ),
                ),
                (
                    "covered_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.virusdefinitionupdate",
                        verbose_name="後の定義の適用で更新",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical ウイルス定義の更新",
                "verbose_name_plural": "historical ウイルス定義の更新",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddConstraint(
            model_name="server",
            constraint=models.UniqueConstraint(
                fields=("environment", "name"), name="ops_uniq_server_name"
            ),
        ),
        migrations.AddIndex(
            model_name="patch",
            index=models.Index(fields=["released_on"], name="ops_patch_released"),
        ),
        migrations.AddConstraint(
            model_name="patch",
            constraint=models.UniqueConstraint(
                fields=("software", "identifier"), name="ops_uniq_patch"
            ),
        ),
        migrations.AddConstraint(
            model_name="patch",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("applied_on__isnull", True),
                    ("applied_on__gte", models.F("released_on")),
                    _connector="OR",
                ),
                name="ops_patch_applied_after_release",
            ),
        ),
        migrations.AddConstraint(
            model_name="licence",
            constraint=models.CheckConstraint(
                condition=models.Q(("count__gte", 0)), name="ops_licence_count_not_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="installedversion",
            constraint=models.UniqueConstraint(
                fields=("software", "environment"), name="ops_uniq_installed_version"
            ),
        ),
        migrations.AddIndex(
            model_name="virusdefinitionupdate",
            index=models.Index(fields=["server", "-released_on"], name="ops_virus_server"),
        ),
        migrations.AddConstraint(
            model_name="virusdefinitionupdate",
            constraint=models.UniqueConstraint(
                fields=("server", "definition_version"), name="ops_uniq_virus_definition"
            ),
        ),
        migrations.AddConstraint(
            model_name="virusdefinitionupdate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("applied_on__isnull", True),
                    ("applied_on__gte", models.F("released_on")),
                    _connector="OR",
                ),
                name="ops_virus_applied_after_release",
            ),
        ),
        migrations.RunPython(defaults, migrations.RunPython.noop),
    ]
