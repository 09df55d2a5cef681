"""The agreed SLA catalogue (versioned policies and items), cached results, evidence for
manual items, monthly/yearly reports and improvement plans.

No case content ever lives here: results hold figures and references to back-office
records (incident numbers, inquiry numbers, generation names).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL


class Policy(models.Model):
    """One version of a city's SLA for its contract period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("案")
        NEGOTIATING = "negotiating", _("協議中")
        APPROVED = "approved", _("承認")

    profile = models.CharField(_("自治体"), max_length=20)
    name = models.CharField(_("名称"), max_length=200)
    contract_start = models.DateField(_("契約開始"))
    contract_end = models.DateField(_("契約終了"))
    version = models.PositiveIntegerField(_("版"))
    effective_from = models.DateField(_("適用開始"))
    effective_to = models.DateField(_("適用終了"), null=True, blank=True)
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default="draft")
    approved_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承認者"),
    )
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    note = models.TextField(_("備考"), blank=True, max_length=5000)
    version_lock = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA 版")
        verbose_name_plural = _("SLA 版")
        ordering = ["profile", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "version"], name="sla_policy_version")
        ]

    def __str__(self):
        return f"{self.name} 第{self.version}版"


class Item(models.Model):
    class Unit(models.TextChoices):
        PERCENT = "percent", "%"
        SECONDS = "seconds", _("秒")
        MINUTES = "minutes", _("分")
        HOURS = "hours", _("時間")
        DAYS = "days", pgettext_lazy("unit", "日")
        COUNT = "count", _("件")
        TEXT = "text", _("（文章で判定）")

    class Comparison(models.TextChoices):
        LE = "le", "≤"
        LT = "lt", "<"
        GE = "ge", "≥"
        GT = "gt", ">"
        EQ = "eq", "="

    class Measurement(models.TextChoices):
        COMPUTED = "computed", _("自動計測")
        COMPUTED_MANUAL = "computed_manual", _("自動計測＋確認資料")
        MANUAL = "manual", _("手動（確認資料）")

    class Period(models.TextChoices):
        MONTHLY = "monthly", _("月次")
        YEARLY = "yearly", _("年次")
        PER_EVENT = "per_event", _("都度")

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="items")
    number = models.CharField(_("番号"), max_length=10)
    order = models.PositiveSmallIntegerField(_("並び順"), default=0)
    name = models.CharField(_("項目"), max_length=200)
    target_value = models.DecimalField(
        _("目標値"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    target_text = models.CharField(_("目標（文章）"), max_length=200, blank=True)
    unit = models.CharField(_("単位"), max_length=20, choices=Unit.choices)
    comparison = models.CharField(_("比較"), max_length=2, choices=Comparison.choices, blank=True)
    measurement = models.CharField(_("計測"), max_length=20, choices=Measurement.choices)
    period = models.CharField(_("期間"), max_length=20, choices=Period.choices)
    # Key of the computation in sla.computations (e.g. "availability", "backups_as_planned").
    rule = models.CharField(_("算出規則"), max_length=60, blank=True)
    rule_params = models.JSONField(_("算出の設定"), default=dict, blank=True)
    exclusions = models.TextField(_("除外（理由）"), blank=True, max_length=5000)
    method = models.TextField(_("計測方法（SLA 実施手順書）"), blank=True, max_length=10000)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA 項目")
        verbose_name_plural = _("SLA 項目")
        ordering = ["policy", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["policy", "number"], name="sla_item_number")]

    def __str__(self):
        return f"{self.number} {self.name}"


class Result(models.Model):
    """A computed (or confirmed) figure for one item and period: a cache with its evidence."""

    class State(models.TextChoices):
        MET = "met", _("達成")
        MISSED = "missed", _("未達")
        NO_EVENTS = "no_events", _("対象なし")
        DATA_MISSING = "data_missing", _("データ欠損")
        PENDING = "pending", _("確認待ち")

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="results")
    period_start = models.DateField(_("期間開始"))
    period_end = models.DateField(_("期間終了"))
    state = models.CharField(_("判定"), max_length=20, choices=State.choices)
    value = models.DecimalField(_("実績値"), max_digits=14, decimal_places=3, null=True)
    value_text = models.CharField(_("実績（文章）"), max_length=300, blank=True)
    in_scope = models.PositiveIntegerField(_("対象件数"), default=0)
    excluded = models.PositiveIntegerField(_("除外件数"), default=0)
    # [{"label", "reason"}] and [{"label", "value", "ok", "ref"}]: never case content.
    exclusions = models.JSONField(default=list, blank=True)
    rows = models.JSONField(default=list, blank=True)
    detail = models.TextField(_("説明"), blank=True)
    computed_at = models.DateTimeField(_("算出日時"))

    class Meta:
        verbose_name = _("SLA 実績")
        verbose_name_plural = _("SLA 実績")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "period_start", "period_end"], name="sla_result_period"
            )
        ]

    def __str__(self):
        return f"{self.item} {self.period_start:%Y-%m}"


