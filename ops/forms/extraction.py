"""データ抽出依頼: the request form is built from the definition's declared parameters."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.extracts import ExtractDefinition, ParamKind
from ops.models import ExtractionRequest


def _parameter_field(p) -> forms.Field:
    common = {"label": p.label, "required": p.required, "help_text": p.help_text}
    if p.kind == ParamKind.DATE:
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            error_messages={
                "required": f"「{p.label}」を入力してください。",
                "invalid": f"「{p.label}」は日付（例: 2026-04-01）で入力してください。",
            },
            **common,
        )
    if p.kind in (ParamKind.CODE, ParamKind.CHOICE):
        choices = p.choice_list()
        if not p.required:
            choices = [("", "（指定なし）"), *choices]
        return forms.ChoiceField(
            choices=choices,
            error_messages={
                "required": f"「{p.label}」を選んでください。",
                "invalid_choice": f"「{p.label}」に選べない値が指定されています。",
            },
            **common,
        )
    if p.kind == ParamKind.NUMBERS:
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 5}),
            error_messages={"required": f"「{p.label}」を入力してください。"},
            **common,
        )
    if p.kind == ParamKind.BOOL:
        return forms.BooleanField(label=p.label, required=False, help_text=p.help_text)
    return forms.CharField(
        max_length=p.max_length,
        error_messages={"required": f"「{p.label}」を入力してください。"},
        **common,
    )


class ExtractionRequestForm(forms.Form):
    """Parameters first (one field each, named as declared), then columns, format, purpose."""

    def __init__(self, *args, definition: ExtractDefinition, role_codes, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        for p in definition.parameters:
            self.fields[p.name] = _parameter_field(p)
        visible = {c.key for c in definition.columns_visible_to(role_codes)}
        self.fields["columns"] = forms.MultipleChoiceField(
            label=_("出力する列"),
            choices=[
                (c.key, c.label if c.key in visible else f"{c.label}（あなたの役割では不可）")
                for c in definition.columns
            ],
            widget=forms.CheckboxSelectMultiple,
            initial=[c.key for c in definition.columns if c.key in visible],
            error_messages={"required": "出力する列を1つ以上選んでください。"},
        )
        self.fields["output_format"] = forms.ChoiceField(
            label=_("出力形式"),
            choices=ExtractionRequest.Format.choices,
            initial=ExtractionRequest.Format.XLSX,
        )
        self.fields["purpose"] = forms.CharField(
            label=_("利用目的"),
            widget=forms.Textarea(attrs={"rows": 3}),
            max_length=2000,
            help_text=_("何のために使うか（例: 令和8年度 虐待対応件数の検証のため）"),
            error_messages={"required": "利用目的を入力してください。"},
        )

    def parameter_values(self) -> dict:
        return {p.name: self.cleaned_data.get(p.name) for p in self.definition.parameters}


class DecisionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("補足・却下理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RunForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
