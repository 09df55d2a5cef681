from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts import roles

kana_validator = RegexValidator(
    r"^[ァ-ヴー・\u3000 ]+$", _("フリガナは全角カタカナで入力してください。")
)
employee_number_validator = RegexValidator(
    r"^[0-9A-Za-z]{4,20}$", _("職員番号は半角英数字4〜20文字で入力してください。")
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, employee_number, password, **extra):
        if not employee_number:
            raise ValueError("employee_number is required")
        user = self.model(employee_number=employee_number, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, employee_number, password=None, **extra):
        extra.setdefault("is_superuser", False)
        return self._create(employee_number, password, **extra)

    def create_superuser(self, employee_number, password=None, **extra):
        extra["is_superuser"] = True
        extra["is_staff"] = True
        return self._create(employee_number, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A city or vendor staff member, keyed by the city's employee number (職員番号)."""

    employee_number = models.CharField(
        _("職員番号"), max_length=20, unique=True, validators=[employee_number_validator]
    )
    name = models.CharField(_("氏名"), max_length=100)
    name_kana = models.CharField(_("フリガナ"), max_length=100, validators=[kana_validator])
    email = models.EmailField(_("メールアドレス"), blank=True)
    is_active = models.BooleanField(_("有効"), default=True)
    is_staff = models.BooleanField(
        _("管理サイト権限"), default=False, help_text=_("市のシステム管理者のみ。")
    )
    date_joined = models.DateTimeField(_("登録日時"), default=timezone.now)

    # Role (group) changes are history too: SLA #26 asks that permission levels
    # are kept current, and an auditor asks who granted what, when.
    history = HistoricalRecords(excluded_fields=["password", "last_login"], m2m_fields=["groups"])

    objects = UserManager()

    USERNAME_FIELD = "employee_number"
    REQUIRED_FIELDS = ["name", "name_kana"]

    class Meta:
        verbose_name = _("職員")
        verbose_name_plural = _("職員")
        ordering = ["employee_number"]

    def __str__(self):
        return f"{self.name}（{self.employee_number}）"

    def get_full_name(self):
        return self.name

    def get_short_name(self):
        return self.name

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    @property
    def primary_role(self) -> str | None:
        return roles.primary_role(self.role_codes)


class OrgUnit(models.Model):
    """An organisational unit (局/部/課/係 or office) valid over a date range.

    A reorganisation closes a unit (valid_to) and opens another, so reports
    for a past year still show that year's names.
    """

    class Kind(models.TextChoices):
        CENTER = "center", _("児童相談所")
        PROTECTION = "protection", _("一時保護所")
        WARD = "ward", _("区役所")
        HQ = "hq", _("本庁")
        VENDOR = "vendor", _("委託事業者")

    code = models.CharField(_("組織コード"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上位組織"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    valid_from = models.DateField(_("有効開始日"))
    valid_to = models.DateField(_("有効終了日"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("統合先"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        help_text=_("統合・名称変更で引き継いだ組織。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("組織")
        verbose_name_plural = _("組織")
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="uniq_orgunit_code_from"),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="orgunit_valid_range",
            ),
        ]

    def __str__(self):
        return self.name


class Assignment(models.Model):
    """A staff member's post over time (所属・役職・職種)."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("職員")
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("所属")
    )
    position = models.CharField(_("役職"), max_length=50, blank=True)
    job_type = models.CharField(_("職種"), max_length=50, blank=True)
    valid_from = models.DateField(_("発令日"))
    valid_to = models.DateField(_("終了日"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("所属履歴")
        verbose_name_plural = _("所属履歴")
        ordering = ["user", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="assignment_valid_range",
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.org_unit} {self.position}"


class PersonnelImport(models.Model):
    """One upload of the city's personnel-transfer Excel and what became of it."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("検証中")
        INVALID = "invalid", _("エラーあり")
        READY = "ready", _("確認待ち")
        SCHEDULED = "scheduled", _("反映予約")
        APPLYING = "applying", _("反映中")
        APPLIED = "applied", _("反映済み")
        CANCELLED = "cancelled", _("取消")
        FAILED = "failed", _("反映失敗")

    PENDING = (Status.READY, Status.SCHEDULED)

    file = models.FileField(_("ファイル"), upload_to="personnel_imports/%Y/%m/")
    original_name = models.CharField(_("ファイル名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("サイズ（バイト）"))
    status = models.CharField(
        _("状態"), max_length=20, choices=Status.choices, default=Status.VALIDATING
    )
    uploaded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("登録者")
    )
    uploaded_at = models.DateTimeField(_("登録日時"), auto_now_add=True)
    effective_date = models.DateField(_("発令日"), null=True, blank=True)
    scheduled_for = models.DateTimeField(_("反映予定日時"), null=True, blank=True)
    applied_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("反映者"),
    )
    applied_at = models.DateTimeField(_("反映日時"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        User,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("取消者"),
    )
    cancelled_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("行数"), default=0)
    progress_done = models.PositiveIntegerField(_("処理済み行数"), default=0)
    problems = models.JSONField(_("エラー"), default=list, blank=True)
    preview = models.JSONField(_("反映内容"), default=dict, blank=True)
    result_file = models.FileField(
        _("結果ファイル"), upload_to="personnel_imports/results/%Y/%m/", blank=True
    )
    error_message = models.TextField(_("失敗理由"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("人事異動取込")
        verbose_name_plural = _("人事異動取込")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"#{self.pk} {self.original_name}"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING


class AccessGrant(models.Model):
    """An explicit, time-limited, logged permission to see one object outside one's scope.

    Generic so that any app's access function (e.g. cases) can honour it.
    """

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="access_grants", verbose_name=_("職員")
    )
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    reason = models.TextField(_("理由"))
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("許可者")
    )
    valid_from = models.DateTimeField(_("開始"), default=timezone.now)
    valid_until = models.DateTimeField(_("期限"))
    revoked_at = models.DateTimeField(_("取消日時"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("閲覧許可")
        verbose_name_plural = _("閲覧許可")
        indexes = [models.Index(fields=["user", "content_type", "valid_until"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gt=models.F("valid_from")), name="grant_valid_range"
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.content_type.model}:{self.object_id}"
