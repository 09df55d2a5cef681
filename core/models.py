import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class RequestLog(models.Model):
    """One row per HTTP request (request accounting).

    The table is partitioned by month in Asia/Tokyo (see migration 0001 and
    core.request_log); the database primary key is (id, requested_at), which
    Django does not need to know about.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4)
    requested_at = models.DateTimeField(_("日時"))
    user_id = models.BigIntegerField(_("利用者ID"), null=True)
    view_name = models.CharField(_("機能"), max_length=200)
    method = models.CharField(_("メソッド"), max_length=10)
    status = models.SmallIntegerField(_("ステータス"))
    duration_us = models.IntegerField(_("処理時間(μs)"))

    class Meta:
        managed = False
        db_table = "core_requestlog"
        verbose_name = _("リクエスト記録")
        verbose_name_plural = _("リクエスト記録")

    def __str__(self):
        return f"{self.requested_at:%Y-%m-%d %H:%M:%S} {self.method} {self.view_name} {self.status}"


class RequestDailyStat(models.Model):
    """Daily roll-up of RequestLog, kept after raw partitions are dropped."""

    day = models.DateField(_("日付"))
    view_name = models.CharField(_("機能"), max_length=200)
    status_class = models.SmallIntegerField(_("ステータス区分"))  # 2, 3, 4, 5
    requests = models.IntegerField(_("件数"))
    users = models.IntegerField(_("利用者数"))
    total_duration_us = models.BigIntegerField(_("処理時間合計(μs)"))
    max_duration_us = models.IntegerField(_("最大処理時間(μs)"))
    over_3s = models.IntegerField(_("3秒超の件数"))

    class Meta:
        verbose_name = _("日次リクエスト集計")
        verbose_name_plural = _("日次リクエスト集計")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "view_name", "status_class"], name="uniq_request_daily_stat"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.view_name} {self.status_class}xx: {self.requests}"


class OutboxMessage(models.Model):
    """A Celery job saved in the same transaction as the data it belongs to.

    Sent right after commit; if the broker is down it stays pending and the
    beat-driven drain delivers it later, so a Redis outage never loses a job.
    """

    task_name = models.CharField(_("タスク"), max_length=200)
    args = models.JSONField(_("引数"), default=list)
    kwargs = models.JSONField(_("キーワード引数"), default=dict)
    queue = models.CharField(_("キュー"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("送信試行回数"), default=0)
    last_error = models.TextField(_("直近のエラー"), blank=True)

    class Meta:
        verbose_name = _("送信待ちジョブ")
        verbose_name_plural = _("送信待ちジョブ")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending_idx",
                condition=models.Q(sent_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"{self.task_name} #{self.pk}"

    @property
    def task_id(self) -> str:
        return f"outbox-{self.pk}"


class Heartbeat(models.Model):
    """Last sign of life of a background process (e.g. Celery beat)."""

    name = models.CharField(max_length=50, primary_key=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("ハートビート")
        verbose_name_plural = _("ハートビート")

    def __str__(self):
        return f"{self.name} {self.at:%Y-%m-%d %H:%M:%S}"


class AccessLog(models.Model):
    """Append-only read log: who viewed, printed, exported or searched what.

    The database refuses UPDATE and DELETE on this table (migration trigger),
    so not even the application can rewrite it.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("閲覧")
        PRINT = "print", _("印刷")
        EXPORT = "export", _("出力")
        SEARCH = "search", _("検索")
        BREAK_GLASS = "break_glass", _("緊急閲覧")
        REVEAL = "reveal", _("秘匿情報の表示")

    at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)
    user_id = models.BigIntegerField(_("利用者ID"))
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("対象"), max_length=50)
    object_id = models.CharField(_("対象ID"), max_length=64, blank=True)
    detail = models.CharField(_("詳細"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IPアドレス"), null=True, blank=True)

    class Meta:
        verbose_name = _("閲覧記録")
        verbose_name_plural = _("閲覧記録")
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="accesslog_object"),
            models.Index(fields=["user_id", "-at"], name="accesslog_user"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.object_type}:{self.object_id}"


class Notification(models.Model):
    """A message to one user shown on their dashboard (and mailed)."""

    user_id = models.BigIntegerField(_("宛先"), db_index=True)
    text = models.CharField(_("内容"), max_length=500)
    link = models.CharField(_("リンク"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("日時"), auto_now_add=True)
    read_at = models.DateTimeField(_("既読日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at"]

    def __str__(self):
        return self.text


# --- business calendar (core.calendar) ----------------------------------------------


class ClosureDay(models.Model):
    """An extra closure day a city admin adds (e.g. a city-specific holiday).

    Weekends, national holidays and 12/29–1/3 are closed anyway; these rows are
    only the days on top of them. Read by ``core.calendar``.
    """

    date = models.DateField(_("日付"), unique=True)
    reason = models.CharField(_("理由"), max_length=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("閉庁日")
        verbose_name_plural = _("閉庁日")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.reason}"


class DeskHours(models.Model):
    """Inquiry desk hours of a city profile, in force from ``valid_from``.

    The hours in force on a day are the row with the latest ``valid_from`` on or
    before that day; with no such row ``core.calendar`` falls back to the
    profile preset (core.profiles). Rows are effective-dated so past months keep
    the rules they were measured under.
    """

    class Profile(models.TextChoices):
        SENDAI = "sendai", _("仙台市")
        KOBE = "kobe", _("神戸市")

    profile = models.CharField(_("自治体"), max_length=20, choices=Profile.choices)
    valid_from = models.DateField(_("適用開始日"))
    opens = models.TimeField(_("受付開始"))
    closes = models.TimeField(_("受付終了"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("窓口受付時間")
        verbose_name_plural = _("窓口受付時間")
        ordering = ["profile", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "valid_from"], name="uniq_deskhours_profile_valid_from"
            ),
            models.CheckConstraint(
                condition=models.Q(opens__lt=models.F("closes")),
                name="deskhours_opens_before_closes",
            ),
        ]

    def __str__(self):
        return (
            f"{self.get_profile_display()} {self.valid_from:%Y-%m-%d}〜 "
            f"{self.opens:%H:%M}–{self.closes:%H:%M}"
        )
