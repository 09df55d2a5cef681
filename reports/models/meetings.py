"""定例報告会議・議事録.

A meeting per month per contract (profile); its minutes (議事録) live on the meeting
(status 作成中 → 市確認待ち → 確定) with one row per agenda item (報告・決定事項), action
items carried into later meetings until done, and the city's questions (疑義) with the
vendor's answers. Deadline warnings are deduplicated by ``MeetingDeadlineWarning``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = [
    "ActionItem",
    "AgendaItem",
    "Meeting",
    "MeetingDeadlineWarning",
    "MinutesQuestion",
]

USER = settings.AUTH_USER_MODEL
PROFILE_CHOICES = [("sendai", _("仙台市")), ("kobe", _("神戸市"))]


class Meeting(models.Model):
    class MinutesStatus(models.TextChoices):
        DRAFT = "draft", _("作成中")
        AWAITING = "awaiting", _("市確認待ち")
        FINAL = "final", _("確定")

    profile = models.CharField(_("契約（自治体）"), max_length=20, choices=PROFILE_CHOICES)
    year = models.PositiveSmallIntegerField(_("年"))
    month = models.PositiveSmallIntegerField(_("月"))
    held_at = models.DateTimeField(_("開催日時"))
    place = models.CharField(_("場所"), max_length=200)
    attendees = models.ManyToManyField(
        USER, blank=True, related_name="+", verbose_name=_("出席者（職員・事業者）")
    )
    outside_attendees = models.TextField(
        _("その他の出席者（1 行に 1 名）"), blank=True, max_length=2000
    )
    minutes_status = models.CharField(
        _("議事録の状態"),
        max_length=20,
        choices=MinutesStatus.choices,
        default=MinutesStatus.DRAFT,
    )
    minutes_summary = models.TextField(_("議事概要"), blank=True, max_length=10000)
    submitted_at = models.DateTimeField(_("確認依頼日時"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("確認者（市）"),
    )
    confirmed_at = models.DateTimeField(_("確定日時"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[attendees])

    class Meta:
        verbose_name = _("定例報告会議")
        verbose_name_plural = _("定例報告会議")
        ordering = ["-held_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "year", "month"], name="uniq_meeting_per_month"
            ),
        ]

    def __str__(self):
        return f"{self.year}年{self.month}月 定例報告会議"

    @property
    def is_final(self) -> bool:
        return self.minutes_status == self.MinutesStatus.FINAL

    @property
    def outside_attendee_list(self) -> list[str]:
        return [n.strip() for n in self.outside_attendees.splitlines() if n.strip()]


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(_("順"))
    title = models.CharField(_("議題"), max_length=200)
    reported = models.TextField(_("報告内容"), blank=True, max_length=10000)
    decided = models.TextField(_("決定事項"), blank=True, max_length=10000)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("議題")
        verbose_name_plural = _("議題")
        ordering = ["meeting", "order", "pk"]

    def __str__(self):
        return self.title


class ActionItem(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", _("未着手")
        DOING = "doing", _("対応中")
        DONE = "done", _("完了")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="action_items", verbose_name=_("発生会議")
    )
    title = models.CharField(_("対応事項"), max_length=300)
    owner = models.CharField(_("担当"), max_length=100)
    due = models.DateField(_("期限"))
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.TODO)
    done_in = models.ForeignKey(
        Meeting,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("完了を報告した会議"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("対応事項")
        verbose_name_plural = _("対応事項")
        ordering = ["due", "pk"]

    def __str__(self):
        return self.title


class MinutesQuestion(models.Model):
    """The city's question (疑義) on draft minutes, and the vendor's answer."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("疑義"), max_length=5000)
    asked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("照会日時"), auto_now_add=True)
    answer = models.TextField(_("回答"), blank=True, max_length=5000)
    answered_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("回答日時"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("議事録への疑義")
        verbose_name_plural = _("議事録への疑義")
        ordering = ["asked_at", "pk"]

    def __str__(self):
        return self.text[:40]


class MeetingDeadlineWarning(models.Model):
    """One mail per meeting, deadline and stage; the unique key makes the beat job idempotent."""

    class Kind(models.TextChoices):
        MATERIALS = "materials", _("資料提出")
        MINUTES = "minutes", _("議事録提出")

    class Stage(models.TextChoices):
        DAY_BEFORE = "before", _("前営業日")
        ON_DAY = "day", _("当日")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="warnings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    stage = models.CharField(max_length=10, choices=Stage.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("会議期限の警告")
        verbose_name_plural = _("会議期限の警告")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "kind", "stage"], name="uniq_meeting_deadline_warning"
            ),
        ]

    def __str__(self):
        return f"{self.meeting} {self.get_kind_display()} {self.get_stage_display()}"
