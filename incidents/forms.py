from django import forms
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class IncidentForm(forms.Form):
    title = forms.CharField(label=_("件名"), max_length=200)
    source = forms.ChoiceField(label=_("発見経路"), choices=Incident.Source.choices)
    kind = forms.ChoiceField(label=_("種別"), choices=Incident.Kind.choices)
    severity = forms.IntegerField(label=_("重大度（1〜4）"), min_value=1, max_value=4, initial=3)
    aware_at = forms.DateTimeField(label=_("認知日時"), widget=DATETIME)
    affected_functions = forms.CharField(label=_("影響する機能"), max_length=500, required=False)
    scope = forms.CharField(
        label=_("影響範囲"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ClockStopForm(forms.Form):
    at = forms.DateTimeField(label=_("日時"), widget=DATETIME)
    note = forms.CharField(label=_("方法・相手（例: 電話 こども家庭支援課 ○○氏）"), max_length=300)


class TimelineForm(forms.Form):
    at = forms.DateTimeField(label=_("日時"), widget=DATETIME)
    text = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class RecoverForm(forms.Form):
    recovered_at = forms.DateTimeField(label=_("復旧日時"), widget=DATETIME)


class IncidentEditForm(forms.Form):
    title = forms.CharField(label=_("件名"), max_length=200)
    severity = forms.IntegerField(label=_("重大度（1〜4）"), min_value=1, max_value=4)
    aware_at = forms.DateTimeField(
        label=_("認知日時"),
        widget=DATETIME,
        help_text=_("訂正すると、認知から始まる期限の計測も移動します。"),
    )
    affected_functions = forms.CharField(label=_("影響する機能"), max_length=500, required=False)
    scope = forms.CharField(
        label=_("影響範囲"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    cause = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    vendor_caused = forms.BooleanField(label=_("委託事業者の人的要因"), required=False)
    countermeasure = forms.CharField(
        label=_("対応内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    prevention = forms.CharField(
        label=_("予防策・是正策"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    onsite_needed = forms.BooleanField(label=_("現地対応の要否"), required=False)
    onsite_arrived_at = forms.DateTimeField(
        label=_("現地到着日時"), widget=DATETIME, required=False
    )
    problem = forms.ModelChoiceField(
        label=_("問題（根本原因）"),
        queryset=None,
        required=False,
        help_text=_("同じ原因の障害をまとめます（再発の有無を示すため）。"),
    )
    reported_to_city_at = forms.DateTimeField(
        label=_("市への報告日時（セキュリティ事象）"), widget=DATETIME, required=False
    )
    investigation_result = forms.CharField(
        label=_("調査結果"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        from incidents.models import Problem

        super().__init__(*args, **kwargs)
        self.fields["problem"].queryset = Problem.objects.order_by("-pk")


class PauseForm(forms.Form):
    at = forms.DateTimeField(label=_("日時"), widget=DATETIME)
    reason = forms.CharField(label=_("一時停止の理由"), max_length=300)
    approver = forms.ModelChoiceField(label=_("承認者"), queryset=None)

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        from accounts import roles

        super().__init__(*args, **kwargs)
        self.fields["approver"].queryset = (
            get_user_model()
            .objects.filter(
                is_active=True, groups__name__in=[roles.VENDOR_MANAGER, roles.CITY_ADMIN]
            )
            .distinct()
            .order_by("employee_number")
        )


class AgreeForm(forms.Form):
    agreed_due_at = forms.DateTimeField(label=_("合意した復旧目標"), widget=DATETIME)
    note = forms.CharField(label=_("合意の相手・方法"), max_length=200, required=False)


class PlannedStopForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("開始予定"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("終了予定"), widget=DATETIME)
    reason = forms.CharField(label=_("理由"), max_length=300)