class Evidence(models.Model):
    """Confirmation of a manual (or partly manual) item for a period."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="evidence")
    period_start = models.DateField(_("期間開始"))
    period_end = models.DateField(_("期間終了"))
    met = models.BooleanField(_("達成"), null=True)
    value = models.DecimalField(_("実績値"), max_digits=14, decimal_places=3, null=True, blank=True)
    note = models.TextField(_("確認内容"), max_length=5000)
    file = models.FileField(_("確認資料"), upload_to="sla/evidence/%Y/%m/", blank=True)
    confirmed_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("確認者")
    )
    confirmed_at = models.DateTimeField(_("確認日時"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("確認資料")
        verbose_name_plural = _("確認資料")
        ordering = ["-confirmed_at"]

    def __str__(self):
        return f"{self.item} {self.period_start:%Y-%m}"


class Report(models.Model):
    """SLA 実績報告書: drafted, checked, approved; approved ones are immutable snapshots."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", _("月次")
        YEARLY = "yearly", _("年次")

    class Status(models.TextChoices):
        DRAFT = "draft", _("作成中")
        CHECKED = "checked", _("確認済")
        APPROVED = "approved", _("承認済")

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices)
    period_start = models.DateField(_("期間開始"))
    period_end = models.DateField(_("期間終了"))
    revision = models.PositiveSmallIntegerField(_("版数"), default=1)
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default="draft")
    snapshot = models.JSONField(default=dict, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    pdf = models.FileField(upload_to="sla/reports/%Y/", blank=True)
    xlsx = models.FileField(upload_to="sla/reports/%Y/", blank=True)
    comment = models.TextField(_("コメント"), blank=True, max_length=5000)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("作成日時"))
    checked_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA 実績報告書")
        verbose_name_plural = _("SLA 実績報告書")
        ordering = ["-period_start", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "kind", "period_start", "revision"], name="sla_report_revision"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_start:%Y-%m} 第{self.revision}版"


class ImprovementPlan(models.Model):
    """改善策: opened for every missed item; policy in 1 month, done in 3 (Kobe rule)."""

    class Status(models.TextChoices):
        OPEN = "open", _("方針未報告")
        POLICY_REPORTED = "policy_reported", _("方針報告済・改善中")
        COMPLETED = "completed", _("完了")

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="plans")
    period_start = models.DateField(_("未達の期間"))
    opened_at = models.DateTimeField(_("起票日時"))
    policy_due = models.DateField(_("方針報告期限"))
    completion_due = models.DateField(_("改善完了期限"))
    owner = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("担当"),
    )
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default="open")
    cause = models.TextField(_("原因"), blank=True, max_length=5000)
    policy_text = models.TextField(_("改善方針"), blank=True, max_length=5000)
    policy_reported_at = models.DateTimeField(_("方針報告日時"), null=True, blank=True)
    countermeasure = models.TextField(_("改善内容"), blank=True, max_length=5000)
    completed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("改善策")
        verbose_name_plural = _("改善策")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(fields=["item", "period_start"], name="sla_plan_once")
        ]

    def __str__(self):
        return f"{self.item} {self.period_start:%Y-%m}"


class PlanReminder(models.Model):
    """Each reminder (policy/completion × before/at) is sent exactly once."""

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=20)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="sla_plan_reminder_once")
        ]

    def __str__(self):
        return f"{self.plan} {self.kind}"


# --- catalog part (policies, evidence, improvement plans): comments -------------------------


class CatalogComment(models.Model):
    """A review comment on a policy version (e.g. the city's reason for sending a draft back)
    or on an improvement plan. Exactly one of ``policy`` / ``plan`` is set."""

    policy = models.ForeignKey(
        Policy, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    plan = models.ForeignKey(
        ImprovementPlan, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("記入者")
    )
    body = models.TextField(_("コメント"), max_length=5000)
    created_at = models.DateTimeField(_("記入日時"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA コメント")
        verbose_name_plural = _("SLA コメント")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(policy__isnull=False, plan__isnull=True)
                    | models.Q(policy__isnull=True, plan__isnull=False)
                ),
                name="sla_comment_one_target",
            )
        ]

    def __str__(self):
        return f"{self.author_id} {self.created_at:%Y-%m-%d %H:%M}"


