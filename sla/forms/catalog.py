"""Forms of the SLA catalogue, evidence and improvement plans.

Forms check types and required fields; the rules (unit against target, overlapping
versions, file content) live in sla.services.catalog and come back onto the form by field
(core.forms.add_service_errors).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.profiles import PROFILES
from sla import computations
from sla.models import ImprovementPlan, Item
from sla.selectors import catalog as selectors

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def profile_choices():
    return [(code, p.name) for code, p in PROFILES.items()]


class MonthForm(forms.Form):
    month = forms.DateField(label=_("月"), input_formats=["%Y-%m"], required=False)
    profile = forms.ChoiceField(label=_("自治体"), choices=profile_choices, required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PolicyCreateForm(forms.Form):
    profile = forms.ChoiceField(label=_("自治体"), choices=profile_choices)
    name = forms.CharField(label=_("名称"), max_length=200)
    effective_from = forms.DateField(label=_("適用開始"), widget=DATE)
    effective_to = forms.DateField(
        label=_("適用終了"),
        widget=DATE,
        required=False,
        help_text=_("空欄のときは契約終了日まで。"),
    )
    note = forms.CharField(
        label=_("備考"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    effective_from = forms.DateField(label=_("適用開始"), widget=DATE)
    effective_to = forms.DateField(
        label=_("適用終了"),
        widget=DATE,
        required=False,
        help_text=_("空欄のときは契約終了日まで。"),
    )
    note = forms.CharField(
        label=_("備考"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class NewVersionForm(forms.Form):
    effective_from = forms.DateField(
        label=_("新しい版の適用開始日"),
        widget=DATE,
        help_text=_(
            "月の途中から適用しても、その月は月初に適用中の版で判定します（翌月から新しい版）。"
        ),
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("コメント"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class ReturnForm(CommentForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("差し戻す理由")


class ItemForm(forms.Form):
    number = forms.CharField(label=_("番号"), max_length=10)
    order = forms.IntegerField(
        label=_("並び順"), min_value=0, max_value=32767, required=False, help_text=_("空欄で末尾")
    )
    name = forms.CharField(label=_("項目"), max_length=200)
    target_value = forms.DecimalField(
        label=_("目標値"), max_digits=12, decimal_places=3, required=False
    )
    unit = forms.ChoiceField(label=_("単位"), choices=Item.Unit.choices)
    comparison = forms.ChoiceField(
        label=_("比較"), choices=[("", "---"), *Item.Comparison.choices], required=False
    )
    target_text = forms.CharField(
        label=_("目標（文章）"),
        max_length=200,
        required=False,
        help_text=_("単位が「（文章で判定）」のときは必須。数値目標に添える表記にも使います。"),
    )
    measurement = forms.ChoiceField(label=_("計測"), choices=Item.Measurement.choices)
    period = forms.ChoiceField(label=_("期間"), choices=Item.Period.choices)
    rule = forms.ChoiceField(label=_("算出規則"), required=False)
    rule_params = forms.JSONField(
        label=_("算出の設定（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    exclusions = forms.CharField(
        label=_("除外（理由）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("除外するもの：理由、を1行に一つ。"),
    )
    method = forms.CharField(
        label=_("計測方法（SLA 実施手順書）"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=10000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, current_rule: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        rules = sorted(computations.all_rules().values(), key=lambda r: r.code)
        choices = [("", _("（なし）"))] + [(r.code, f"{r.code} — {r.label}") for r in rules]
        if current_rule and current_rule not in {r.code for r in rules}:
            choices.append((current_rule, _("%(code)s（未登録）") % {"code": current_rule}))
        self.fields["rule"].choices = choices

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if data.get("rule_params") is None:
            data["rule_params"] = {}
        if data.get("order") is None:
            data["order"] = 0
        return data


MET_CHOICES = [("", _("（実績値から判定）")), ("1", _("達成")), ("0", _("未達"))]


def _met(value):
    return {"1": True, "0": False}.get(value)


class EvidenceForm(forms.Form):
    met = forms.TypedChoiceField(
        label=_("判定"), choices=MET_CHOICES, coerce=_met, empty_value=None, required=False
    )
    value = forms.DecimalField(label=_("実績値"), max_digits=14, decimal_places=3, required=False)
    note = forms.CharField(
        label=_("確認内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("確認した内容。確認資料を添付する場合は省略できます。"),
    )
    file = forms.FileField(
        label=_("確認資料"),
        required=False,
        help_text=_("PDF・Excel（.xlsx）・Word（.docx）・PNG・JPEG、10 MB まで。"),
    )
    confirmed_at = forms.DateTimeField(
        label=_("確認日時"), widget=DATETIME, required=False, help_text=_("空欄のときは現在")
    )

    def __init__(self, *args, max_bytes: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if max_bytes:
            self.fields["file"].help_text = _(
                "PDF・Excel（.xlsx）・Word（.docx）・PNG・JPEG、%(mb)s MB まで。"
            ) % {"mb": f"{max_bytes / 1024 / 1024:g}"}


class PlanForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("担当"), queryset=None, required=False)
    cause = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    policy_text = forms.CharField(
        label=_("改善方針"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    countermeasure = forms.CharField(
        label=_("改善内容"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = selectors.vendor_managers()
        self.fields["owner"].label_from_instance = lambda u: u.name


class PlanFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状態"),
        choices=[("", _("すべて")), *ImprovementPlan.Status.choices],
        required=False,
    )
    profile = forms.ChoiceField(
        label=_("自治体"), choices=[("", _("すべて")), *profile_choices()], required=False
    )
