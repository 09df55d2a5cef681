"""システム統計情報（資源の計測・月次統計・テンプレート）."""

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("対象年月"),
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"required": _("対象年月を入力してください。")},
    )

    def clean_month(self) -> date:
        value = self.cleaned_data["month"]
        try:
            year, month = (int(x) for x in value.split("-"))
            return date(year, month, 1)
        except ValueError as exc:
            raise forms.ValidationError(_("対象年月は「2026-04」の形で入力してください。")) from exc


class TemplateUploadForm(forms.Form):
    file = forms.FileField(
        label=_("テンプレート（.xlsx）"),
        error_messages={"required": _("テンプレートのファイルを選んでください。")},
    )
