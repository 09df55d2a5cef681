"""データ抽出依頼: the city asks, a city admin approves, the vendor runs a reviewed
definition (core.extracts) as a background job, the requester downloads the result
until it expires. Vendor staff see the status, row count and timings, never the
parameters, the purpose or the file."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = ["ExtractionDownload", "ExtractionRequest"]

USER = settings.AUTH_USER_MODEL


class FailureKind(models.TextChoices):
    REFUSED = "refused", _("実行前の確認で中止（依頼者の閲覧範囲・役割に合わない）")
    ERROR = "error", _("処理中のエラー")


class ExtractionRequest(models.Model):
    FailureKind = FailureKind

    class Status(models.TextChoices):
        REQUESTED = "requested", _("承認待ち")
        APPROVED = "approved", _("承認済（実行待ち）")
        REJECTED = "rejected", _("却下")
        QUEUED = "queued", _("実行中")
        SUCCEEDED = "succeeded", _("完了")
        FAILED = "failed", _("失敗")
        EXPIRED = "expired", _("期限切れ")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel（.xlsx）")
        CSV = "csv", _("CSV（UTF-8 BOM付き）")

    definition_code = models.CharField(_("抽出定義"), max_length=100)
    definition_title = models.CharField(_("抽出定義の名称"), max_length=200)
    definition_revision = models.CharField(_("定義の版"), max_length=20, blank=True)
    parameters = models.JSONField(_("抽出条件"), default=dict, blank=True)
    columns = models.JSONField(_("出力する列"), default=list, blank=True)
    output_format = models.CharField(
        _("形式"), max_length=10, choices=Format.choices, default=Format.XLSX
    )
    purpose = models.TextField(_("利用目的"), max_length=2000)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("依頼者")
    )
    requested_at = models.DateTimeField(_("依頼日時"))
    decided_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("承認・却下した管理者"),
    )
    decided_at = models.DateTimeField(_("承認・却下日時"), null=True, blank=True)
    decision_note = models.TextField(_("承認時の補足・却下理由"), max_length=2000, blank=True)
    run_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("実行した担当者"),
    )
    queued_at = models.DateTimeField(_("実行指示日時"), null=True, blank=True)
    started_at = models.DateTimeField(_("実行開始"), null=True, blank=True)
    finished_at = models.DateTimeField(_("実行終了"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), null=True, blank=True)
    object_count = models.PositiveIntegerField(_("対象件数"), null=True, blank=True)
    # The objects (cases) in the file, for the read log at each download. Not in history.
    object_type = models.CharField(_("対象の種類"), max_length=50, blank=True)
    object_ids = models.JSONField(default=list, blank=True)
    file = models.FileField(_("結果ファイル"), upload_to="extracts/", blank=True, max_length=200)
    file_size = models.BigIntegerField(_("ファイルサイズ"), null=True, blank=True)
    file_sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    expires_at = models.DateTimeField(_("ダウンロード期限"), null=True, blank=True)
    expired_at = models.DateTimeField(_("削除日時"), null=True, blank=True)
    error = models.TextField(_("失敗理由"), blank=True)
    # What vendor staff may see of a failure (the reason can name cases): its kind only.
    failure_kind = models.CharField(
        _("失敗の種類"), max_length=20, choices=FailureKind.choices, blank=True
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["object_ids"])

    class Meta:
        verbose_name = _("データ抽出依頼")
        verbose_name_plural = _("データ抽出依頼")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="extract_requester"),
            models.Index(
                fields=["expires_at"],
                name="extract_expiry",
                condition=models.Q(status="succeeded"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | ~models.Q(decided_by=models.F("requested_by")),
                name="extract_approver_not_requester",
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.definition_title}"

    @property
    def in_progress(self) -> bool:
        return self.status == self.Status.QUEUED

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def progress_key(self) -> str:
        return f"extraction:{self.pk}"


class ExtractionDownload(models.Model):
    """Each download of a result file (the cases in it are also in core.AccessLog)."""

    request = models.ForeignKey(
        ExtractionRequest, on_delete=models.PROTECT, related_name="downloads"
    )
    user = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("ダウンロードした職員")
    )
    at = models.DateTimeField(_("日時"))
    ip = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)
    object_count = models.PositiveIntegerField(_("記録した閲覧件数"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("抽出結果のダウンロード")
        verbose_name_plural = _("抽出結果のダウンロード")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"#{self.request_id} {self.at:%Y-%m-%d %H:%M} {self.user_id}"
