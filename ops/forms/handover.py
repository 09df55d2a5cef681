"""引継ぎ用の全データ出力（神戸 6.1）."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ops.models.handover import HandoverExport


class HandoverRequestForm(forms.Form):
    encoding = forms.ChoiceField(
        label=_("文字コード"),
        choices=HandoverExport.Encoding.choices,
        initial=HandoverExport.Encoding.UTF8_BOM,
        help_text=_(
            "通常は UTF-8（BOM付き）。CP932 では、正確に表せない文字（𠮷 や波ダッシュ〜 U+301C など）"
            "が一つでもあると、その表・列・行と文字を示して出力を止めます。"
        ),
    )
    reason = forms.CharField(
        label=_("目的・理由"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("例: 契約終了に伴う次期事業者へのデータ引継ぎ（神戸市仕様 6.1）"),
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("目的・理由を入力してください。"))
        return reason
