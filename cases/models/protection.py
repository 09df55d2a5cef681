from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models.consultations import Consultation
from core.timeutil import to_jst

WARRANT_DAYS = 7
LIMIT_MONTHS = 2


class Protection(models.Model):
    """一時保護 (Child Welfare Act art. 33)."""

    class Reason(models.TextChoices):
        EMERGENCY_A = "emergency_a", _("緊急保護ア（保護者がない・住居がない）")
        EMERGENCY_I = "emergency_i", _("緊急保護イ（虐待等で分離が必要）")
        EMERGENCY_U = "emergency_u", _("緊急保護ウ（自傷他害のおそれ）")
        OBSERVATION = "observation", _("行動観察")
        SHORT_STAY = "short_stay", _("短期入所指導")

    class Place(models.TextChoices):
        CENTER = "center", _("一時保護所")
        DELEGATED = "delegated", _("委託一時保護")

    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, related_name="protections"
    )
    start_at = models.DateTimeField(_("保護開始日時"))
    reason = models.CharField(_("保護理由"), max_length=20, choices=Reason.choices)
    place = models.CharField(_("保護場所"), max_length=20, choices=Place.choices)
    facility = models.CharField(_("委託先"), max_length=200, blank=True)
    parental_consent = models.BooleanField(_("親権者等の同意"))
    warrant_requested_at = models.DateTimeField(_("一時保護状の請求日時"), null=True, blank=True)
    court_approved_until = models.DateField(_("家庭裁判所の承認期限"), null=True, blank=True)
    end_at = models.DateTimeField(_("保護解除日時"), null=True, blank=True)
    end_reason = models.CharField(_("解除理由"), max_length=200, blank=True)
    destination = models.CharField(_("退所先"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("一時保護")
        verbose_name_plural = _("一時保護")
        ordering = ["-start_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_at__isnull=True)
                | models.Q(end_at__gte=models.F("start_at")),
                name="protection_range",
            )
        ]

    def __str__(self):
        return f"{self.consultation} 一時保護 {self.start_at:%Y-%m-%d}"

    @property
    def warrant_due_at(self):
        """Without consent a warrant must be requested within 7 days (since June 2025)."""
        if self.parental_consent:
            return None
        return self.start_at + timedelta(days=WARRANT_DAYS)

    @property
    def limit_date(self):
        """Two months from the start; each court approval extends it."""
        base = to_jst(self.start_at).date() + relativedelta(months=LIMIT_MONTHS)
        if self.court_approved_until and self.court_approved_until > base:
            return self.court_approved_until
        return base
