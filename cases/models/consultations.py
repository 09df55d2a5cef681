from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models.codes import Code
from cases.models.people import Person

USER = settings.AUTH_USER_MODEL


class Consultation(models.Model):
    """One consultation / report / referral for one child: the case (相談受付)."""

    class Channel(models.TextChoices):
        VISIT = "visit", _("来所")
        PHONE = "phone", _("電話")
        DOCUMENT = "document", _("文書")
        REPORT = "report", _("通告")
        REFERRAL = "referral", _("送致")

    class Status(models.TextChoices):
        RECEIVED = "received", _("受付")
        ACCEPTED = "accepted", _("受理")
        INVESTIGATING = "investigating", _("調査・診断")
        DETERMINED = "determined", _("判定")
        SUPPORTING = "supporting", _("援助中")
        CLOSED = "closed", _("終結")

    OPEN_STATUSES = (
        Status.RECEIVED,
        Status.ACCEPTED,
        Status.INVESTIGATING,
        Status.DETERMINED,
        Status.SUPPORTING,
    )

    number = models.CharField(_("受付番号"), max_length=20, unique=True)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("連番"))
    received_at = models.DateTimeField(_("受付日時"))
    channel = models.CharField(_("受付方法"), max_length=20, choices=Channel.choices)
    route = models.ForeignKey(
        Code, on_delete=models.PROTECT, related_name="+", verbose_name=_("相談経路")
    )
    consultation_type = models.ForeignKey(
        Code, on_delete=models.PROTECT, related_name="+", verbose_name=_("相談種別")
    )
    main_concern = models.TextField(_("主訴"), max_length=4000)
    child = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("児童")
    )
    unit = models.ForeignKey(
        "accounts.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("担当組織")
    )
    receiver = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("受付者")
    )
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    accepted_at = models.DateTimeField(_("受理日時"), null=True, blank=True)
    closed_at = models.DateTimeField(_("終結日時"), null=True, blank=True)
    closure_reason = models.CharField(_("終結理由"), max_length=200, blank=True)
    retention_until = models.DateField(_("保存期限"), null=True, blank=True)
    retain_permanently = models.BooleanField(_("永年保存"), default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("相談")
        verbose_name_plural = _("相談")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["fiscal_year", "sequence"], name="uniq_consultation_seq"
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="consultation_unit_status"),
            # Dashboards and the caseload ask for a unit's open cases.
            models.Index(
                fields=["unit"], name="consultation_unit_open", condition=~models.Q(status="closed")
            ),
            models.Index(fields=["child", "-received_at"], name="consultation_child"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class CaseAssignment(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("主担当")
        SUB = "sub", _("副担当")
        PSYCHOLOGIST = "psychologist", _("児童心理司")
        SUPERVISOR = "supervisor", _("スーパーバイザー")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="assignments"
    )
    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="case_assignments", verbose_name=_("職員")
    )
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices)
    assigned_at = models.DateTimeField(_("担当開始"), auto_now_add=True)
    ended_at = models.DateTimeField(_("担当終了"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("担当")
        verbose_name_plural = _("担当")
        indexes = [models.Index(fields=["user", "ended_at"], name="assignment_user_open")]

    def __str__(self):
        return f"{self.consultation} {self.get_role_display()} {self.user}"


class Reporter(models.Model):
    """The person who reported: never printed, never exported, shown only to the team."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.PROTECT, related_name="reporter"
    )
    anonymous = models.BooleanField(_("匿名"), default=False)
    name = models.CharField(_("氏名"), max_length=100, blank=True)
    contact = models.CharField(_("連絡先"), max_length=200, blank=True)
    relation = models.CharField(_("児童との関係"), max_length=100, blank=True)
    wishes = models.CharField(_("希望（保護・調査・相談）"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通告者")
        verbose_name_plural = _("通告者")

    def __str__(self):
        return "匿名" if self.anonymous else self.name


class AbuseReport(models.Model):
    class Urgency(models.TextChoices):
        AA = "AA", _("AA（緊急一時保護を要する）")
        A = "A", _("A（一時保護を検討）")
        B = "B", _("B（集中的な援助）")
        C = "C", _("C（継続的な援助）")
        D = "D", _("D（助言・見守り）")

    class AbuseType(models.TextChoices):
        PHYSICAL = "physical", _("身体的虐待")
        SEXUAL = "sexual", _("性的虐待")
        PSYCHOLOGICAL = "psychological", _("心理的虐待")
        NEGLECT = "neglect", _("ネグレクト")

    consultation = models.OneToOneField(
        Consultation, on_delete=models.PROTECT, related_name="abuse_report"
    )
    accepted_at = models.DateTimeField(_("通告受理日時"))
    safety_due_at = models.DateTimeField(_("安全確認期限"))
    abuse_types = ArrayField(
        models.CharField(max_length=20, choices=AbuseType.choices),
        verbose_name=_("虐待種別"),
        default=list,
    )
    urgency = models.CharField(_("緊急度"), max_length=2, choices=Urgency.choices)
    perpetrator = models.CharField(_("主な虐待者"), max_length=30, blank=True)
    safety_confirmed_at = models.DateTimeField(_("安全確認日時"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("期限超過の通知日時"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("虐待通告")
        verbose_name_plural = _("虐待通告")
        indexes = [
            models.Index(
                fields=["safety_due_at"],
                name="abuse_unconfirmed_due",
                condition=models.Q(safety_confirmed_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.consultation} 通告"

    @property
    def abuse_type_labels(self) -> list[str]:
        labels = dict(self.AbuseType.choices)
        return [str(labels.get(t, t)) for t in self.abuse_types]


class SafetyCheck(models.Model):
    class Method(models.TextChoices):
        SIGHT = "sight", _("目視")
        AGENCY = "agency", _("関係機関からの情報")

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", _("安全を確認")
        NOT_SEEN = "not_seen", _("会えなかった")
        CONCERN = "concern", _("安全に懸念あり")

    report = models.ForeignKey(AbuseReport, on_delete=models.PROTECT, related_name="checks")
    attempted_at = models.DateTimeField(_("実施日時"))
    method = models.CharField(_("方法"), max_length=20, choices=Method.choices)
    outcome = models.CharField(_("結果"), max_length=20, choices=Outcome.choices)
    by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("実施者")
    )
    note = models.TextField(_("メモ"), blank=True, max_length=4000)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("安全確認")
        verbose_name_plural = _("安全確認")
        ordering = ["attempted_at"]

    def __str__(self):
        return f"{self.report} {self.attempted_at:%Y-%m-%d %H:%M}"


class Meeting(models.Model):
    class Kind(models.TextChoices):
        INTAKE = "intake", _("受理会議")
        DETERMINATION = "determination", _("判定会議")
        SUPPORT_POLICY = "support_policy", _("援助方針会議")
        CASE_REVIEW = "case_review", _("個別ケース検討会議")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="meetings"
    )
    kind = models.CharField(_("会議"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("開催日"))
    attendees = models.CharField(_("出席者"), max_length=500)
    decisions = models.TextField(_("決定事項"), max_length=10000)
    next_review_on = models.DateField(_("次回見直し日"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("記録者")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("会議")
        verbose_name_plural = _("会議")
        ordering = ["held_on", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on}"


class Diagnosis(models.Model):
    class Kind(models.TextChoices):
        SOCIAL = "social", _("社会診断")
        PSYCHOLOGICAL = "psychological", _("心理診断")
        MEDICAL = "medical", _("医学診断")
        BEHAVIOURAL = "behavioural", _("行動診断")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="diagnoses"
    )
    kind = models.CharField(_("種類"), max_length=20, choices=Kind.choices)
    made_on = models.DateField(_("実施日"))
    author = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("担当者")
    )
    findings = models.TextField(_("所見"), max_length=20000)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("診断")
        verbose_name_plural = _("診断")
        ordering = ["made_on", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.made_on}"


class Measure(models.Model):
    """援助・措置 per the code list, with the written notice date (教示)."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="measures"
    )
    code = models.ForeignKey(
        Code, on_delete=models.PROTECT, related_name="+", verbose_name=_("援助")
    )
    decided_on = models.DateField(_("決定日"))
    start_on = models.DateField(_("開始日"))
    end_on = models.DateField(_("終了日"), null=True, blank=True)
    notice_sent_on = models.DateField(_("通知書送付日"), null=True, blank=True)
    facility = models.CharField(_("施設・里親等"), max_length=200, blank=True)
    note = models.TextField(_("備考"), blank=True, max_length=4000)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("援助・措置")
        verbose_name_plural = _("援助・措置")
        ordering = ["start_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_on__isnull=True)
                | models.Q(end_on__gte=models.F("start_on")),
                name="measure_range",
            )
        ]

    def __str__(self):
        return f"{self.code} {self.start_on}"
