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

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

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
