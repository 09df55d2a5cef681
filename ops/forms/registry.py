"""構成管理・ライセンス・文書・リリース、ウイルス定義・パッチ・マルウェア検知.

Forms check types and required fields; the rules between fields (verification first,
applied after release, a reason for 不適用 …) live in ops.services.registry and come back
onto the named field through core.forms.add_service_errors.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from ops.models.registry import (
    Document,
    Environment,
    MalwareDetection,
    Patch,
    Server,
    SoftwareItem,
)
from ops.selectors import registry as selectors
from ops.services.registry import upload_error

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


class VersionedForm(forms.Form):
    """An edit form carries the version it was loaded with (optimistic locking)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _environment_field(**kwargs):
    return forms.ModelChoiceField(
        label=_("環境"), queryset=Environment.objects.order_by("order", "code"), **kwargs
    )


def _server_field(**kwargs):
    return forms.ModelChoiceField(
        label=_("サーバー"),
        queryset=Server.objects.select_related("environment").order_by(
            "environment__order", "name"
        ),
        **kwargs,
    )


def _software_field(label=None, **kwargs):
    return forms.ModelChoiceField(
        label=label or _("対象ソフトウェア"),
        queryset=SoftwareItem.objects.order_by("category", "name"),
        **kwargs,
    )


class EnvironmentForm(VersionedForm):
    code = forms.SlugField(label=_("コード"), max_length=30, help_text=_("例: production"))
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("種別"), choices=Environment.Kind.choices)
    order = forms.IntegerField(label=_("表示順"), min_value=0, max_value=999, initial=0)
    note = forms.CharField(label=_("備考"), widget=TEXTAREA, required=False, max_length=2000)


class ServerForm(VersionedForm):
    environment = _environment_field()
    name = forms.CharField(label=_("サーバー名"), max_length=100)
    role = forms.CharField(label=_("用途"), max_length=100, required=False)
    os = forms.CharField(label=_("OS"), max_length=100, required=False)
    active = forms.BooleanField(label=_("稼働中"), required=False, initial=True)
    note = forms.CharField(label=_("備考"), widget=TEXTAREA, required=False, max_length=2000)


class SoftwareForm(VersionedForm):
    name = forms.CharField(label=_("名称"), max_length=200)
    category = forms.ChoiceField(label=_("分類"), choices=SoftwareItem.Category.choices)
    vendor = forms.CharField(label=_("提供元"), max_length=200, required=False)
    support_ends_on = forms.DateField(label=_("サポート終了日"), widget=DATE, required=False)
    note = forms.CharField(label=_("備考"), widget=TEXTAREA, required=False, max_length=2000)


class InstalledVersionForm(forms.Form):
    software = _software_field(label=_("ソフトウェア"))
    environment = _environment_field()
    installed_version = forms.CharField(label=_("バージョン"), max_length=100)
    installed_on = forms.DateField(label=_("導入日"), widget=DATE, required=False)


class LicenceForm(VersionedForm):
    name = forms.CharField(label=_("ライセンス名"), max_length=200)
    software = _software_field(required=False)
    count = forms.IntegerField(
        label=_("ライセンス数"),
        min_value=0,
        max_value=10_000_000,
        error_messages={
            "min_value": _("ライセンス数は0以上の整数で入力してください。"),
            "invalid": _("ライセンス数は0以上の整数で入力してください。"),
            "required": _("ライセンス数を入力してください。"),
        },
    )
    holder = forms.CharField(label=_("名義"), max_length=200)
    expires_on = forms.DateField(
        label=_("有効期限"), widget=DATE, required=False, help_text=_("無期限なら空欄")
    )
    warn_days = forms.IntegerField(
        label=_("期限前の警告（日前）"),
        min_value=0,
        max_value=3650,
        initial=30,
        error_messages={"min_value": _("警告の日数は0以上で入力してください。")},
    )
    note = forms.CharField(label=_("備考"), widget=TEXTAREA, required=False, max_length=2000)


class _UploadMixin:
    upload_fields: tuple[str, ...] = ()

    def clean(self):
        data = super().clean()
        for name in self.upload_fields:
            upload = data.get(name)
            if upload:
                problem = upload_error(upload)
                if problem:
                    self.add_error(name, problem)
        return data


