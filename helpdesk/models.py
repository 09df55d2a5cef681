"""Help desk: inquiries, their mail, liaison slips, FAQ and work requests.

No case data lives here: an inquiry about a case names it by case number only.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL
UNIT = "accounts.OrgUnit"


class Category(models.Model):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    active = models.BooleanField(_("使用中"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("問合せ分類")
        verbose_name_plural = _("問合せ分類")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Inquiry(models.Model):
    class Channel(models.TextChoices):
        PHONE = "phone", _("電話")
        MAIL = "mail", _("メール")
        COUNTER = "counter", _("窓口")
        OTHER = "other", _("その他")

    class Status(models.TextChoices):
        RECEIVED = "received", _("受付")
        INVESTIGATING = "investigating", _("調査中")
        ANSWERED = "answered", _("回答済")
        ESCALATED = "escalated", _("連絡票起票")
        CLOSED = "closed", _("クローズ")

    OPEN_STATUSES = (Status.RECEIVED, Status.INVESTIGATING, Status.ESCALATED)

    number = models.CharField(_("問合せ番号"), max_length=20, unique=True)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("連番"))
    received_at = models.DateTimeField(_("受付日時"), db_index=True)
    channel = models.CharField(_("受付方法"), max_length=10, choices=Channel.choices)
    caller_unit = models.ForeignKey(
        UNIT,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("問合せ元の所属"),
    )
    caller_name = models.CharField(_("問合せ者"), max_length=100, blank=True)
    caller_contact = models.CharField(_("連絡先"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("分類"),
    )
    subject = models.CharField(_("件名"), max_length=200)
    content = models.TextField(_("内容"), max_length=20000)
    case_number = models.CharField(_("関連するケースの受付番号"), max_length=20, blank=True)
    answer = models.TextField(_("回答"), blank=True, max_length=20000)
    answered_at = models.DateTimeField(_("回答日時"), null=True, blank=True)
    due_at = models.DateTimeField(_("回答期限"), db_index=True)
    due_explanation = models.CharField(_("期限の根拠"), max_length=500, blank=True)
    handled_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("対応者"),
    )
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    faq = models.ForeignKey(
        "Faq",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inquiries",
        verbose_name=_("関連FAQ"),
    )
    # Empty for inquiries created from received mail.
    created_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("登録者"),
    )
    created_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    search_text = models.TextField(editable=False, default="")
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("問合せ")
        verbose_name_plural = _("問合せ")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "sequence"], name="uniq_inquiry_seq"),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True)
                | models.Q(answered_at__gte=models.F("received_at")),
                name="inquiry_answer_after_receipt",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="inquiry_status_due"),
            # The list's order, so a page's ids come straight from the index.
            models.Index(fields=["-received_at", "-id"], name="inquiry_received_desc"),
        ]

    def __str__(self):
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class MailMessage(models.Model):
    """One received e-mail, kept raw; threaded to its inquiry."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="messages")
    message_id = models.CharField(_("Message-ID"), max_length=500, unique=True)
    in_reply_to = models.CharField(max_length=500, blank=True)
    references = models.TextField(blank=True)
    sender = models.CharField(_("差出人"), max_length=500)
    recipients = models.TextField(_("宛先"), blank=True)
    subject = models.CharField(_("件名"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("送信日時"), null=True, blank=True)
    received_at = models.DateTimeField(_("受信日時"))
    body = models.TextField(_("本文"), blank=True)
    raw = models.FileField(_("原文"), upload_to="helpdesk/mail/%Y/%m/")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("受信メール")
        verbose_name_plural = _("受信メール")
        ordering = ["received_at"]

    def __str__(self):
        return self.subject or self.message_id


class MailAttachment(models.Model):
    message = models.ForeignKey(MailMessage, on_delete=models.PROTECT, related_name="attachments")
    filename = models.CharField(_("ファイル名"), max_length=255)
    content_type = models.CharField(_("種類"), max_length=100)
    size = models.PositiveIntegerField(_("サイズ"))
    file = models.FileField(upload_to="helpdesk/attachments/%Y/%m/")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")

    def __str__(self):
        return self.filename


class LiaisonSlip(models.Model):
    """連絡票: what could not be answered at once, shared between city and vendor."""

    class Judgement(models.TextChoices):
        SPEC = "spec", _("仕様追加・変更")
        OPERATION = "operation", _("操作ミス")
        DATA = "data", _("データ入力誤り")
        DEFECT = "defect", _("不具合")
        OTHER = "other", _("その他")

    class Status(models.TextChoices):
        OPEN = "open", _("起票")
        IN_PROGRESS = "in_progress", _("対応中")
        REPLIED = "replied", _("回答済")
        CLOSED = "closed", _("対応完了")

    number = models.CharField(_("連絡票番号"), max_length=20, unique=True)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("連番"))
    inquiry = models.OneToOneField(
        Inquiry,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="slip",
        verbose_name=_("元の問合せ"),
    )
    raised_at = models.DateTimeField(_("起票日時"))
    raised_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("起票者")
    )
    event = models.TextField(_("事象"), max_length=10000)
    triage = models.TextField(_("切り分け"), blank=True, max_length=10000)
    cause = models.TextField(_("原因"), blank=True, max_length=10000)
    judgement = models.CharField(_("判定"), max_length=20, choices=Judgement.choices, blank=True)
    replied_on = models.DateField(_("市への回答日"), null=True, blank=True)
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("完了日時"), null=True, blank=True)
    search_text = models.TextField(editable=False, default="")
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("連絡票")
        verbose_name_plural = _("連絡票")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "sequence"], name="uniq_slip_seq")
        ]

    def __str__(self):
        return self.number


