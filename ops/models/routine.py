"""定常運用の予定と実績、パラメータ変更管理、研修.

A routine operation is a rule (毎日 / 毎週 / 毎月 / 毎年) kept as data; its occurrences
are generated ahead (one per operation and due date) and each is marked done with
who, when and evidence. SLA #9 is the share of occurrences done on time; SLA #10
is the share of parameter changes applied only after a city admin approved them.
"""

from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts import roles

__all__ = ["ParameterChange", "RoutineOccurrence", "RoutineOperation", "TrainingSession"]

USER = settings.AUTH_USER_MODEL
WEEKDAY_CHOICES = [
    (0, _("月曜日")),
    (1, _("火曜日")),
    (2, _("水曜日")),
    (3, _("木曜日")),
    (4, _("金曜日")),
    (5, _("土曜日")),
    (6, _("日曜日")),
]
RESPONSIBLE_ROLE_CHOICES = [
    (code, roles.ROLES[code])
    for code in (roles.VENDOR_OPERATOR, roles.VENDOR_MANAGER, roles.CITY_ADMIN)
]


class RoutineOperation(models.Model):
    """A recurring operation (定常運用) and the rule that places its due dates."""

    class Category(models.TextChoices):
        STATISTICS = "statistics", _("統計情報")
        BACKUP = "backup", _("バックアップ")
        MONITORING = "monitoring", _("監視")
        MEETING = "meeting", _("会議・報告")
        FAQ = "faq", _("FAQ")
        SECURITY = "security", _("セキュリティ")
        PERSONNEL = "personnel", _("人事異動・利用者管理")
        TRAINING = "training", _("研修")
        OTHER = "other", _("その他")

    class Frequency(models.TextChoices):
        DAILY = "daily", _("毎日")
        WEEKLY = "weekly", _("毎週")
        MONTHLY = "monthly", _("毎月")
        YEARLY = "yearly", _("毎年")

    class NonBusinessDay(models.TextChoices):
        KEEP = "keep", _("そのまま（閉庁日も実施）")
        PREVIOUS = "previous", _("前営業日に繰り上げ")
        NEXT = "next", _("翌営業日に繰り下げ")
        SKIP = "skip", _("実施しない")

    name = models.CharField(_("名称"), max_length=100)
    category = models.CharField(_("分類"), max_length=20, choices=Category.choices)
    description = models.TextField(_("作業内容・手順"), blank=True, max_length=5000)
    frequency = models.CharField(_("頻度"), max_length=10, choices=Frequency.choices)
    weekday = models.PositiveSmallIntegerField(
        _("曜日"), choices=WEEKDAY_CHOICES, null=True, blank=True, help_text=_("毎週の場合。")
    )
    month = models.PositiveSmallIntegerField(
        _("月"), null=True, blank=True, help_text=_("毎年の場合（1〜12）。")
    )
    day_of_month = models.PositiveSmallIntegerField(
        _("日"),
        null=True,
        blank=True,
        help_text=_("毎月・毎年の場合（1〜31。月末を超える日はその月の末日）。"),
    )
    business_day_ordinal = models.PositiveSmallIntegerField(
        _("第n営業日"),
        null=True,
        blank=True,
        help_text=_("毎月の場合、日の代わりに指定できます（第1〜第20営業日）。"),
    )
    on_non_business_day = models.CharField(
        _("閉庁日に当たるとき"),
        max_length=10,
        choices=NonBusinessDay.choices,
        default=NonBusinessDay.PREVIOUS,
    )
    due_time = models.TimeField(_("期限時刻"))
    deliverable = models.CharField(
        _("成果物"), max_length=200, blank=True, help_text=_("納品する成果物があれば、その名称。")
    )
    responsible_role = models.CharField(
        _("担当"), max_length=30, choices=RESPONSIBLE_ROLE_CHOICES, default=roles.VENDOR_OPERATOR
    )
    lead_days = models.PositiveSmallIntegerField(
        _("準備期間（日）"),
        default=0,
        help_text=_("期限の何日前から「期限間近」として表示するか。"),
    )
    active = models.BooleanField(_("有効"), default=True)
    valid_from = models.DateField(_("適用開始日"))
    valid_to = models.DateField(_("適用終了日"), null=True, blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("定常運用")
        verbose_name_plural = _("定常運用")
        ordering = ["frequency", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="routine_op_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__lte=6), name="routine_op_weekday"
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__gte=1, month__lte=12),
                name="routine_op_month",
            ),
            models.CheckConstraint(
                condition=Q(day_of_month__isnull=True)
                | Q(day_of_month__gte=1, day_of_month__lte=31),
                name="routine_op_day",
            ),
            models.CheckConstraint(
                condition=Q(business_day_ordinal__isnull=True)
                | Q(business_day_ordinal__gte=1, business_day_ordinal__lte=20),
                name="routine_op_ordinal",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def rule_label(self) -> str:
        """毎月 第3営業日 17:00 / 毎年 4月1日 09:00 …"""
        time = f"{self.due_time:%H:%M}" if self.due_time else ""
        if self.frequency == self.Frequency.DAILY:
            rule = _("毎日")
        elif self.frequency == self.Frequency.WEEKLY:
            rule = _("毎週 %(day)s") % {"day": dict(WEEKDAY_CHOICES).get(self.weekday, "")}
        elif self.frequency == self.Frequency.MONTHLY and self.business_day_ordinal:
            rule = _("毎月 第%(n)s営業日") % {"n": self.business_day_ordinal}
        elif self.frequency == self.Frequency.MONTHLY:
            rule = _("毎月 %(d)s日") % {"d": self.day_of_month}
        else:
            rule = _("毎年 %(m)s月%(d)s日") % {"m": self.month, "d": self.day_of_month}
        return f"{rule} {time}".strip()


class RoutineOccurrence(models.Model):
    """One due date of a routine operation and what was done about it."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("予定")
        DONE = "done", _("完了")
        LATE = "late", _("遅延完了")
        MISSED = "missed", _("未実施")

    DONE_STATUSES = (Status.DONE, Status.LATE)

    operation = models.ForeignKey(
        RoutineOperation,
        on_delete=models.PROTECT,
        related_name="occurrences",
        verbose_name=_("定常運用"),
    )
    rule_date = models.DateField(
        _("本来の日"), help_text=_("規則どおりの日（閉庁日で移動する前）。")
    )
    due_date = models.DateField(_("期限日"))
    due_at = models.DateTimeField(_("期限"))
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    done_at = models.DateTimeField(_("実施日時"), null=True, blank=True)
    done_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("実施者"),
    )
    evidence_note = models.TextField(_("実施記録"), blank=True, max_length=5000)
    evidence_file = models.FileField(
        _("証跡ファイル"), upload_to="ops/routine/evidence/%Y/%m/", blank=True, max_length=300
    )
    deliverable_delivered_at = models.DateTimeField(_("成果物の納品日時"), null=True, blank=True)
    undo_reason = models.CharField(_("取消の理由"), max_length=300, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("定常運用の実施")
        verbose_name_plural = _("定常運用の実施")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "due_date"], name="uniq_routine_occurrence_day"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["done", "late"], done_at__isnull=False)
                | (~Q(status__in=["done", "late"]) & Q(done_at__isnull=True)),
                name="routine_occurrence_done_at",
            ),
        ]
        indexes = [models.Index(fields=["due_at"], name="routine_occ_due_idx")]

    def __str__(self):
        return f"{self.operation.name} {self.due_date:%Y/%m/%d}"

    @property
    def is_done(self) -> bool:
        return self.status in self.DONE_STATUSES

    @property
    def evidence_filename(self) -> str:
        return PurePath(self.evidence_file.name).name if self.evidence_file else ""


class ParameterChange(models.Model):
    """A change to the product's settings or code lists: 申請 → 承認/却下 → 適用済."""

    class TargetKind(models.TextChoices):
        SETTING = "setting", _("設定値")
        CODE_LIST = "code_list", _("コード表")

    class Side(models.TextChoices):
        VENDOR = "vendor", _("事業者")
        CITY = "city", _("市")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("申請")
        APPROVED = "approved", _("承認")
        REJECTED = "rejected", _("却下")
        APPLIED = "applied", _("適用済")

    number = models.CharField(_("変更番号"), max_length=20, unique=True)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("連番"))
    target_kind = models.CharField(_("対象の種類"), max_length=20, choices=TargetKind.choices)
    target = models.CharField(_("対象（設定名・コード表名）"), max_length=200)
    description = models.TextField(_("変更内容"), max_length=10000)
    reason = models.TextField(_("変更理由"), blank=True, max_length=5000)
    requested_side = models.CharField(_("依頼元"), max_length=10, choices=Side.choices)
    requested_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("申請者")
    )
    requested_at = models.DateTimeField(_("申請日時"))
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.REQUESTED
    )
    approved_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承認者"),
    )
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    rejected_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("却下者"),
    )
    rejected_at = models.DateTimeField(_("却下日時"), null=True, blank=True)
    rejection_reason = models.TextField(_("却下の理由"), blank=True, max_length=5000)
    applied_at = models.DateTimeField(_("適用日時"), null=True, blank=True)
    applied_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("適用者"),
    )
    apply_note = models.TextField(_("適用の記録"), blank=True, max_length=5000)
    emergency_reason = models.TextField(
        _("緊急適用の理由"),
        blank=True,
        max_length=5000,
        help_text=_("承認前に適用した場合のみ（事後承認）。"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("パラメータ変更")
        verbose_name_plural = _("パラメータ変更")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "sequence"], name="uniq_parameter_change_seq"
            ),
            models.CheckConstraint(
                condition=~Q(status="applied") | Q(applied_at__isnull=False),
                name="parameter_change_applied_at",
            ),
        ]
        indexes = [models.Index(fields=["applied_at"], name="param_change_applied_idx")]

    def __str__(self):
        return f"{self.number} {self.target}"

    @property
    def followed_flow(self) -> bool:
        """Approved by a city admin before it was applied."""
        # Applied times are entered to the minute: the minute of the approval counts as after.
        return bool(
            self.approved_at
            and self.applied_at
            and self.approved_at.replace(second=0, microsecond=0) <= self.applied_at
        )


