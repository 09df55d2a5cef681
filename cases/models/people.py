from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.textnorm import bigrams, search_form


class Person(models.Model):
    """A child, guardian or household member: one record across all consultations."""

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")
        UNKNOWN = "U", _("不明")

    name = models.CharField(_("氏名"), max_length=100)
    name_kana = models.CharField(_("フリガナ"), max_length=100)
    sex = models.CharField(_("性別"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("生年月日"), null=True, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    phone = models.CharField(_("電話"), max_length=30, blank=True)
    school = models.CharField(_("学校・保育所等"), max_length=100, blank=True)
    occupation = models.CharField(_("職業"), max_length=100, blank=True)
    address_confidential = models.BooleanField(
        _("住所秘匿"),
        default=False,
        help_text=_("DV等支援措置など。住所は既定で伏せて表示・印刷します。"),
    )
    # Normalised copies for search (kana/width/variant-insensitive); kept by the services.
    search_name = models.CharField(max_length=200, editable=False, default="")
    search_kana = models.CharField(max_length=200, editable=False, default="")
    # Two-character pieces of both forms: a trigram index cannot serve a
    # two-character query (e.g. 「高橋」), a GIN index on these can.
    search_bigrams = ArrayField(models.CharField(max_length=2), editable=False, default=list)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["search_name", "search_kana", "search_bigrams"])

    class Meta:
        verbose_name = _("人物")
        verbose_name_plural = _("人物")
        indexes = [
            models.Index(fields=["search_kana", "birth_date"], name="person_kana_birth"),
            models.Index(fields=["birth_date"], name="person_birth"),
            GinIndex(fields=["search_bigrams"], name="person_bigrams"),
        ]

    def __str__(self):
        return self.name

    def refresh_search_fields(self) -> None:
        self.search_name = search_form(self.name)
        self.search_kana = search_form(self.name_kana)
        self.search_bigrams = bigrams(self.search_name, self.search_kana)


class Relationship(models.Model):
    """How ``other`` relates to ``person`` (e.g. other is person's 実母)."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="relationships", verbose_name=_("本人")
    )
    other = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("関係者")
    )
    relation = models.CharField(_("続柄"), max_length=30)
    lives_together = models.BooleanField(_("同居"), default=False)
    is_guardian = models.BooleanField(_("保護者"), default=False)
    is_adversary = models.BooleanField(
        _("加害者等（秘匿対象）"),
        default=False,
        help_text=_("本人の住所を知られてはならない相手。文書送付時に警告します。"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("続柄")
        verbose_name_plural = _("続柄")
        constraints = [
            models.UniqueConstraint(fields=["person", "other"], name="uniq_relationship"),
            models.CheckConstraint(
                condition=~models.Q(person=models.F("other")), name="relationship_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.person} の {self.relation}: {self.other}"
