"""引継ぎ用の全データ出力（神戸 6.1）.

A city admin asks for the export, a second city admin approves it (two-person rule, also
a database check), a city admin starts it; a Celery job writes every table of every app as
CSV into one zip under settings.HANDOVER_DIR (never under MEDIA_ROOT). At most one export
runs at a time: a partial unique index on the running state refuses a second one.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = ["HandoverDownload", "HandoverExport"]

USER = settings.AUTH_USER_MODEL


class HandoverExport(models.Model):
    class Encoding(models.TextChoices):
        UTF8_BOM = "utf-8-sig", _("UTF-8（BOM付き）")
        CP932 = "cp932", _("CP932（Shift_JIS・Windows）")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("申請")
        APPROVED = "approved", _("承認")
        RUNNING = "running", _("実行中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")
        CANCELLED = "cancelled", _("取消")

    encoding = models.CharField(
        _("文字コード"), max_length=10, choices=Encoding.choices, default=Encoding.UTF8_BOM
    )
    reason = models.TextField(_("目的・理由"), max_length=2000)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("申請者")
    )
    requested_at = models.DateTimeField(_("申請日時"))
    approved_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承認者"),
    )
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    started_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("実行者"),
    )
    started_at = models.DateTimeField(_("開始日時"), null=True, blank=True)
    finished_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("取消者"),
    )
    cancelled_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    # Each start or restart is a new attempt; a task for an older attempt does nothing.
    attempt = models.PositiveIntegerField(_("実行回数"), default=0)
    progress_done = models.BigIntegerField(_("出力済みの行"), default=0)
    progress_total = models.BigIntegerField(_("行数（見込み）"), default=0)
    progress_table = models.CharField(_("出力中の表"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(_("最終の進捗"), null=True, blank=True)
    file_name = models.CharField(_("出力ファイル"), max_length=200, blank=True)
    size = models.BigIntegerField(_("サイズ（バイト）"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    tables_count = models.PositiveIntegerField(_("表の数"), default=0)
    rows_count = models.BigIntegerField(_("行数"), default=0)
    files_count = models.PositiveIntegerField(_("添付ファイル数"), default=0)
    summary = models.TextField(_("結果の要約"), blank=True)
    error = models.TextField(_("失敗理由"), blank=True)
    file_removed_at = models.DateTimeField(_("ファイル削除日時"), null=True, blank=True)
    file_removed_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ファイル削除者"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("引継ぎデータ出力")
        verbose_name_plural = _("引継ぎデータ出力")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="running"),
                name="ops_handover_one_running",
                violation_error_message=_("別の引継ぎデータの出力が実行中です。"),
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("requested_by")),
                name="ops_handover_two_persons",
                violation_error_message=_("申請者本人は承認できません。"),
            ),
        ]

    def __str__(self):
        return f"引継ぎデータ出力 #{self.pk}"

    @property
    def has_file(self) -> bool:
        return bool(self.status == self.Status.DONE and self.file_name and not self.file_removed_at)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        total = max(self.progress_total, self.progress_done, 1)
        return min(99, int(self.progress_done * 100 / total))


class HandoverDownload(models.Model):
    """Every download of an archive: who, when, from where."""

    export = models.ForeignKey(
        HandoverExport,
        on_delete=models.PROTECT,
        related_name="downloads",
        verbose_name=_("引継ぎデータ出力"),
    )
    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("職員")
    )
    downloaded_at = models.DateTimeField(_("ダウンロード日時"))
    ip = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("引継ぎデータのダウンロード記録")
        verbose_name_plural = _("引継ぎデータのダウンロード記録")
        ordering = ["-downloaded_at", "-pk"]

    def __str__(self):
        return f"#{self.export_id} {self.downloaded_at:%Y-%m-%d %H:%M}"
