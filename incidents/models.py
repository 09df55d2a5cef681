"""Incidents and the contract clocks that run on them.

A milestone's clock is a ledger of running intervals: start opens one, pause
closes it (with a reason and an approver), resume opens the next, stop closes
the last. Elapsed time is the sum of the closed intervals' stored minutes, so
met/missed is arithmetic over rows, never a re-derivation from status history.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL


class Incident(models.Model):
    class Kind(models.TextChoices):
        FAILURE = "failure", _("障害")
        SECURITY = "security", _("セキュリティ事象")

    class Source(models.TextChoices):
        MONITORING = "monitoring", _("監視")
        CITY = "city", _("市からの連絡")
        VENDOR = "vendor", _("事業者発見")

    class Status(models.TextChoices):
        OPEN = "open", _("対応中")
        RECOVERED = "recovered", _("復旧")
        CLOSED = "closed", _("完了")

    number = models.CharField(_("障害番号"), max_length=20, unique=True)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("連番"))
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices, default=Kind.FAILURE)
    source = models.CharField(_("発見経路"), max_length=20, choices=Source.choices)
    title = models.CharField(_("件名"), max_length=200)
    severity = models.PositiveSmallIntegerField(
        _("重大度"), default=3, help_text=_("1（最重大）〜4")
    )
    aware_at = models.DateTimeField(_("認知日時"), help_text=_("契約上の時計はここから動きます。"))
    affected_functions = models.CharField(_("影響する機能"), max_length=500, blank=True)
    scope = models.TextField(_("影響範囲"), blank=True, max_length=10000)
    cause = models.TextField(_("原因"), blank=True, max_length=10000)
    vendor_caused = models.BooleanField(_("委託事業者の人的要因"), default=False)
    countermeasure = models.TextField(_("対応内容"), blank=True, max_length=10000)
    prevention = models.TextField(_("予防策・是正策"), blank=True, max_length=10000)
    onsite_needed = models.BooleanField(_("現地対応の要否"), default=False)
    onsite_arrived_at = models.DateTimeField(_("現地到着日時"), null=True, blank=True)
    recovered_at = models.DateTimeField(_("復旧日時"), null=True, blank=True)
    # For incidents opened by monitoring: which component, so one outage opens one incident.
    monitored_component = models.CharField(_("監視対象"), max_length=30, blank=True)
    problem = models.ForeignKey(
        "Problem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incidents",
        verbose_name=_("問題（根本原因）"),
    )
    # Security events (ウイルス等・不正アクセス): when the city was told, what the investigation found.
    reported_to_city_at = models.DateTimeField(_("市への報告日時"), null=True, blank=True)
    investigation_result = models.TextField(_("調査結果"), blank=True, max_length=10000)
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.OPEN)
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

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("障害")
        verbose_name_plural = _("障害")
        ordering = ["-aware_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "sequence"], name="uniq_incident_seq"),
            models.CheckConstraint(
                condition=models.Q(recovered_at__isnull=True)
                | models.Q(recovered_at__gte=models.F("aware_at")),
                name="incident_recovered_after_aware",
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"


class MilestoneDefinition(models.Model):
    """A contract deadline (第一報, 初動方針通知, 一次切り分け …) for a city profile,
    effective from a date, so a month is judged by the rule in force then."""

    class Unit(models.TextChoices):
        MINUTES = "minutes", _("分（24時間）")
        BUSINESS_MINUTES = "business_minutes", _("分（業務時間）")
        BUSINESS_DAYS = "business_days", _("営業日")
        AGREED = "agreed", _("都度合意した時刻")

    profile = models.CharField(_("自治体"), max_length=20)
    code = models.SlugField(_("コード"), max_length=40)
    name = models.CharField(_("名称"), max_length=50)
    start_event = models.CharField(_("開始の事象"), max_length=100)
    stop_event = models.CharField(_("停止の事象"), max_length=100)
    target = models.PositiveIntegerField(_("目標値"), default=0)
    unit = models.CharField(_("単位"), max_length=20, choices=Unit.choices)
    order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    valid_from = models.DateField(_("適用開始日"))
    valid_to = models.DateField(_("適用終了日"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("マイルストーン定義")
        verbose_name_plural = _("マイルストーン定義")
        ordering = ["profile", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "code", "valid_from"], name="uniq_milestone_def"
            ),
        ]

    def __str__(self):
        return f"{self.profile} {self.name}"


class MilestoneClock(models.Model):
    class State(models.TextChoices):
        RUNNING = "running", _("計測中")
        PAUSED = "paused", _("一時停止")
        STOPPED = "stopped", _("停止")

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="clocks")
    definition = models.ForeignKey(
        MilestoneDefinition,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("マイルストーン"),
    )
    started_at = models.DateTimeField(_("開始"))
    stopped_at = models.DateTimeField(_("停止"), null=True, blank=True)
    stop_note = models.CharField(_("停止の記録（方法・相手）"), max_length=300, blank=True)
    agreed_due_at = models.DateTimeField(_("合意した期限"), null=True, blank=True)
    state = models.CharField(_("状態"), max_length=10, choices=State.choices, default=State.RUNNING)
    # Closed intervals' minutes (24/7 or business, per the definition), summed.
    elapsed_minutes = models.PositiveIntegerField(_("経過（分）"), default=0)
    # The city confirms notifications and agreed recovery targets.
    confirmed_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("市の確認者"),
    )
    confirmed_at = models.DateTimeField(_("市の確認日時"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("マイルストーン計測")
        verbose_name_plural = _("マイルストーン計測")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "definition"], name="uniq_clock_per_milestone"
            ),
        ]

    def __str__(self):
        return f"{self.incident} {self.definition.name}"


class ClockInterval(models.Model):
    """One running stretch of a clock; a pause is the gap before the next one."""

    clock = models.ForeignKey(MilestoneClock, on_delete=models.PROTECT, related_name="intervals")
    started_at = models.DateTimeField(_("開始"))
    ended_at = models.DateTimeField(_("終了"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("分"), default=0)
    pause_reason = models.CharField(_("一時停止の理由"), max_length=300, blank=True)
    pause_approved_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("一時停止の承認者"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("計測区間")
        verbose_name_plural = _("計測区間")
        ordering = ["started_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("started_at")),
                name="clock_interval_range",
            ),
        ]

    def __str__(self):
        return f"{self.clock} {self.started_at:%Y-%m-%d %H:%M}"


class StopInterval(models.Model):
    """A service stop belonging to an incident (full or partial)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="stops")
    started_at = models.DateTimeField(_("停止開始"))
    ended_at = models.DateTimeField(_("停止終了"), null=True, blank=True)
    partial = models.BooleanField(_("一部機能の停止"), default=False)
    functions = models.CharField(_("停止した機能"), max_length=300, blank=True)
    city_network = models.BooleanField(
        _("市のネットワーク障害による停止"),
        default=False,
        help_text=_("稼働率の計算から除外します。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("停止区間")
        verbose_name_plural = _("停止区間")
        ordering = ["started_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gt=models.F("started_at")),
                name="stop_interval_range",
            ),
        ]

    def __str__(self):
        return f"{self.incident} {self.started_at:%Y-%m-%d %H:%M}"


class PlannedStop(models.Model):
    """計画停止: a maintenance window approved by the city, excluded from availability."""

    starts_at = models.DateTimeField(_("開始予定"))
    ends_at = models.DateTimeField(_("終了予定"))
    reason = models.CharField(_("理由"), max_length=300)
    approved_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承認者（市）"),
    )
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("登録者")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("計画停止")
        verbose_name_plural = _("計画停止")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="planned_stop_range"
            ),
        ]

    def __str__(self):
        return f"{self.starts_at:%Y-%m-%d %H:%M} {self.reason}"


