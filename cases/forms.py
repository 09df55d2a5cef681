from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from cases.codes_seed import CLOSURE_REASONS
from cases.models import (
    AbuseReport,
    CaseAssignment,
    Code,
    Consultation,
    Diagnosis,
    Meeting,
    Person,
    ProgressNote,
    Protection,
    SafetyCheck,
)
from cases.models.notes import NOTE_MAX_CHARS
from core.timeutil import now_jst

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def code_choices(list_key: str, *, leaves_only: bool = True):
    today = now_jst().date()
    qs = Code.objects.valid_on(today).filter(code_list__key=list_key).select_related("group")
    if leaves_only:
        qs = qs.filter(group__isnull=False)
    return qs.order_by("order", "code")


class CodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("氏名（漢字・かな）"), required=False, max_length=100)
    number = forms.CharField(label=_("受付番号"), required=False, max_length=20)
    birth_date = forms.DateField(label=_("生年月日"), required=False, widget=DATE)
    guardian = forms.CharField(label=_("保護者氏名"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[("", _("すべて")), ("open", _("終結以外")), *Consultation.Status.choices],
    )
    worker = forms.ModelChoiceField(label=_("担当者"), required=False, queryset=User.objects.none())

    def __init__(self, *args, workers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = workers if workers is not None else User.objects.none()


class IntakeForm(forms.Form):
    received_at = forms.DateTimeField(label=_("受付日時"), widget=DATETIME)
    channel = forms.ChoiceField(label=_("受付方法"), choices=Consultation.Channel.choices)
    route = CodeChoiceField(label=_("相談経路"), queryset=Code.objects.none())
    consultation_type = CodeChoiceField(label=_("相談種別"), queryset=Code.objects.none())
    main_concern = forms.CharField(
        label=_("主訴"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    # the child: an existing person, or a new one
    child_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    confirm_new_child = forms.BooleanField(
        label=_("候補の児童とは別人として新しく登録する"), required=False
    )
    child_name = forms.CharField(label=_("児童氏名"), max_length=100, required=False)
    child_kana = forms.CharField(label=_("児童フリガナ"), max_length=100, required=False)
    child_sex = forms.ChoiceField(
        label=_("性別"), choices=Person.Sex.choices, initial=Person.Sex.UNKNOWN
    )
    child_birth_date = forms.DateField(label=_("生年月日"), required=False, widget=DATE)
    child_address = forms.CharField(label=_("住所"), max_length=200, required=False)
    child_school = forms.CharField(label=_("学校・保育所等"), max_length=100, required=False)
    child_address_confidential = forms.BooleanField(
        label=_("住所秘匿（DV等支援措置）"), required=False
    )
    guardian_name = forms.CharField(label=_("保護者氏名"), max_length=100, required=False)
    guardian_kana = forms.CharField(label=_("保護者フリガナ"), max_length=100, required=False)
    guardian_relation = forms.CharField(
        label=_("続柄"), max_length=30, required=False, initial="実母"
    )
    guardian_is_adversary = forms.BooleanField(
        label=_("加害者等（児童の住所を秘匿する相手）"), required=False
    )
    reporter_anonymous = forms.BooleanField(label=_("通告者は匿名"), required=False)
    reporter_name = forms.CharField(label=_("通告者氏名"), max_length=100, required=False)
    reporter_contact = forms.CharField(label=_("通告者連絡先"), max_length=200, required=False)
    reporter_relation = forms.CharField(label=_("児童との関係"), max_length=100, required=False)
    is_abuse = forms.BooleanField(
        label=_("虐待通告として受け付ける（48時間以内の安全確認）"), required=False
    )
    abuse_types = forms.MultipleChoiceField(
        label=_("虐待種別"),
        choices=AbuseReport.AbuseType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(
        label=_("緊急度"), choices=[("", "—"), *AbuseReport.Urgency.choices], required=False
    )
    perpetrator = forms.CharField(label=_("主な虐待者"), max_length=30, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["route"].queryset = code_choices("keiro", leaves_only=False)
        self.fields["consultation_type"].queryset = code_choices("soudan_shubetsu")
        if not self.is_bound:
            self.initial.setdefault("received_at", now_jst().replace(second=0, microsecond=0))

    def clean(self):
        data = super().clean()
        if not data.get("child_id"):
            for name in ("child_name", "child_kana"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("新しい児童の氏名とフリガナを入力してください。"))
        if data.get("is_abuse"):
            if not data.get("abuse_types"):
                self.add_error("abuse_types", _("虐待種別を1つ以上選んでください。"))
            if not data.get("urgency"):
                self.add_error("urgency", _("緊急度を選んでください。"))
        reported = data.get("channel") == Consultation.Channel.REPORT
        named = (data.get("reporter_name") or "").strip()
        if reported and not data.get("reporter_anonymous") and not named:
            self.add_error(
                "reporter_name", _("通告者の氏名を入力するか、匿名にチェックしてください。")
            )
        return data


class NoteForm(forms.Form):
    occurred_at = forms.DateTimeField(label=_("日時"), widget=DATETIME)
    kind = forms.ChoiceField(label=_("種別"), choices=ProgressNote.Kind.choices)
    text = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 8}))
    disclosure = forms.ChoiceField(label=_("開示区分"), choices=ProgressNote.Disclosure.choices)
    addendum = forms.BooleanField(label=_("終結後の追記として記録する"), required=False)

    def clean_text(self):
        text = self.cleaned_data["text"]
        if len(text) > NOTE_MAX_CHARS:
            raise ValidationError(
                _("内容が長すぎます（%(n)s文字、上限%(max)s文字）。分けて記録してください。"),
                params={"n": f"{len(text):,}", "max": f"{NOTE_MAX_CHARS:,}"},
            )
        return text


class SafetyCheckForm(forms.Form):
    attempted_at = forms.DateTimeField(label=_("実施日時"), widget=DATETIME)
    method = forms.ChoiceField(label=_("方法"), choices=SafetyCheck.Method.choices)
    outcome = forms.ChoiceField(label=_("結果"), choices=SafetyCheck.Outcome.choices)
    note = forms.CharField(
        label=_("メモ"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )


class ProtectionForm(forms.Form):
    start_at = forms.DateTimeField(label=_("保護開始日時"), widget=DATETIME)
    reason = forms.ChoiceField(label=_("保護理由"), choices=Protection.Reason.choices)
    place = forms.ChoiceField(label=_("保護場所"), choices=Protection.Place.choices)
    facility = forms.CharField(label=_("委託先"), max_length=200, required=False)
    parental_consent = forms.BooleanField(label=_("親権者等の同意あり"), required=False)


class ProtectionEditForm(ProtectionForm):
    warrant_requested_at = forms.DateTimeField(
        label=_("一時保護状の請求日時"), widget=DATETIME, required=False
    )
    court_approved_until = forms.DateField(
        label=_("家庭裁判所の承認期限"), widget=DATE, required=False
    )
    end_at = forms.DateTimeField(label=_("保護解除日時"), widget=DATETIME, required=False)
    end_reason = forms.CharField(label=_("解除理由"), max_length=200, required=False)
    destination = forms.CharField(label=_("退所先"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("会議"), choices=[c for c in Meeting.Kind.choices if c[0] != Meeting.Kind.INTAKE]
    )
    held_on = forms.DateField(label=_("開催日"), widget=DATE)
    attendees = forms.CharField(label=_("出席者"), max_length=500)
    decisions = forms.CharField(
        label=_("決定事項"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    next_review_on = forms.DateField(label=_("次回見直し日"), widget=DATE, required=False)


class AcceptForm(forms.Form):
    held_on = forms.DateField(label=_("受理会議の開催日"), widget=DATE)
    attendees = forms.CharField(label=_("出席者"), max_length=500)
    decisions = forms.CharField(
        label=_("決定事項（初期対応）"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )
    lead = forms.ModelChoiceField(label=_("主担当"), queryset=User.objects.none())
    subs = forms.ModelMultipleChoiceField(
        label=_("副担当"), queryset=User.objects.none(), required=False
    )
    psychologist = forms.ModelChoiceField(
        label=_("児童心理司"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("lead", "subs", "psychologist"):
            self.fields[name].queryset = staff if staff is not None else User.objects.none()

    def team(self) -> list[tuple]:
        team = [(u, CaseAssignment.Role.SUB) for u in self.cleaned_data.get("subs") or []]
        if self.cleaned_data.get("psychologist"):
            team.append((self.cleaned_data["psychologist"], CaseAssignment.Role.PSYCHOLOGIST))
        return team


class DiagnosisForm(forms.Form):
    kind = forms.ChoiceField(label=_("種類"), choices=Diagnosis.Kind.choices)
    made_on = forms.DateField(label=_("実施日"), widget=DATE)
    findings = forms.CharField(
        label=_("所見"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )


class MeasureForm(forms.Form):
    code = CodeChoiceField(label=_("援助・措置"), queryset=Code.objects.none())
    decided_on = forms.DateField(label=_("決定日"), widget=DATE)
    start_on = forms.DateField(label=_("開始日"), widget=DATE)
    end_on = forms.DateField(label=_("終了日"), widget=DATE, required=False)
    notice_sent_on = forms.DateField(label=_("通知書（教示）送付日"), widget=DATE, required=False)
    facility = forms.CharField(label=_("施設・里親等"), max_length=200, required=False)
    note = forms.CharField(
        label=_("備考"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].queryset = code_choices("enjo")


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label=_("終結理由"), choices=[(r, r) for r in CLOSURE_REASONS])
    version = forms.IntegerField(widget=forms.HiddenInput)


class PersonForm(forms.Form):
    name = forms.CharField(label=_("氏名"), max_length=100)
    name_kana = forms.CharField(label=_("フリガナ"), max_length=100)
    sex = forms.ChoiceField(label=_("性別"), choices=Person.Sex.choices)
    birth_date = forms.DateField(label=_("生年月日"), widget=DATE, required=False)
    address = forms.CharField(label=_("住所"), max_length=200, required=False)
    phone = forms.CharField(label=_("電話"), max_length=30, required=False)
    school = forms.CharField(label=_("学校・保育所等"), max_length=100, required=False)
    address_confidential = forms.BooleanField(label=_("住所秘匿"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("閲覧が必要な理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        help_text=_("理由は記録され、このケースの組織のスーパーバイザーに通知されます。"),
    )
