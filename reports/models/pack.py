"""定例報告会議 報告書（図表7-1）: issued monthly reports, immutable and versioned."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reports.models.meetings import PROFILE_CHOICES

__all__ = ["FILE_FIELDS", "MonthlyReport"]

# The files of an issued report: large, never loaded for lists or state changes.
FILE_FIELDS = ("xlsx", "pdf", "bundle")


class MonthlyReport(models.Model):
    """One build of a month's report. Once issued (status done) the row cannot change:
    a trigger in the database refuses updates and deletes; reissuing adds a revision."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RUNNING = "running", _("作成中")
        DONE = "done", _("発行済")
        FAILED = "failed", _("失敗")

    profile = models.CharField(_("契約（自治体）"), max_length=20, choices=PROFILE_CHOICES)
    month = models.DateField(_("対象月"))
    revision = models.PositiveSmallIntegerField(_("版数"), null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    reason = models.TextField(_("再発行の理由"), blank=True, max_length=2000)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("依頼日時"))
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    # [{"key", "title", "absent"}] in report order: the page's table of contents.
    sections = models.JSONField(default=list, blank=True)
    pdf_pages = models.PositiveIntegerField(_("PDF ページ数"), null=True, blank=True)
    xlsx = models.BinaryField(null=True, blank=True)
    xlsx_sha256 = models.CharField(max_length=64, blank=True)
    pdf = models.BinaryField(null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    bundle = models.BinaryField(null=True, blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    history = HistoricalRecords(excluded_fields=list(FILE_FIELDS))

    class Meta:
        verbose_name = _("定例報告会議 報告書")
        verbose_name_plural = _("定例報告会議 報告書")
        ordering = ["-month", "-revision", "-pk"]
        constraints = [
            # A second request while one is queued or running joins it.
            models.UniqueConstraint(
                fields=["profile", "month"],
                condition=models.Q(status__in=["queued", "running"]),
                name="reports_monthly_one_job",
            ),
            models.UniqueConstraint(
                fields=["profile", "month", "revision"],
                condition=models.Q(revision__isnull=False),
                name="reports_monthly_revision",
            ),
            models.CheckConstraint(
                condition=models.Q(status="done", revision__isnull=False)
                | ~models.Q(status="done"),
                name="reports_monthly_done_has_revision",
            ),
        ]

    def __str__(self):
        rev = f" 第{self.revision}版" if self.revision else ""
        return f"{self.month.year}年{self.month.month}月 定例報告会議 報告書{rev}"

    @property
    def progress_key(self) -> str:
        return f"reports:monthly:{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