class HealthSample(models.Model):
    """One minute's status of one component (from core.health), kept as a time series."""

    at = models.DateTimeField(_("日時"))
    component = models.CharField(_("構成要素"), max_length=30)
    ok = models.BooleanField(_("正常"))
    detail = models.CharField(_("詳細"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("稼働監視の記録")
        verbose_name_plural = _("稼働監視の記録")
        indexes = [models.Index(fields=["component", "-at"], name="health_component_at")]
        constraints = [
            models.UniqueConstraint(fields=["component", "at"], name="uniq_health_sample")
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.component} {'OK' if self.ok else 'NG'}"


class TimelineEntry(models.Model):
    """Who did what when, on an incident."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField(_("日時"))
    by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("記録者"),
    )
    text = models.TextField(_("内容"), max_length=5000)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("経過")
        verbose_name_plural = _("経過")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.incident} {self.at:%Y-%m-%d %H:%M}"


class ClockWarning(models.Model):
    """A warning sent for a clock at a level (75 %, 100 % …); the unique key makes
    the beat job idempotent when it runs twice or restarts."""

    clock = models.ForeignKey(MilestoneClock, on_delete=models.PROTECT, related_name="warnings")
    level = models.PositiveSmallIntegerField(_("水準（%）"))
    sent_at = models.DateTimeField(_("送信日時"), auto_now_add=True)
    recipients = models.TextField(_("宛先"), blank=True)

    class Meta:
        verbose_name = _("期限の警告")
        verbose_name_plural = _("期限の警告")
        constraints = [
            models.UniqueConstraint(fields=["clock", "level"], name="uniq_clock_warning")
        ]

    def __str__(self):
        return f"{self.clock} {self.level}%"


class Problem(models.Model):
    """A root cause shared by several incidents, with its permanent fix."""

    class Status(models.TextChoices):
        OPEN = "open", _("調査中")
        FIXING = "fixing", _("恒久対策中")
        RESOLVED = "resolved", _("解決")

    title = models.CharField(_("件名"), max_length=200)
    root_cause = models.TextField(_("根本原因"), blank=True, max_length=10000)
    permanent_fix = models.TextField(_("恒久対策"), blank=True, max_length=10000)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_on = models.DateField(_("解決日"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("問題（根本原因）")
        verbose_name_plural = _("問題（根本原因）")

    def __str__(self):
        return self.title