class DocumentForm(_UploadMixin, VersionedForm):
    upload_fields = ("file",)

    kind = forms.ChoiceField(label=_("種類"), choices=Document.Kind.choices)
    title = forms.CharField(label=_("文書名"), max_length=200)
    doc_version = forms.CharField(label=_("版"), max_length=50)
    issued_on = forms.DateField(label=_("発行日"), widget=DATE)
    file = forms.FileField(label=_("ファイル"), required=False)
    note = forms.CharField(label=_("備考"), widget=TEXTAREA, required=False, max_length=2000)


class ReleaseForm(_UploadMixin, VersionedForm):
    upload_fields = ("change_document",)

    environment = _environment_field()
    released_at = forms.DateTimeField(label=_("リリース日時"), widget=DATETIME)
    title = forms.CharField(label=_("件名"), max_length=200)
    description = forms.CharField(
        label=_("変更内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    software = _software_field(
        required=False, help_text=_("指定すると、この環境の導入バージョンも更新します。")
    )
    release_version = forms.CharField(label=_("バージョン"), max_length=100)
    change_document = forms.FileField(label=_("変更内容説明書"), required=False)


class VirusDefinitionForm(VersionedForm):
    server = _server_field()
    definition_version = forms.CharField(label=_("定義バージョン"), max_length=100)
    released_on = forms.DateField(label=_("公開日"), widget=DATE)
    applied_on = forms.DateField(
        label=_("適用日"), widget=DATE, required=False, help_text=_("公開から7日以内")
    )
    note = forms.CharField(label=_("備考"), max_length=500, required=False)


class VirusBulkForm(forms.Form):
    servers = forms.ModelMultipleChoiceField(
        label=_("サーバー"),
        queryset=Server.objects.filter(active=True)
        .select_related("environment")
        .order_by("environment__order", "name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("サーバーを1台以上選んでください。")},
    )
    definition_version = forms.CharField(label=_("定義バージョン"), max_length=100)
    released_on = forms.DateField(label=_("公開日"), widget=DATE)
    applied_on = forms.DateField(label=_("適用日"), widget=DATE, required=False)


class PatchForm(VersionedForm):
    software = _software_field()
    identifier = forms.CharField(label=_("識別子"), max_length=100)
    title = forms.CharField(label=_("件名"), max_length=300)
    released_on = forms.DateField(label=_("公開日"), widget=DATE, help_text=_("期限は公開から30日"))
    verified_on = forms.DateField(label=_("検証日（検証環境）"), widget=DATE, required=False)
    verification_result = forms.ChoiceField(
        label=_("検証結果"), choices=[("", "—"), *Patch.Result.choices], required=False
    )
    verification_note = forms.CharField(
        label=_("検証の記録"), widget=TEXTAREA, required=False, max_length=5000
    )
    decision = forms.ChoiceField(
        label=_("適用可否"), choices=[("", _("未判断")), *Patch.Decision.choices], required=False
    )
    decision_reason = forms.CharField(
        label=_("適用可否の理由"),
        widget=TEXTAREA,
        required=False,
        max_length=5000,
        help_text=_("「不適用」では必須です。"),
    )
    applied_on = forms.DateField(label=_("本番適用日"), widget=DATE, required=False)
    unverified_reason = forms.CharField(
        label=_("検証前に本番へ適用した理由"),
        widget=TEXTAREA,
        required=False,
        max_length=5000,
        help_text=_("検証環境での検証を記録する前に本番へ適用した場合に必須です。"),
    )


class MalwareDetectionForm(VersionedForm):
    server = _server_field()
    detected_at = forms.DateTimeField(label=_("検知日時"), widget=DATETIME)
    name = forms.CharField(label=_("検知名"), max_length=200)
    handling = forms.CharField(
        label=_("対処内容"), widget=TEXTAREA, required=False, max_length=10000
    )
    status = forms.ChoiceField(label=_("状態"), choices=MalwareDetection.Status.choices)
    incident_number = forms.CharField(
        label=_("障害番号（セキュリティ事象）"),
        max_length=20,
        required=False,
        help_text=_("障害として登録した番号（例: I8-0001）"),
    )


class SoftwareFilterForm(forms.Form):
    q = forms.CharField(label=_("名称・提供元"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=_("分類"), required=False, choices=[("", _("すべて")), *SoftwareItem.Category.choices]
    )


class PatchFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[("open", _("未完了")), ("overdue", _("期限超過")), ("all", _("すべて"))],
    )
    q = forms.CharField(label=_("識別子・件名・ソフトウェア"), required=False, max_length=100)

    def clean_state(self):
        state = self.cleaned_data.get("state") or "open"
        return state if state in selectors.PATCH_FILTERS else "open"
