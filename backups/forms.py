from django import forms
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from backups.models import Generation

KEY_FILE_MAX_BYTES = 10 * 1024
SYSTEM_LABELS = [("", "---------"), ("変更前", _("変更前")), ("変更後", _("変更後"))]


class BackupForm(forms.Form):
    """今すぐバックアップ: manual, or a system backup before/after a change."""

    kind = forms.ChoiceField(
        label=_("種別"),
        choices=[
            (Generation.Kind.MANUAL, Generation.Kind.MANUAL.label),
            (Generation.Kind.SYSTEM, Generation.Kind.SYSTEM.label),
        ],
        initial=Generation.Kind.MANUAL,
    )
    label = forms.ChoiceField(
        label=_("ラベル（システムバックアップ）"), choices=SYSTEM_LABELS, required=False
    )
    change_ref = forms.CharField(
        label=_("変更番号"),
        max_length=100,
        required=False,
        help_text=_("システムバックアップでは必須です（変更管理の番号）。"),
    )
    force_window = forms.BooleanField(label=_("業務時間帯でも実行する"), required=False)

    def __init__(self, *args, window_open: bool = True, window_reason: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.window_open = window_open
        self.window_reason = window_reason
        if window_open:
            del self.fields["force_window"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        data["change_ref"] = (data.get("change_ref") or "").strip()
        if kind == Generation.Kind.SYSTEM:
            if not data.get("label"):
                self.add_error(
                    "label", _("システムバックアップは「変更前」か「変更後」を選んでください。")
                )
            if not data["change_ref"]:
                self.add_error("change_ref", _("システムバックアップには変更番号が必要です。"))
        else:
            data["label"] = ""
        if self.window_open:
            data["force_window"] = False
        elif not data.get("force_window"):
            self.add_error(
                "force_window",
                _("業務時間帯に実行するには「業務時間帯でも実行する」にチェックしてください。"),
            )
        return data


def looks_like_age_identity(content: bytes) -> bool:
    """An age-keygen identity file: ``# ...`` comment lines and an AGE-SECRET-KEY- line."""
    try:
        text = content.decode("ascii")
    except UnicodeDecodeError:
        return False
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    keys = [line for line in lines if line.startswith("AGE-SECRET-KEY-")]
    others = [line for line in lines if not line.startswith(("AGE-SECRET-KEY-", "#"))]
    return bool(keys) and not others


class RestoreForm(forms.Form):
    reason = forms.CharField(
        label=_("理由（市の指示）"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("誰の指示で、なぜこの時点に戻すのかを記入してください。"),
    )
    incident_number = forms.CharField(label=_("関連する障害番号"), max_length=40, required=False)
    identity = forms.FileField(
        label=_("復号鍵（age の秘密鍵ファイル）"),
        help_text=_("鍵はこの復元にだけ使い、保存しません（10分で破棄）。"),
    )
    confirm_name = forms.CharField(
        label=_("確認のため世代名を入力"),
        max_length=80,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    force = forms.BooleanField(label=_("検証の問題を承知の上で復元する"), required=False)

    def __init__(self, *args, generation: Generation, **kwargs):
        super().__init__(*args, **kwargs)
        self.generation = generation

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("復元の理由（市の指示）を入力してください。"))
        return reason

    @sensitive_variables("content")
    def clean_identity(self) -> bytes:
        upload = self.cleaned_data["identity"]
        if upload.size > KEY_FILE_MAX_BYTES:
            raise forms.ValidationError(_("鍵ファイルが大きすぎます（10 KB まで）。"))
        content = upload.read(KEY_FILE_MAX_BYTES + 1)
        if len(content) > KEY_FILE_MAX_BYTES or not looks_like_age_identity(content):
            raise forms.ValidationError(
                _(
                    "age の秘密鍵ファイルではありません"
                    "（「AGE-SECRET-KEY-」で始まる行を含むファイルを選んでください）。"
                )
            )
        return content

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"]
        if typed != self.generation.name:
            raise forms.ValidationError(
                _("世代名が一致しません。復元する世代の名前を正確に入力してください。")
            )
        return typed
