"""構成管理・ライセンス・文書・リリース、ウイルス定義・パッチ・マルウェア検知.

The registry the vendor keeps current (environments, servers, software with the version
installed in each environment, licences, documents, releases) and the security records
the SLA reads (#28 virus definitions within 7 days of release, #29 patches within 30 days,
verified in 検証 first). Due dates are derived from the release date, never stored, so a
corrected release date moves the deadline with it.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL

VIRUS_DEFINITION_DAYS = 7  # SLA #28
PATCH_DAYS = 30  # SLA #29

__all__ = [
    "Document",
    "Environment",
    "InstalledVersion",
    "Licence",
    "MalwareDetection",
    "Patch",
    "RegistryWarning",
    "Release",
    "Server",
    "SoftwareItem",
    "VirusDefinitionUpdate",
]


class Environment(models.Model):
    class Kind(models.TextChoices):
        PRODUCTION = "production", _("本番")
        STAGING = "staging", _("検証・保守")

    code = models.SlugField(
        _("コード"), max_length=30, unique=True, help_text=_("半角英数字（例: production）")
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("種別"), max_length=20, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("表示順"), default=0)
    note = models.TextField(_("備考"), blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("環境")
        verbose_name_plural = _("環境")
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class Server(models.Model):
    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="servers", verbose_name=_("環境")
    )
    name = models.CharField(_("サーバー名"), max_length=100)
    role = models.CharField(_("用途"), max_length=100, blank=True, help_text=_("例: AP、DB"))
    os = models.CharField(_("OS"), max_length=100, blank=True)
    active = models.BooleanField(_("稼働中"), default=True)
    note = models.TextField(_("備考"), blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("サーバー")
        verbose_name_plural = _("サーバー")
        ordering = ["environment__order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["environment", "name"], name="ops_uniq_server_name"),
        ]

    def __str__(self):
        return f"{self.name}（{self.environment}）"


class SoftwareItem(models.Model):
    class Category(models.TextChoices):
        OS = "os", _("OS")
        MIDDLEWARE = "middleware", _("ミドルウェア")
        LIBRARY = "library", _("ライブラリ")
        PRODUCT = "product", _("本システム")

    class Source(models.TextChoices):
        MANUAL = "manual", _("手入力")
        PYTHON = "python", _("Python パッケージ")
        DEBIAN = "debian", _("Debian パッケージ")
        PRODUCT = "product", _("本システム")

    name = models.CharField(_("名称"), max_length=200)
    category = models.CharField(_("分類"), max_length=20, choices=Category.choices)
    source = models.CharField(
        _("登録元"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    vendor = models.CharField(_("提供元"), max_length=200, blank=True)
    support_ends_on = models.DateField(_("サポート終了日"), null=True, blank=True)
    note = models.TextField(_("備考"), blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ソフトウェア")
        verbose_name_plural = _("ソフトウェア")
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "name"], name="ops_uniq_software"),
        ]

    def __str__(self):
        return self.name


class InstalledVersion(models.Model):
    """The version of one software item installed in one environment."""

    software = models.ForeignKey(
        SoftwareItem,
        on_delete=models.CASCADE,
        related_name="installed",
        verbose_name=_("ソフトウェア"),
    )
    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="installed", verbose_name=_("環境")
    )
    installed_version = models.CharField(_("バージョン"), max_length=100)
    installed_on = models.DateField(_("導入日"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("導入バージョン")
        verbose_name_plural = _("導入バージョン")
        constraints = [
            models.UniqueConstraint(
                fields=["software", "environment"], name="ops_uniq_installed_version"
            ),
        ]

    def __str__(self):
        return f"{self.software} {self.installed_version}（{self.environment}）"


class Licence(models.Model):
    name = models.CharField(_("ライセンス名"), max_length=200)
    software = models.ForeignKey(
        SoftwareItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="licences",
        verbose_name=_("対象ソフトウェア"),
    )
    count = models.PositiveIntegerField(_("ライセンス数"))
    holder = models.CharField(_("名義"), max_length=200)
    expires_on = models.DateField(
        _("有効期限"), null=True, blank=True, help_text=_("無期限なら空欄")
    )
    warn_days = models.PositiveSmallIntegerField(
        _("期限前の警告（日前）"), default=30, help_text=_("有効期限の何日前から警告するか")
    )
    note = models.TextField(_("備考"), blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ライセンス")
        verbose_name_plural = _("ライセンス")
        ordering = ["expires_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(count__gte=0), name="ops_licence_count_not_negative"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def warn_from(self) -> date | None:
        return self.expires_on - timedelta(days=self.warn_days) if self.expires_on else None


class Document(models.Model):
    class Kind(models.TextChoices):
        OPERATION_MANUAL = "operation_manual", _("操作マニュアル")
        ADMIN_MANUAL = "admin_manual", _("システム管理者マニュアル")
        RUN_MANUAL = "run_manual", _("運用マニュアル")
        MAINTENANCE_MANUAL = "maintenance_manual", _("保守マニュアル")
        INCIDENT_PROCEDURE = "incident_procedure", _("障害時対応手順書")
        RUN_PROCEDURE = "run_procedure", _("運用手順書")
        SLA_PROCEDURE = "sla_procedure", _("SLA 実施手順書")
        OTHER = "other", _("その他")

    kind = models.CharField(_("種類"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("文書名"), max_length=200)
    doc_version = models.CharField(_("版"), max_length=50)
    issued_on = models.DateField(_("発行日"))
    file = models.FileField(_("ファイル"), upload_to="ops/documents/%Y/%m/", max_length=300)
    note = models.TextField(_("備考"), blank=True, max_length=2000)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("文書")
        verbose_name_plural = _("文書")
        ordering = ["kind", "title"]

    def __str__(self):
        return f"{self.title} 第{self.doc_version}版"


class Release(models.Model):
    """A change put into an environment, with its 変更内容説明書."""

    environment = models.ForeignKey(
        Environment, on_delete=models.PROTECT, related_name="releases", verbose_name=_("環境")
    )
    released_at = models.DateTimeField(_("リリース日時"))
    title = models.CharField(_("件名"), max_length=200)
    description = models.TextField(_("変更内容"), max_length=10000)
    software = models.ForeignKey(
        SoftwareItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="releases",
        verbose_name=_("対象ソフトウェア"),
        help_text=_("指定すると、この環境の導入バージョンも更新します。"),
    )
    release_version = models.CharField(_("バージョン"), max_length=100)
    change_document = models.FileField(
        _("変更内容説明書"), upload_to="ops/releases/%Y/%m/", max_length=300, blank=True
    )
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("リリース")
        verbose_name_plural = _("リリース")
        ordering = ["-released_at", "-pk"]

    def __str__(self):
        return f"{self.title} {self.release_version}"


class VirusDefinitionUpdate(models.Model):
    """One virus definition (pattern file) release and its application on one server."""

    server = models.ForeignKey(
        Server,
        on_delete=models.PROTECT,
        related_name="virus_definitions",
        verbose_name=_("サーバー"),
    )
    definition_version = models.CharField(_("定義バージョン"), max_length=100)
    released_on = models.DateField(_("公開日"))
    applied_on = models.DateField(_("適用日"), null=True, blank=True)
    covered_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("後の定義の適用で更新"),
    )
    note = models.CharField(_("備考"), max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("ウイルス定義の更新")
        verbose_name_plural = _("ウイルス定義の更新")
        ordering = ["-released_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["server", "definition_version"], name="ops_uniq_virus_definition"
            ),
            models.CheckConstraint(
                condition=models.Q(applied_on__isnull=True)
                | models.Q(applied_on__gte=models.F("released_on")),
                name="ops_virus_applied_after_release",
            ),
        ]
        indexes = [models.Index(fields=["server", "-released_on"], name="ops_virus_server")]

    def __str__(self):
        return f"{self.server.name} {self.definition_version}"

    @property
    def due_on(self) -> date:
        return self.released_on + timedelta(days=VIRUS_DEFINITION_DAYS)

    @property
    def is_open(self) -> bool:
        return self.applied_on is None


class Patch(models.Model):
    class Result(models.TextChoices):
        OK = "ok", _("問題なし")
        NG = "ng", _("問題あり")

    class Decision(models.TextChoices):
        APPLY = "apply", _("適用")
        NOT_APPLICABLE = "not_applicable", _("不適用")
        HOLD = "hold", _("保留")

    software = models.ForeignKey(
        SoftwareItem,
        on_delete=models.PROTECT,
        related_name="patches",
        verbose_name=_("対象ソフトウェア"),
    )
    identifier = models.CharField(_("識別子"), max_length=100, help_text=_("例: DSA-5678-1, KB…"))
    title = models.CharField(_("件名"), max_length=300)
    released_on = models.DateField(_("公開日"))
    verified_on = models.DateField(_("検証日（検証環境）"), null=True, blank=True)
    verification_result = models.CharField(
        _("検証結果"), max_length=10, choices=Result.choices, blank=True
    )
    verification_note = models.TextField(_("検証の記録"), blank=True, max_length=5000)
    decision = models.CharField(_("適用可否"), max_length=20, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("適用可否の理由"), blank=True, max_length=5000)
    applied_on = models.DateField(_("本番適用日"), null=True, blank=True)
    unverified_reason = models.TextField(
        _("検証前に本番へ適用した理由"), blank=True, max_length=5000
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("パッチ")
        verbose_name_plural = _("パッチ")
        ordering = ["-released_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["software", "identifier"], name="ops_uniq_patch"),
            models.CheckConstraint(
                condition=models.Q(applied_on__isnull=True)
                | models.Q(applied_on__gte=models.F("released_on")),
                name="ops_patch_applied_after_release",
            ),
        ]
        indexes = [models.Index(fields=["released_on"], name="ops_patch_released")]

    def __str__(self):
        return f"{self.identifier} {self.title}"

    @property
    def due_on(self) -> date:
        return self.released_on + timedelta(days=PATCH_DAYS)

    @property
    def is_open(self) -> bool:
        """Still to be dealt with: neither applied in 本番 nor decided 不適用."""
        return self.applied_on is None and self.decision != self.Decision.NOT_APPLICABLE


class MalwareDetection(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("対応中")
        REMOVED = "removed", _("駆除済み")
        FALSE_POSITIVE = "false_positive", _("誤検知")
        CLOSED = "closed", _("完了")

    server = models.ForeignKey(
        Server, on_delete=models.PROTECT, related_name="detections", verbose_name=_("サーバー")
    )
    detected_at = models.DateTimeField(_("検知日時"))
    name = models.CharField(_("検知名"), max_length=200)
    handling = models.TextField(_("対処内容"), blank=True, max_length=10000)
    status = models.CharField(_("状態"), max_length=20, choices=Status.choices, default=Status.OPEN)
    # The security incident (incidents app) by its number only: ops does not import incidents.
    incident_number = models.CharField(_("障害番号（セキュリティ事象）"), max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("マルウェア検知")
        verbose_name_plural = _("マルウェア検知")
        ordering = ["-detected_at", "-pk"]

    def __str__(self):
        return f"{self.server.name} {self.name}"


class RegistryWarning(models.Model):
    """A due-date warning mailed for one item at one level; the unique key makes the daily
    job send each (item, level, due date) once, however often it runs."""

    class Level(models.TextChoices):
        BEFORE = "before", _("期限前")
        DUE = "due", _("期限到来")

    kind = models.CharField(_("対象"), max_length=30)
    object_id = models.PositiveIntegerField(_("対象ID"))
    level = models.CharField(_("水準"), max_length=10, choices=Level.choices)
    due_on = models.DateField(_("期限"))
    sent_at = models.DateTimeField(_("送信日時"), auto_now_add=True)
    recipients = models.TextField(_("宛先"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("期限の警告（構成管理）")
        verbose_name_plural = _("期限の警告（構成管理）")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "level", "due_on"], name="ops_uniq_registry_warning"
            ),
        ]

    def __str__(self):
        return f"{self.kind}#{self.object_id} {self.level} {self.due_on}"
