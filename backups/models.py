"""Backup generations, runs, drills and restores.

These tables deliberately hold no foreign keys outside the app (people are
kept as a label): a restore copies them from the live database into the
restored one, so the catalogue of generations, drills and restores survives
going back to an older generation.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Generation(models.Model):
    class Kind(models.TextChoices):
        NIGHTLY = "nightly", _("夜間")
        MANUAL = "manual", _("手動")
        SYSTEM = "system", _("システム（変更前後）")
        PRE_RESTORE = "pre_restore", _("復元前")

    class Status(models.TextChoices):
        VERIFIED = "verified", _("検証済")
        CORRUPT = "corrupt", _("破損")
        MISSING = "missing", _("ファイルなし")
        EXPIRED = "expired", _("世代超過で削除")
        RELEASED = "released", _("解放済")

    name = models.CharField(_("世代名"), max_length=80, unique=True)
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices)
    label = models.CharField(_("ラベル"), max_length=20, blank=True)
    change_ref = models.CharField(_("変更番号"), max_length=100, blank=True)
    requested_by = models.CharField(_("依頼者"), max_length=200, blank=True)
    started_at = models.DateTimeField(_("開始"))
    finished_at = models.DateTimeField(_("終了"))
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices)
    db_bytes = models.BigIntegerField(_("DBサイズ"))
    media_bytes = models.BigIntegerField(_("ファイルサイズ"))
    db_sha256 = models.CharField(max_length=64)
    media_sha256 = models.CharField(max_length=64)
    manifest_sha256 = models.CharField(max_length=64)
    media_files = models.PositiveIntegerField(_("ファイル数"), default=0)
    server_version = models.CharField(_("DBサーバ版"), max_length=20)
    dump_version = models.CharField(_("pg_dump 版"), max_length=20)
    recipients = models.TextField(_("暗号化の宛先（公開鍵）"))
    # {table: {"rows": n, "sample": sha256-or-""}} taken in the dump's snapshot.
    tables = models.JSONField(default=dict)
    last_checked_at = models.DateTimeField(_("最終検証"), null=True, blank=True)
    check_error = models.TextField(_("検証エラー"), blank=True)
    removed_at = models.DateTimeField(_("削除"), null=True, blank=True)
    removed_by = models.CharField(_("削除者"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("バックアップ世代")
        verbose_name_plural = _("バックアップ世代")
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["status", "kind", "-started_at"])]

    def __str__(self):
        return self.name

    @property
    def duration_seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def total_bytes(self) -> int:
        return self.db_bytes + self.media_bytes

    @property
    def in_rotation(self) -> bool:
        """System and pre-restore backups stay until someone releases them."""
        return self.kind in (self.Kind.NIGHTLY, self.Kind.MANUAL)


class BackupRun(models.Model):
    """Every attempt, including the failed and the skipped ones (the SLA counts them)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("実行中")
        SUCCEEDED = "succeeded", _("成功")
        FAILED = "failed", _("失敗")
        SKIPPED = "skipped", _("重複のため見送り")

    kind = models.CharField(_("種別"), max_length=20, choices=Generation.Kind.choices)
    status = models.CharField(_("結果"), max_length=20, choices=Status.choices)
    started_at = models.DateTimeField(_("開始"))
    finished_at = models.DateTimeField(_("終了"), null=True, blank=True)
    requested_by = models.CharField(_("依頼者"), max_length=200, blank=True)
    forced_in_office_hours = models.BooleanField(_("業務時間帯に強制実行"), default=False)
    generation = models.ForeignKey(
        Generation, on_delete=models.SET_NULL, null=True, blank=True, related_name="runs"
    )
    error = models.TextField(_("失敗理由"), blank=True)
    summary = models.TextField(_("結果の要約"), blank=True)

    class Meta:
        verbose_name = _("バックアップ実行")
        verbose_name_plural = _("バックアップ実行")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class Drill(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("実行中")
        PASSED = "passed", _("合格")
        FAILED = "failed", _("不合格")
        SKIPPED = "skipped", _("未実施")

    generation = models.ForeignKey(
        Generation, on_delete=models.SET_NULL, null=True, blank=True, related_name="drills"
    )
    status = models.CharField(_("結果"), max_length=20, choices=Status.choices)
    started_at = models.DateTimeField(_("開始"))
    finished_at = models.DateTimeField(_("終了"), null=True, blank=True)
    restore_seconds = models.FloatField(_("復元所要時間（秒）"), null=True, blank=True)
    tables_checked = models.PositiveIntegerField(_("照合した表"), default=0)
    rows_checked = models.BigIntegerField(_("照合した行"), default=0)
    mismatches = models.JSONField(default=list)
    error = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("復元訓練")
        verbose_name_plural = _("復元訓練")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.started_at:%Y-%m-%d} {self.status}"


class Restore(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("実行中")
        SUCCEEDED = "succeeded", _("完了")
        FAILED = "failed", _("失敗（本番は変更なし）")

    generation = models.ForeignKey(Generation, on_delete=models.PROTECT, related_name="restores")
    status = models.CharField(_("結果"), max_length=20, choices=Status.choices)
    requested_by = models.CharField(_("実施者"), max_length=200)
    reason = models.TextField(_("理由（市の指示）"), max_length=2000)
    started_at = models.DateTimeField(_("開始"))
    finished_at = models.DateTimeField(_("終了"), null=True, blank=True)
    forced = models.BooleanField(_("検証失敗を承知で強制"), default=False)
    pre_restore = models.ForeignKey(
        Generation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous_database = models.CharField(_("復元前のデータベース"), max_length=120, blank=True)
    previous_media = models.CharField(_("復元前のファイル"), max_length=500, blank=True)
    incident_number = models.CharField(_("障害番号"), max_length=40, blank=True)
    error = models.TextField(_("失敗理由"), blank=True)

    class Meta:
        verbose_name = _("復元")
        verbose_name_plural = _("復元")
        ordering = ["-started_at", "-pk"]

    def __str__(self):
        return f"{self.generation} {self.started_at:%Y-%m-%d %H:%M}"


class Event(models.Model):
    """Append-only ledger: who did what to which generation (release, force, alert)."""

    at = models.DateTimeField(_("日時"))
    actor = models.CharField(_("実施者"), max_length=200, blank=True)
    action = models.CharField(_("操作"), max_length=40)
    generation_name = models.CharField(_("世代"), max_length=80, blank=True)
    detail = models.TextField(_("内容"), blank=True)

    class Meta:
        verbose_name = _("バックアップ操作記録")
        verbose_name_plural = _("バックアップ操作記録")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"


class AlertSent(models.Model):
    """One alert per problem and night, however often beat looks."""

    key = models.CharField(max_length=120, unique=True)
    at = models.DateTimeField()
    incident_numbers = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("送信済み警告")
        verbose_name_plural = _("送信済み警告")

    def __str__(self):
        return self.key
