from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit, User
from accounts.selectors import units_on
from helpdesk.models import Category, Countermeasure, Faq, Inquiry, LiaisonSlip, WorkRequest

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InquiryFilterForm(forms.Form):
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[("", _("すべて")), ("open", _("未完了")), *Inquiry.Status.choices],
    )
    due = forms.ChoiceField(
        label=_("期限"),
        required=False,
        choices=[("", _("すべて")), ("due", _("対応中")), ("late", _("期限超過"))],
    )
    channel = forms.ChoiceField(
        label=_("受付方法"), required=False, choices=[("", _("すべて")), *Inquiry.Channel.choices]
    )
    category = forms.ModelChoiceField(
        label=_("分類"), required=False, queryset=Category.objects.filter(active=True)
    )


class InquiryForm(forms.Form):
    received_at = forms.DateTimeField(label=_("受付日時"), widget=DATETIME)
    channel = forms.ChoiceField(
        label=_("受付方法"), choices=[c for c in Inquiry.Channel.choices if c[0] != "mail"]
    )
    caller_unit = forms.ModelChoiceField(
        label=_("問合せ元の所属"), queryset=OrgUnit.objects.none(), required=False
    )
    caller_name = forms.CharField(label=_("問合せ者"), max_length=100, required=False)
    caller_contact = forms.CharField(label=_("連絡先"), max_length=200, required=False)
    category = forms.ModelChoiceField(
        label=_("分類"), queryset=Category.objects.filter(active=True), required=False
    )
    subject = forms.CharField(label=_("件名"), max_length=200)
    content = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )
    case_number = forms.CharField(
        label=_("関連するケースの受付番号"),
        max_length=20,
        required=False,
        help_text=_("ケースの内容は記載せず、番号だけを入力してください。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caller_unit"].queryset = (
            units_on().exclude(kind=OrgUnit.Kind.VENDOR).order_by("code")
        )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("回答"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )
    answered_at = forms.DateTimeField(label=_("回答日時"), widget=DATETIME)
    close = forms.BooleanField(label=_("回答してクローズする"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class EscalateForm(forms.Form):
    event = forms.CharField(
        label=_("事象"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class MailUploadForm(forms.Form):
    files = MultipleFileField(label=_("メールファイル（.eml）"))


class SlipFilterForm(forms.Form):
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状態"),
        required=False,
        choices=[("", _("すべて")), ("unfinished", _("未完了")), *LiaisonSlip.Status.choices],
    )
    judgement = forms.ChoiceField(
        label=_("判定"), required=False, choices=[("", _("すべて")), *LiaisonSlip.Judgement.choices]
    )
    fiscal_year = forms.IntegerField(
        label=_("年度"), required=False, min_value=2000, max_value=2100
    )


class SlipForm(forms.Form):
    triage = forms.CharField(
        label=_("切り分け"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=10000,
    )
    cause = forms.CharField(
        label=_("原因"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=10000
    )
    judgement = forms.ChoiceField(
        label=_("判定"), choices=[("", "—"), *LiaisonSlip.Judgement.choices], required=False
    )
    replied_on = forms.DateField(label=_("市への回答日"), widget=DATE, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class CountermeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("種別"), choices=Countermeasure.Kind.choices)
    description = forms.CharField(
        label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )
    owner = forms.ModelChoiceField(label=_("担当"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("期限"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            User.objects.filter(
                is_active=True, groups__name__in=["vendor_operator", "vendor_manager"]
            )
            .distinct()
            .order_by("employee_number")
        )


class FaqForm(forms.Form):
    question = forms.CharField(
        label=_("質問"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )
    answer = forms.CharField(
        label=_("回答"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000
    )
    category = forms.ModelChoiceField(
        label=_("分類"), queryset=Category.objects.filter(active=True), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class FaqFilterForm(forms.Form):
    q = forms.CharField(label=_("キーワード"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("状態"), required=False, choices=[("", _("すべて")), *Faq.Status.choices]
    )


class WorkRequestForm(forms.Form):
    title = forms.CharField(label=_("件名"), max_length=200)
    content = forms.CharField(
        label=_("依頼内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )
    desired_on = forms.DateField(label=_("希望日"), widget=DATE, required=False)


class ReviewForm(forms.Form):
    feasibility = forms.ChoiceField(label=_("可否"), choices=WorkRequest.Feasibility.choices)
    estimate = forms.CharField(
        label=_("見積・影響"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ApproveForm(forms.Form):
    plan = forms.CharField(
        label=_("作業計画"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RecordForm(forms.Form):
    execution_record = forms.CharField(
        label=_("作業記録"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CompleteForm(forms.Form):
    report = forms.CharField(
        label=_("作業報告"), widget=forms.Textarea(attrs={"rows": 5}), max_length=20000
    )
    completed_on = forms.DateField(label=_("完了日"), widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput)
