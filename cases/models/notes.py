from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cases.models.consultations import Consultation

NOTE_MAX_CHARS = 20_000


class ProgressNote(models.Model):
    """経過記録: dated entries with a disclosure class for access requests (開示請求)."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("面接")
        HOME_VISIT = "home_visit", _("家庭訪問")
        PHONE = "phone", _("電話")
        AGENCY = "agency", _("機関連絡")
        MEETING = "meeting", _("会議")

    class Disclosure(models.TextChoices):
        OPEN = "open", _("開示可")
        THIRD_PARTY = "third_party", _("不開示（第三者情報）")
        ASSESSMENT = "assessment", _("不開示（評価・判断情報）")
        AGENCY = "agency", _("不開示（関係機関情報）")

    consultation = models.ForeignKey(Consultation, on_delete=models.PROTECT, related_name="notes")
    occurred_at = models.DateTimeField(_("日時"))
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("記録者"),
    )
    text = models.TextField(_("内容"), max_length=NOTE_MAX_CHARS)
    disclosure = models.CharField(
        _("開示区分"), max_length=20, choices=Disclosure.choices, default=Disclosure.OPEN
    )
    is_addendum = models.BooleanField(_("終結後の追記"), default=False)
    created_at = models.DateTimeField(_("記録日時"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("経過記録")
        verbose_name_plural = _("経過記録")
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            models.Index(fields=["consultation", "-occurred_at"], name="note_case_time"),
            models.Index(fields=["author", "-created_at"], name="note_author_time"),
        ]

    def __str__(self):
        return f"{self.consultation} {self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"