class Countermeasure(models.Model):
    class Kind(models.TextChoices):
        PROVISIONAL = "provisional", _("暫定対応")
        PERMANENT = "permanent", _("恒久対応")

    class Status(models.TextChoices):
        TODO = "todo", _("未着手")
        DOING = "doing", _("対応中")
        DONE = "done", _("完了")

    slip = models.ForeignKey(LiaisonSlip, on_delete=models.PROTECT, related_name="countermeasures")
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("内容"), max_length=10000)
    owner = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("担当")
    )
    due_on = models.DateField(_("期限"))
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.TODO)
    done_on = models.DateField(_("完了日"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("対応策")
        verbose_name_plural = _("対応策")
        ordering = ["kind", "due_on", "pk"]

    def __str__(self):
        return f"{self.slip} {self.get_kind_display()}"


class Faq(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        PUBLISHED = "published", _("公開")
        RETIRED = "retired", _("廃止")

    question = models.TextField(_("質問"), max_length=4000)
    answer = models.TextField(_("回答"), max_length=20000)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("分類"),
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    search_text = models.TextField(editable=False, default="")
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        verbose_name = _("FAQ")
        verbose_name_plural = _("FAQ")
        ordering = ["-updated_at", "-pk"]

    def __str__(self):
        return self.question[:50]


class WorkRequest(models.Model):
    """作業依頼書 (city) → review → approval → plan → execution → 作業報告書."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("依頼受付")
        REVIEWED = "reviewed", _("検討済")
        APPROVED = "approved", _("承認済")
        REJECTED = "rejected", _("不可・取下げ")
        IN_PROGRESS = "in_progress", _("作業中")
        COMPLETED = "completed", _("完了報告済")

    class Feasibility(models.TextChoices):
        YES = "yes", _("対応可")
        CONDITIONAL = "conditional", _("条件付き可")
        NO = "no", _("対応不可")

    number = models.CharField(_("依頼番号"), max_length=20, unique=True)
    fiscal_year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("連番"))
    requested_at = models.DateTimeField(_("依頼日時"))
    requester = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("依頼者")
    )
    requester_unit = models.ForeignKey(
        UNIT,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("依頼元の所属"),
    )
    title = models.CharField(_("件名"), max_length=200)
    content = models.TextField(_("依頼内容"), max_length=20000)
    desired_on = models.DateField(_("希望日"), null=True, blank=True)
    feasibility = models.CharField(
        _("可否"), max_length=20, choices=Feasibility.choices, blank=True
    )
    estimate = models.TextField(_("見積・影響"), blank=True, max_length=10000)
    reviewed_at = models.DateTimeField(_("検討日時"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("検討者"),
    )
    approved_at = models.DateTimeField(_("承認日時"), null=True, blank=True)
    approved_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("承認者"),
    )
    plan = models.TextField(_("作業計画"), blank=True, max_length=10000)
    execution_record = models.TextField(_("作業記録"), blank=True, max_length=20000)
    completed_on = models.DateField(_("完了日"), null=True, blank=True)
    report = models.TextField(_("作業報告"), blank=True, max_length=20000)
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("作業依頼")
        verbose_name_plural = _("作業依頼")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["fiscal_year", "sequence"], name="uniq_workrequest_seq")
        ]

    def __str__(self):
        return f"{self.number} {self.title}"
