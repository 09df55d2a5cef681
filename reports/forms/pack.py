"""定例報告会議 報告書（図表7-1）と成果物一覧: the month chooser."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reports.services.pack import annual_fiscal_year, deliverable_month


class DeliverableMonthForm(forms.Form):
    month = forms.CharField(
        label=_("対象月"),
        max_length=7,
        widget=forms.DateInput(attrs={"type": "month"}),
        error_messages={"required": _("対象月を指定してください。")},
    )

    def clean_month(self):
        try:
            return deliverable_month(self.cleaned_data["month"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["month"]) from None


class AnnualReportForm(forms.Form):
    fiscal_year = forms.CharField(
        label=_("年度"),
        max_length=4,
        widget=forms.NumberInput(attrs={"min": 2000, "max": 2100}),
        error_messages={"required": _("年度を指定してください。")},
    )

    def clean_fiscal_year(self):
        try:
            return annual_fiscal_year(self.cleaned_data["fiscal_year"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["fiscal_year"]) from None


class MonthlyReportForm(forms.Form):
    """Issue (or reissue) the month's 定例報告会議 報告書."""

    month = forms.CharField(
        label=_("対象年月"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"required": _("対象年月を入力してください。")},
    )
    reason = forms.CharField(
        label=_("再発行の理由（発行済みの月のみ）"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
