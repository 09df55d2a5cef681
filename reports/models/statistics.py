"""システム統計情報（資源の計測・月次統計・テンプレート）."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = ["FunctionName", "ResourceSample", "StatisticsReport", "StatisticsTemplate"]


class ResourceSample(models.Model):
    """Server resources, one row per 5-minute slot (a measurement: no history kept)."""

    slot = models.DateTimeField(_("計測枠"), unique=True)
    taken_at = models.DateTimeField(_("計測日時"))
    cpu_percent = models.FloatField(_("CPU使用率(%)"))
    memory_percent = models.FloatField(_("メモリ使用率(%)"))
    disk_root_percent = models.FloatField(_("ディスク使用率 /(%)"))
    disk_backup_percent = models.FloatField(_("ディスク使用率 バックアップ領域(%)"), null=True)
    db_bytes = models.BigIntegerField(_("データベースサイズ"))

    class Meta:
        verbose_name = _("資源計測")
        verbose_name_plural = _("資源計測")
        ordering = ["-slot"]

    def __str__(self):
        return f"{self.slot:%Y-%m-%d %H:%M} CPU {self.cpu_percent:.0f}%"


class FunctionName(models.Model):
    """A resolved view name's Japanese function name, as the city wants to read it."""

    view_name = models.CharField(_("ビュー名"), max_length=200, unique=True)
    label = models.CharField(_("機能名"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("機能名の対応")
        verbose_name_plural = _("機能名の対応")
        ordering = ["view_name"]

    def __str__(self):
        return f"{self.view_name} → {self.label}"


class StatisticsTemplate(models.Model):
    """The city's Excel format (named cells/ranges); the newest active one is used."""

    name = models.CharField(_("ファイル名"), max_length=200)
    content = models.BinaryField(_("内容"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("登録日時"))
    active = models.BooleanField(_("使用中"), default=True)
    history = HistoricalRecords(excluded_fields=["content"])

    class Meta:
        verbose_name = _("システム統計テンプレート")
        verbose_name_plural = _("システム統計テンプレート")
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self):
        return self.name


class StatisticsReport(models.Model):
    """One generated workbook of a month's system statistics."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待機中")
        RUNNING = "running", _("作成中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    month = models.DateField(_("対象月"))
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    template = models.ForeignKey(
        StatisticsTemplate, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("依頼日時"))
    finished_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    content = models.BinaryField(_("内容"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(_("エラー"), blank=True)
    history = HistoricalRecords(excluded_fields=["content"])

    class Meta:
        verbose_name = _("システム統計情報")
        verbose_name_plural = _("システム統計情報")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One job per month at a time: a second request joins the running one.
            models.UniqueConstraint(
                fields=["month"],
                condition=models.Q(status__in=["queued", "running"]),
                name="reports_stats_one_job_per_month",
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.get_status_display()}"

    @property
    def progress_key(self) -> str:
        return f"reports:statistics:{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
