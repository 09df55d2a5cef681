"""定常運用の予定と実績、パラメータ変更管理、研修."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from accounts.selectors import units_on
from ops.models.routine import (
    RESPONSIBLE_ROLE_CHOICES,
    WEEKDAY_CHOICES,
    ParameterChange,
    RoutineOperation,
    TrainingSession,
)
from ops.services.routine import EVIDENCE_EXTENSIONS, MATERIAL_EXTENSIONS, check_upload

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _file_clean(form, name: str, allowed) -> object:
    upload = form.cleaned_data.get(name)
    try:
        check_upload(upload, field=name, allowed=allowed)
    except ValidationError as exc:
        raise forms.ValidationError(exc.message_dict[name]) from exc
    return upload


class MonthForm(forms.Form):
    month = forms.DateField(label=_("月"), input_formats=["%Y-%m"], required=False)


class OperationForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    category = forms.ChoiceField(label=_("分類"), choices=RoutineOperation.Category.choices)
    description = forms.CharField(
        label=_("作業内容・手順"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    frequency = forms.ChoiceField(label=_("頻度"), choices=RoutineOperation.Frequency.choices)
    weekday = forms.TypedChoiceField(
        label=_("曜日（毎週）"),
        choices=[("", "---"), *WEEKDAY_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    month = forms.IntegerField(label=_("月（毎年）"), min_value=1, max_value=12, required=False)
    day_of_month = forms.IntegerField(
        label=_("日（毎月・毎年）"),
        min_value=1,
        max_value=31,
        required=False,
        help_text=_("月末を超える日はその月の末日になります。"),
    )
    business_day_ordinal = forms.IntegerField(
        label=_("第n営業日（毎月）"),
        min_value=1,
        max_value=20,
        required=False,
        help_text=_("毎月の場合、日の代わりに指定できます。"),
    )
    on_non_business_day = forms.ChoiceField(
        label=_("閉庁日に当たるとき"),
        choices=RoutineOperation.NonBusinessDay.choices,
        initial=RoutineOperation.NonBusinessDay.PREVIOUS,
    )
    due_time = forms.TimeField(label=_("期限時刻"), widget=TIME)
    deliverable = forms.CharField(
        label=_("成果物"),
        max_length=200,
        required=False,
        help_text=_("納品する成果物があれば、その名称（例: システム統計情報（月次））。"),
    )
    responsible_role = forms.ChoiceField(label=_("担当"), choices=RESPONSIBLE_ROLE_CHOICES)
    lead_days = forms.IntegerField(
        label=_("準備期間（日）"),
        min_value=0,
        max_value=365,
        initial=0,
        help_text=_("期限の何日前から「期限間近」として表示するか。"),
    )
    active = forms.BooleanField(label=_("有効"), required=False, initial=True)
    valid_from = forms.DateField(label=_("適用開始日"), widget=DATE)
    valid_to = forms.DateField(label=_("適用終了日"), widget=DATE, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DoneForm(forms.Form):
    done_at = forms.DateTimeField(label=_("実施日時"), widget=DATETIME)
    evidence_note = forms.CharField(
        label=_("実施記録"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        help_text=_("確認した内容・結果。証跡ファイルを添付する場合は省略できます。"),
    )
    evidence_file = forms.FileField(label=_("証跡ファイル"), required=False)
    deliverable_delivered_at = forms.DateTimeField(
        label=_("成果物の納品日時"), widget=DATETIME, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, deliverable: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if deliverable:
            self.fields["deliverable_delivered_at"].label = _("成果物「%(name)s」の納品日時") % {
                "name": deliverable
            }
        else:
            del self.fields["deliverable_delivered_at"]

    def clean_evidence_file(self):
        return _file_clean(self, "evidence_file", EVIDENCE_EXTENSIONS)


class UndoForm(forms.Form):
    reason = forms.CharField(label=_("取り消す理由"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ParameterRequestForm(forms.Form):
    target_kind = forms.ChoiceField(
        label=_("対象の種類"), choices=ParameterChange.TargetKind.choices
    )
    target = forms.CharField(
        label=_("対象（設定名・コード表名）"),
        max_length=200,
        help_text=_("例: 受付時間の設定、コード表「相談種別」"),
    )
    description = forms.CharField(
        label=_("変更内容"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    reason = forms.CharField(
        label=_("変更理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    requested_at = forms.DateTimeField(label=_("申請日時"), widget=DATETIME)


class ParameterFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[("", _("すべて")), *ParameterChange.Status.choices],
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("却下の理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ApplyForm(forms.Form):
    applied_at = forms.DateTimeField(label=_("適用日時"), widget=DATETIME)
    note = forms.CharField(
        label=_("適用の記録"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("適用した環境・手順・確認結果など。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class EmergencyApplyForm(ApplyForm):
    reason = forms.CharField(
        label=_("承認前に適用した理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        help_text=_("障害復旧など緊急の場合のみ。市の事後承認が必要です。"),
    )

    field_order = ["applied_at", "reason", "note", "version"]


class TrainingForm(forms.Form):
    title = forms.CharField(label=_("研修名"), max_length=200)
    planned_date = forms.DateField(label=_("予定日"), widget=DATE)
    status = forms.ChoiceField(label=_("状態"), choices=TrainingSession.Status.choices)
    held_date = forms.DateField(label=_("実施日"), widget=DATE, required=False)
    target_units = forms.ModelMultipleChoiceField(
        label=_("対象組織"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    attendees = forms.ModelMultipleChoiceField(
        label=_("受講者（職員）"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
    )
    attendee_count = forms.IntegerField(
        label=_("受講者数"),
        min_value=0,
        required=False,
        help_text=_("職員として登録されていない受講者を含めた人数。"),
    )
    attendee_names_note = forms.CharField(
        label=_("受講者（氏名等）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )
    material = forms.FileField(label=_("研修資料"), required=False)
    notes = forms.CharField(
        label=_("備考"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
        help_text=_("中止の場合はその理由。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, session: TrainingSession | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        units = units_on().exclude(kind=OrgUnit.Kind.VENDOR)
        users = User.objects.filter(is_active=True)
        if session is not None and session.pk:
            # Keep what was chosen even if the unit has since closed or the user left.
            units = OrgUnit.objects.filter(
                Q(pk__in=units.values("pk")) | Q(pk__in=session.target_units.values("pk"))
            )
            users = User.objects.filter(
                Q(pk__in=users.values("pk")) | Q(pk__in=session.attendees.values("pk"))
            )
        self.fields["target_units"].queryset = units.order_by("code", "valid_from")
        self.fields["attendees"].queryset = users.order_by("employee_number")

    def clean_material(self):
        return _file_clean(self, "material", MATERIAL_EXTENSIONS)
