from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class CodeList(models.Model):
    """A list of codes (相談種別, 相談経路, 援助 …), editable by city admins."""

    key = models.SlugField(_("キー"), max_length=50, unique=True)
    name = models.CharField(_("名称"), max_length=100)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("コード表")
        verbose_name_plural = _("コード表")
        ordering = ["key"]

    def __str__(self):
        return self.name


class CodeQuerySet(models.QuerySet):
    def valid_on(self, day):
        return self.filter(valid_from__lte=day).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )


class Code(models.Model):
    """One code, possibly a sub-type of a group, mapped to the national code.

    Codes are never deleted: a retired code gets ``valid_to`` so old cases
    keep pointing at it and new cases cannot choose it.
    """

    code_list = models.ForeignKey(
        CodeList, on_delete=models.PROTECT, related_name="codes", verbose_name=_("コード表")
    )
    code = models.CharField(_("コード"), max_length=20)
    name = models.CharField(_("名称"), max_length=100)
    group = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("区分"),
    )
    national_code = models.CharField(_("国の集計コード"), max_length=20, blank=True)
    order = models.PositiveIntegerField(_("表示順"), default=0)
    valid_from = models.DateField(_("有効開始日"), default="2000-04-01")
    valid_to = models.DateField(_("有効終了日"), null=True, blank=True)

    history = HistoricalRecords()
    objects = CodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("コード")
        verbose_name_plural = _("コード")
        ordering = ["code_list", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code_list", "code"], name="uniq_code_per_list")
        ]

    def __str__(self):
        if self.group_id:
            return f"{self.group.name}／{self.name}"
        return self.name
