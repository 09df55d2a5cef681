"""Forms of the SLA reports and the dashboard.

Forms check types and required fields and name the field at fault; the period rules
(finished, within the contract, one report per period) live in sla.services.reports and
come back onto the form by field.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import add_service_errors
from core.profiles import PROFILES
from sla.models import Report


def _profile_name(code: str) -> str:
    preset = PROFILES.get(code)
    return preset.name if preset else code


class ReportCreateForm(forms.Form):
    profile = forms.ChoiceField(label=_("自治体（契約）"))
    kind = forms.ChoiceField(
        label=_("種別"), choices=Report.Kind.choices, initial=Report.Kind.MONTHLY
    )
    month = forms.DateField(
        label=_("対象月（月次）"),
        input_formats=["%Y-%m"],
        required=False,
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    fiscal_year = forms.IntegerField(
        label=_("対象年度（年次、西暦）"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("例: 2025 は 2025年4月〜2026年3月（令和7年度）。"),
    )

    def __init__(self, *args, profiles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(code, _profile_name(code)) for code in profiles]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Report.Kind.MONTHLY and not data.get("month") and "month" not in self.errors:
            self.add_error("month", _("対象月を入力してください（例: 2025-05）。"))
        if (
            kind == Report.Kind.YEARLY
            and data.get("fiscal_year") is None
            and "fiscal_year" not in self.errors
        ):
            self.add_error("fiscal_year", _("対象年度を入力してください（例: 2025）。"))
        return data

    @property
    def period_field(self) -> str:
        return "fiscal_year" if self.cleaned_data.get("kind") == Report.Kind.YEARLY else "month"

    def period_start(self) -> date:
        if self.cleaned_data["kind"] == Report.Kind.YEARLY:
            return date(self.cleaned_data["fiscal_year"], 4, 1)
        return self.cleaned_data["month"]

    def add_service_errors(self, exc: ValidationError) -> None:
        """The service names ``period_start``; on this form it is the month or the year."""
        if hasattr(exc, "error_dict") and "period_start" in exc.error_dict:
            errors = dict(exc.error_dict)
            self.add_error(self.period_field, errors.pop("period_start"))
            if not errors:
                return
            exc = ValidationError(errors)
        add_service_errors(self, exc)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReasonForm(VersionForm):
    reason = forms.CharField(
        label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class ReissueForm(forms.Form):
    reason = forms.CharField(
        label=_("再発行の理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class SummaryForm(VersionForm):
    comment = forms.CharField(
        label=_("総括"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        help_text=_("次に作成し直したときに報告書へ反映されます。"),
    )


class ReportCommentForm(forms.Form):
    item_number = forms.ChoiceField(label=_("項目"), required=False)
    body = forms.CharField(
        label=_("コメント"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )

    def __init__(self, *args, items: list[tuple[str, str]], allow_items: bool, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("報告書全体"))]
        if allow_items:
            choices += [(number, f"{number} {name}") for number, name in items]
        self.fields["item_number"].choices = choices


class ReportFilterForm(forms.Form):
    profile = forms.ChoiceField(label=_("自治体"), required=False)
    kind = forms.ChoiceField(
        label=_("種別"), required=False, choices=[("", _("すべて")), *Report.Kind.choices]
    )

    def __init__(self, *args, profiles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [("", _("すべて"))] + [
            (code, _profile_name(code)) for code in profiles
        ]


class DashboardForm(forms.Form):
    profile = forms.ChoiceField(label=_("自治体"), required=False)

    def __init__(self, *args, profiles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(code, _profile_name(code)) for code in profiles]


class RecomputeForm(forms.Form):
    profile = forms.CharField(max_length=20, widget=forms.HiddenInput)
    month = forms.DateField(input_formats=["%Y-%m"], widget=forms.HiddenInput)
