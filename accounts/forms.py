from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("職員番号"),
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    error_messages = {
        "invalid_login": _(
            "職員番号またはパスワードが正しくありません。"
            "続けて失敗するとアカウントが一時的にロックされます。"
        ),
        "inactive": _("このアカウントは無効です。システム管理者に連絡してください。"),
    }