# --- computations part: the change ledger behind SLA #27 (operation history) ---------------
# Statement-level AFTER triggers on every table whose model keeps simple-history append one
# row per data-changing statement here (sla.computations.history installs them after every
# migrate). A technical log like core's request accounting: no history of its own.


class ChangeLedgerEntry(models.Model):
    """Rows one statement inserted, updated or deleted in one table (appended by a trigger)."""

    table_name = models.CharField(_("表"), max_length=63)
    at = models.DateTimeField(_("日時"))
    inserted = models.BigIntegerField(_("追加"), default=0)
    updated = models.BigIntegerField(_("更新"), default=0)
    deleted = models.BigIntegerField(_("削除"), default=0)

    class Meta:
        verbose_name = _("データ変更台帳")
        verbose_name_plural = _("データ変更台帳")
        indexes = [models.Index(fields=["at"], name="sla_ledger_at")]

    def __str__(self):
        return f"{self.table_name} {self.at:%Y-%m-%d %H:%M}"


class ChangeLedgerDay(models.Model):
    """Ledger entries of one table and JST day, rolled up (change_ledger_compact)."""

    table_name = models.CharField(_("表"), max_length=63)
    day = models.DateField(_("日付"))
    inserted = models.BigIntegerField(_("追加"), default=0)
    updated = models.BigIntegerField(_("更新"), default=0)
    deleted = models.BigIntegerField(_("削除"), default=0)

    class Meta:
        verbose_name = _("データ変更台帳（日次）")
        verbose_name_plural = _("データ変更台帳（日次）")
        constraints = [
            models.UniqueConstraint(fields=["table_name", "day"], name="sla_ledger_day_table")
        ]
        indexes = [models.Index(fields=["day"], name="sla_ledger_day")]

    def __str__(self):
        return f"{self.table_name} {self.day}"


class RequestFiguresDay(models.Model):
    """One JST day of request accounting summarised for the response-time items (#5–#7):
    duration buckets per function class and office hours, per-view counts. Stored once the
    day is over, per classification settings and desk hours (``key``), so months and fiscal
    years are reads of stored days; a derived cache, rebuilt from the accounting at will."""

    day = models.DateField(_("日付"))
    key = models.CharField(max_length=32)
    source = models.CharField(_("元データ"), max_length=10)  # raw / rollup
    requests = models.BigIntegerField(_("件数"))
    data = models.JSONField()
    computed_at = models.DateTimeField(_("集計日時"))

    class Meta:
        verbose_name = _("応答時間の日次集計")
        verbose_name_plural = _("応答時間の日次集計")
        constraints = [
            models.UniqueConstraint(fields=["day", "key"], name="sla_request_figures_day")
        ]

    def __str__(self):
        return f"{self.day} {self.requests}"


def _install_change_ledger(sender, app_config=None, using="default", **kwargs):
    # After every migrate (and every test-database flush): attach the ledger triggers to
    # the tables that exist now. Idempotent; a few catalogue queries when nothing is missing.
    if app_config is None or app_config.label != "sla":
        return
    from sla.computations.history import change_ledger_install

    change_ledger_install(using=using)


models.signals.post_migrate.connect(_install_change_ledger, dispatch_uid="sla_change_ledger")


# --- reports part: report generation jobs and report comments ---------------------------------


class ReportJob(models.Model):
    """One run of the Celery job that computes a report's results and writes its PDF and
    .xlsx. Progress is kept in core.progress (``sla-report-job:<pk>``) while it runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RUNNING = "running", _("作成中")
        SUCCEEDED = "succeeded", _("完了")
        FAILED = "failed", _("失敗")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default="queued")
    requested_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("依頼者")
    )
    requested_at = models.DateTimeField(_("依頼日時"))
    started_at = models.DateTimeField(_("開始"), null=True, blank=True)
    finished_at = models.DateTimeField(_("終了"), null=True, blank=True)
    error = models.TextField(_("失敗理由"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA 報告書の作成")
        verbose_name_plural = _("SLA 報告書の作成")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.report} {self.get_status_display()}"

    @property
    def progress_key(self) -> str:
        return f"sla-report-job:{self.pk}"


class ReportComment(models.Model):
    """A comment on a report: on one item (written by the preparer while the report is a
    draft; it goes into the report's コメント column) or on the report as a whole (review
    remarks of the city, the reason for sending it back). Never changes a snapshot."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    item_number = models.CharField(_("項目番号"), max_length=10, blank=True)
    body = models.TextField(_("コメント"), max_length=5000)
    author = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("記入者")
    )
    created_at = models.DateTimeField(_("記入日時"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SLA 報告書のコメント")
        verbose_name_plural = _("SLA 報告書のコメント")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.report} {self.item_number or '-'}"
