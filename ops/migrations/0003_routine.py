# Reserved for routine operations, parameters, training; the ops areas were built side by side, each in its own file.
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from core.schedules import ensure_periodic_task


def schedules(apps, schema_editor):
    # 00:30 JST: occurrences for the next 60 days, and yesterday's undone ones as 未実施.
    ensure_periodic_task(
        apps,
        task="ops.tasks.routine.routine_daily",
        name="定常運用の予定作成",
        cron=("30", "0"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ops", "0002_registry"),
        ("accounts", "0003_personnel_import_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="HistoricalParameterChange",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("number", models.CharField(db_index=True, max_length=20, verbose_name="変更番号")),
                ("fiscal_year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("sequence", models.PositiveIntegerField(verbose_name="連番")),
                (
                    "target_kind",
                    models.CharField(
                        choices=[("setting", "設定値"), ("code_list", "コード表")],
                        max_length=20,
                        verbose_name="対象の種類",
                    ),
                ),
                (
                    "target",
                    models.CharField(max_length=200, verbose_name="対象（設定名・コード表名）"),
                ),
                ("description", models.TextField(max_length=10000, verbose_name="変更内容")),
                ("reason", models.TextField(blank=True, max_length=5000, verbose_name="変更理由")),
                (
                    "requested_side",
                    models.CharField(
                        choices=[("vendor", "事業者"), ("city", "市")],
                        max_length=10,
                        verbose_name="依頼元",
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="申請日時")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "申請"),
                            ("approved", "承認"),
                            ("rejected", "却下"),
                            ("applied", "適用済"),
                        ],
                        default="requested",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                (
                    "approved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="承認日時"),
                ),
                (
                    "rejected_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="却下日時"),
                ),
                (
                    "rejection_reason",
                    models.TextField(blank=True, max_length=5000, verbose_name="却下の理由"),
                ),
                (
                    "applied_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="適用日時"),
                ),
                (
                    "apply_note",
                    models.TextField(blank=True, max_length=5000, verbose_name="適用の記録"),
                ),
                (
                    "emergency_reason",
                    models.TextField(
                        blank=True,
                        help_text="承認前に適用した場合のみ（事後承認）。",
                        max_length=5000,
                        verbose_name="緊急適用の理由",
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
                    "applied_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="適用者",
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
                    "history_user",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "rejected_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="却下者",
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
            ],
            options={
                "verbose_name": "historical パラメータ変更",
                "verbose_name_plural": "historical パラメータ変更",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalRoutineOperation",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="名称")),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("statistics", "統計情報"),
                            ("backup", "バックアップ"),
                            ("monitoring", "監視"),
                            ("meeting", "会議・報告"),
                            ("faq", "FAQ"),
                            ("security", "セキュリティ"),
                            ("personnel", "人事異動・利用者管理"),
                            ("training", "研修"),
                            ("other", "その他"),
                        ],
                        max_length=20,
                        verbose_name="分類",
                    ),
                ),
                (
                    "description",
                    models.TextField(blank=True, max_length=5000, verbose_name="作業内容・手順"),
                ),
                (
                    "frequency",
                    models.CharField(
                        choices=[
                            ("daily", "毎日"),
                            ("weekly", "毎週"),
                            ("monthly", "毎月"),
                            ("yearly", "毎年"),
                        ],
                        max_length=10,
                        verbose_name="頻度",
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        choices=[
                            (0, "月曜日"),
                            (1, "火曜日"),
                            (2, "水曜日"),
                            (3, "木曜日"),
                            (4, "金曜日"),
                            (5, "土曜日"),
                            (6, "日曜日"),
                        ],
                        help_text="毎週の場合。",
                        null=True,
                        verbose_name="曜日",
                    ),
                ),
                (
                    "month",
                    models.PositiveSmallIntegerField(
                        blank=True, help_text="毎年の場合（1〜12）。", null=True, verbose_name="月"
                    ),
                ),
                (
                    "day_of_month",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="毎月・毎年の場合（1〜31。月末を超える日はその月の末日）。",
                        null=True,
                        verbose_name="日",
                    ),
                ),
                (
                    "business_day_ordinal",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="毎月の場合、日の代わりに指定できます（第1〜第20営業日）。",
                        null=True,
                        verbose_name="第n営業日",
                    ),
                ),
                (
                    "on_non_business_day",
                    models.CharField(
                        choices=[
                            ("keep", "そのまま（閉庁日も実施）"),
                            ("previous", "前営業日に繰り上げ"),
                            ("next", "翌営業日に繰り下げ"),
                            ("skip", "実施しない"),
                        ],
                        default="previous",
                        max_length=10,
                        verbose_name="閉庁日に当たるとき",
                    ),
                ),
                ("due_time", models.TimeField(verbose_name="期限時刻")),
                (
                    "deliverable",
                    models.CharField(
                        blank=True,
                        help_text="納品する成果物があれば、その名称。",
                        max_length=200,
                        verbose_name="成果物",
                    ),
                ),
                (
                    "responsible_role",
                    models.CharField(
                        choices=[
                            ("vendor_operator", "運用保守担当（事業者）"),
                            ("vendor_manager", "運用保守責任者（事業者）"),
                            ("city_admin", "システム管理者（市）"),
                        ],
                        default="vendor_operator",
                        max_length=30,
                        verbose_name="担当",
                    ),
                ),
                (
                    "lead_days",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="期限の何日前から「期限間近」として表示するか。",
                        verbose_name="準備期間（日）",
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="有効")),
                ("valid_from", models.DateField(verbose_name="適用開始日")),
                ("valid_to", models.DateField(blank=True, null=True, verbose_name="適用終了日")),
                (
                    "created_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="登録日時"),
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
            ],
            options={
                "verbose_name": "historical 定常運用",
                "verbose_name_plural": "historical 定常運用",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalTrainingSession",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="研修名")),
                ("planned_date", models.DateField(verbose_name="予定日")),
                ("held_date", models.DateField(blank=True, null=True, verbose_name="実施日")),
                (
                    "status",
                    models.CharField(
                        choices=[("planned", "計画"), ("held", "実施済"), ("cancelled", "中止")],
                        default="planned",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                (
                    "attendee_count",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="受講者数"),
                ),
                (
                    "attendee_names_note",
                    models.TextField(
                        blank=True,
                        help_text="職員として登録されていない受講者など。",
                        max_length=5000,
                        verbose_name="受講者（氏名等）",
                    ),
                ),
                ("material", models.TextField(blank=True, max_length=300, verbose_name="研修資料")),
                ("notes", models.TextField(blank=True, max_length=5000, verbose_name="備考")),
                (
                    "created_at",
                    models.DateTimeField(blank=True, editable=False, verbose_name="登録日時"),
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
                        verbose_name="登録者",
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
                "verbose_name": "historical 研修",
                "verbose_name_plural": "historical 研修",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="ParameterChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.CharField(max_length=20, unique=True, verbose_name="変更番号")),
                ("fiscal_year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("sequence", models.PositiveIntegerField(verbose_name="連番")),
                (
                    "target_kind",
                    models.CharField(
                        choices=[("setting", "設定値"), ("code_list", "コード表")],
                        max_length=20,
                        verbose_name="対象の種類",
                    ),
                ),
                (
                    "target",
                    models.CharField(max_length=200, verbose_name="対象（設定名・コード表名）"),
                ),
                ("description", models.TextField(max_length=10000, verbose_name="変更内容")),
                ("reason", models.TextField(blank=True, max_length=5000, verbose_name="変更理由")),
                (
                    "requested_side",
                    models.CharField(
                        choices=[("vendor", "事業者"), ("city", "市")],
                        max_length=10,
                        verbose_name="依頼元",
                    ),
                ),
                ("requested_at", models.DateTimeField(verbose_name="申請日時")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("requested", "申請"),
                            ("approved", "承認"),
                            ("rejected", "却下"),
                            ("applied", "適用済"),
                        ],
                        default="requested",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                (
                    "approved_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="承認日時"),
                ),
                (
                    "rejected_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="却下日時"),
                ),
                (
                    "rejection_reason",
                    models.TextField(blank=True, max_length=5000, verbose_name="却下の理由"),
                ),
                (
                    "applied_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="適用日時"),
                ),
                (
                    "apply_note",
                    models.TextField(blank=True, max_length=5000, verbose_name="適用の記録"),
                ),
                (
                    "emergency_reason",
                    models.TextField(
                        blank=True,
                        help_text="承認前に適用した場合のみ（事後承認）。",
                        max_length=5000,
                        verbose_name="緊急適用の理由",
                    ),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "applied_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="適用者",
                    ),
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
                    "rejected_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="却下者",
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
            ],
            options={
                "verbose_name": "パラメータ変更",
                "verbose_name_plural": "パラメータ変更",
                "ordering": ["-requested_at", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="RoutineOperation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="名称")),
                (
                    "category",
                    models.CharField(
                        choices=[
                            ("statistics", "統計情報"),
                            ("backup", "バックアップ"),
                            ("monitoring", "監視"),
                            ("meeting", "会議・報告"),
                            ("faq", "FAQ"),
                            ("security", "セキュリティ"),
                            ("personnel", "人事異動・利用者管理"),
                            ("training", "研修"),
                            ("other", "その他"),
                        ],
                        max_length=20,
                        verbose_name="分類",
                    ),
                ),
                (
                    "description",
                    models.TextField(blank=True, max_length=5000, verbose_name="作業内容・手順"),
                ),
                (
                    "frequency",
                    models.CharField(
                        choices=[
                            ("daily", "毎日"),
                            ("weekly", "毎週"),
                            ("monthly", "毎月"),
                            ("yearly", "毎年"),
                        ],
                        max_length=10,
                        verbose_name="頻度",
                    ),
                ),
                (
                    "weekday",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        choices=[
                            (0, "月曜日"),
                            (1, "火曜日"),
                            (2, "水曜日"),
                            (3, "木曜日"),
                            (4, "金曜日"),
                            (5, "土曜日"),
                            (6, "日曜日"),
                        ],
                        help_text="毎週の場合。",
                        null=True,
                        verbose_name="曜日",
                    ),
                ),
                (
                    "month",
                    models.PositiveSmallIntegerField(
                        blank=True, help_text="毎年の場合（1〜12）。", null=True, verbose_name="月"
                    ),
                ),
                (
                    "day_of_month",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="毎月・毎年の場合（1〜31。月末を超える日はその月の末日）。",
                        null=True,
                        verbose_name="日",
                    ),
                ),
                (
                    "business_day_ordinal",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="毎月の場合、日の代わりに指定できます（第1〜第20営業日）。",
                        null=True,
                        verbose_name="第n営業日",
                    ),
                ),
                (
                    "on_non_business_day",
                    models.CharField(
                        choices=[
                            ("keep", "そのまま（閉庁日も実施）"),
                            ("previous", "前営業日に繰り上げ"),
                            ("next", "翌営業日に繰り下げ"),
                            ("skip", "実施しない"),
                        ],
                        default="previous",
                        max_length=10,
                        verbose_name="閉庁日に当たるとき",
                    ),
                ),
                ("due_time", models.TimeField(verbose_name="期限時刻")),
                (
                    "deliverable",
                    models.CharField(
                        blank=True,
                        help_text="納品する成果物があれば、その名称。",
                        max_length=200,
                        verbose_name="成果物",
                    ),
                ),
                (
                    "responsible_role",
                    models.CharField(
                        choices=[
                            ("vendor_operator", "運用保守担当（事業者）"),
                            ("vendor_manager", "運用保守責任者（事業者）"),
                            ("city_admin", "システム管理者（市）"),
                        ],
                        default="vendor_operator",
                        max_length=30,
                        verbose_name="担当",
                    ),
                ),
                (
                    "lead_days",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="期限の何日前から「期限間近」として表示するか。",
                        verbose_name="準備期間（日）",
                    ),
                ),
                ("active", models.BooleanField(default=True, verbose_name="有効")),
                ("valid_from", models.DateField(verbose_name="適用開始日")),
                ("valid_to", models.DateField(blank=True, null=True, verbose_name="適用終了日")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="登録日時")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                "verbose_name": "定常運用",
                "verbose_name_plural": "定常運用",
                "ordering": ["frequency", "name", "pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("valid_to__isnull", True),
                            ("valid_to__gte", models.F("valid_from")),
                            _connector="OR",
                        ),
                        name="routine_op_valid_range",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("weekday__isnull", True), ("weekday__lte", 6), _connector="OR"
                        ),
                        name="routine_op_weekday",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("month__isnull", True),
                            models.Q(("month__gte", 1), ("month__lte", 12)),
                            _connector="OR",
                        ),
                        name="routine_op_month",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("day_of_month__isnull", True),
                            models.Q(("day_of_month__gte", 1), ("day_of_month__lte", 31)),
                            _connector="OR",
                        ),
                        name="routine_op_day",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("business_day_ordinal__isnull", True),
                            models.Q(
                                ("business_day_ordinal__gte", 1), ("business_day_ordinal__lte", 20)
                            ),
                            _connector="OR",
                        ),
                        name="routine_op_ordinal",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="RoutineOccurrence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "rule_date",
                    models.DateField(
                        help_text="規則どおりの日（閉庁日で移動する前）。", verbose_name="本来の日"
                    ),
                ),
                ("due_date", models.DateField(verbose_name="期限日")),
                ("due_at", models.DateTimeField(verbose_name="期限")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("planned", "予定"),
                            ("done", "完了"),
                            ("late", "遅延完了"),
                            ("missed", "未実施"),
                        ],
                        default="planned",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                ("done_at", models.DateTimeField(blank=True, null=True, verbose_name="実施日時")),
                (
                    "evidence_note",
                    models.TextField(blank=True, max_length=5000, verbose_name="実施記録"),
                ),
                (
                    "evidence_file",
                    models.FileField(
                        blank=True,
                        max_length=300,
                        upload_to="ops/routine/evidence/%Y/%m/",
                        verbose_name="証跡ファイル",
                    ),
                ),
                (
                    "deliverable_delivered_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="成果物の納品日時"),
                ),
                (
                    "undo_reason",
                    models.CharField(blank=True, max_length=300, verbose_name="取消の理由"),
                ),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "done_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="実施者",
                    ),
                ),
                (
                    "operation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="occurrences",
                        to="ops.routineoperation",
                        verbose_name="定常運用",
                    ),
                ),
            ],
            options={
                "verbose_name": "定常運用の実施",
                "verbose_name_plural": "定常運用の実施",
                "ordering": ["due_at", "pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalRoutineOccurrence",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                (
                    "rule_date",
                    models.DateField(
                        help_text="規則どおりの日（閉庁日で移動する前）。", verbose_name="本来の日"
                    ),
                ),
                ("due_date", models.DateField(verbose_name="期限日")),
                ("due_at", models.DateTimeField(verbose_name="期限")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("planned", "予定"),
                            ("done", "完了"),
                            ("late", "遅延完了"),
                            ("missed", "未実施"),
                        ],
                        default="planned",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                ("done_at", models.DateTimeField(blank=True, null=True, verbose_name="実施日時")),
                (
                    "evidence_note",
                    models.TextField(blank=True, max_length=5000, verbose_name="実施記録"),
                ),
                (
                    "evidence_file",
                    models.TextField(blank=True, max_length=300, verbose_name="証跡ファイル"),
                ),
                (
                    "deliverable_delivered_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="成果物の納品日時"),
                ),
                (
                    "undo_reason",
                    models.CharField(blank=True, max_length=300, verbose_name="取消の理由"),
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
                    "done_by",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="実施者",
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
                    "operation",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.routineoperation",
                        verbose_name="定常運用",
                    ),
                ),
            ],
            options={
                "verbose_name": "historical 定常運用の実施",
                "verbose_name_plural": "historical 定常運用の実施",
                "ordering": ("-history_date", "-history_id"),
                "get_latest_by": ("history_date", "history_id"),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="TrainingSession",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=200, verbose_name="研修名")),
                ("planned_date", models.DateField(verbose_name="予定日")),
                ("held_date", models.DateField(blank=True, null=True, verbose_name="実施日")),
                (
                    "status",
                    models.CharField(
                        choices=[("planned", "計画"), ("held", "実施済"), ("cancelled", "中止")],
                        default="planned",
                        max_length=10,
                        verbose_name="状態",
                    ),
                ),
                (
                    "attendee_count",
                    models.PositiveIntegerField(blank=True, null=True, verbose_name="受講者数"),
                ),
                (
                    "attendee_names_note",
                    models.TextField(
                        blank=True,
                        help_text="職員として登録されていない受講者など。",
                        max_length=5000,
                        verbose_name="受講者（氏名等）",
                    ),
                ),
                (
                    "material",
                    models.FileField(
                        blank=True,
                        max_length=300,
                        upload_to="ops/training/%Y/%m/",
                        verbose_name="研修資料",
                    ),
                ),
                ("notes", models.TextField(blank=True, max_length=5000, verbose_name="備考")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="登録日時")),
                ("version", models.PositiveIntegerField(default=1, editable=False)),
                (
                    "attendees",
                    models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="受講者",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="登録者",
                    ),
                ),
                (
                    "target_units",
                    models.ManyToManyField(
                        blank=True, related_name="+", to="accounts.orgunit", verbose_name="対象組織"
                    ),
                ),
            ],
            options={
                "verbose_name": "研修",
                "verbose_name_plural": "研修",
                "ordering": ["-planned_date", "-pk"],
            },
        ),
        migrations.CreateModel(
            name="HistoricalTrainingSession_target_units",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="ops.historicaltrainingsession",
                    ),
                ),
                (
                    "orgunit",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.orgunit",
                    ),
                ),
                (
                    "trainingsession",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.trainingsession",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalTrainingSession_target_units",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name="HistoricalTrainingSession_attendees",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="ops.historicaltrainingsession",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "trainingsession",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="ops.trainingsession",
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalTrainingSession_attendees",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddIndex(
            model_name="parameterchange",
            index=models.Index(fields=["applied_at"], name="param_change_applied_idx"),
        ),
        migrations.AddConstraint(
            model_name="parameterchange",
            constraint=models.UniqueConstraint(
                fields=("fiscal_year", "sequence"), name="uniq_parameter_change_seq"
            ),
        ),
        migrations.AddConstraint(
            model_name="parameterchange",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "applied"), _negated=True),
                    ("applied_at__isnull", False),
                    _connector="OR",
                ),
                name="parameter_change_applied_at",
            ),
        ),
        migrations.AddIndex(
            model_name="routineoccurrence",
            index=models.Index(fields=["due_at"], name="routine_occ_due_idx"),
        ),
        migrations.AddConstraint(
            model_name="routineoccurrence",
            constraint=models.UniqueConstraint(
                fields=("operation", "due_date"), name="uniq_routine_occurrence_day"
            ),
        ),
        migrations.AddConstraint(
            model_name="routineoccurrence",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("done_at__isnull", False), ("status__in", ["done", "late"])),
                    models.Q(
                        models.Q(("status__in", ["done", "late"]), _negated=True),
                        ("done_at__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="routine_occurrence_done_at",
            ),
        ),
        migrations.AddConstraint(
            model_name="trainingsession",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "held"), _negated=True),
                    ("held_date__isnull", False),
                    _connector="OR",
                ),
                name="training_held_has_date",
            ),
        ),
        migrations.RunPython(schedules, migrations.RunPython.noop),
    ]