class TrainingSession(models.Model):
    """A training session (研修), e.g. for staff new to the system after the April transfer."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("計画")
        HELD = "held", _("実施済")
        CANCELLED = "cancelled", _("中止")

    title = models.CharField(_("研修名"), max_length=200)
    planned_date = models.DateField(_("予定日"))
    held_date = models.DateField(_("実施日"), null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    target_units = models.ManyToManyField(
        "accounts.OrgUnit", blank=True, related_name="+", verbose_name=_("対象組織")
    )
    attendees = models.ManyToManyField(USER, blank=True, related_name="+", verbose_name=_("受講者"))
    attendee_count = models.PositiveIntegerField(_("受講者数"), null=True, blank=True)
    attendee_names_note = models.TextField(
        _("受講者（氏名等）"),
        blank=True,
        max_length=5000,
        help_text=_("職員として登録されていない受講者など。"),
    )
    material = models.FileField(
        _("研修資料"), upload_to="ops/training/%Y/%m/", blank=True, max_length=300
    )
    notes = models.TextField(_("備考"), blank=True, max_length=5000)
    created_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登録者"),
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[target_units, attendees])

    class Meta:
        verbose_name = _("研修")
        verbose_name_plural = _("研修")
        ordering = ["-planned_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_date__isnull=False),
                name="training_held_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.title}（{self.planned_date:%Y/%m/%d}）"

    @property
    def material_filename(self) -> str:
        return PurePath(self.material.name).name if self.material else ""
