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
    version = forms.IntegerField(widget=forms.HiddenInput)
