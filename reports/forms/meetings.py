"""定例報告会議・議事録: forms (validation only; the services decide)."""

from datetime import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts import roles
from core.timeutil import JST
from reports.models.meetings import PROFILE_CHOICES, ActionItem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
MEETING_ROLES = (roles.CITY_ADMIN, *roles.VENDOR_ROLES, roles.MEETING_ATTENDEE)


class MeetingForm(forms.Form):
    profile = forms.ChoiceField(label=_("契約（自治体）"), choices=PROFILE_CHOICES)
    held_on = forms.DateField(label=_("開催日"), widget=DATE)
    held_time = forms.TimeField(label=_("開始時刻"), widget=TIME)
    place = forms.CharField(label=_("場所"), max_length=200)
    attendees = forms.ModelMultipleChoiceField(
        label=_("出席者（市・事業者）"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    outside_attendees = forms.CharField(
        label=_("その他の出席者（1 行に 1 名）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )
    agenda = forms.CharField(
        label=_("議題（1 行に 1 件）"), widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, groups__name__in=MEETING_ROLES)
            .distinct()
            .order_by("name")
        )

    def clean_agenda(self):
        titles = [t.strip() for t in self.cleaned_data["agenda"].splitlines() if t.strip()]
        if not titles:
            raise forms.ValidationError(_("議題を 1 件以上入力してください。"))
        if any(len(t) > 200 for t in titles):
            raise forms.ValidationError(_("議題は 1 件 200 文字以内で入力してください。"))
        return titles

    def held_at(self) -> datetime:
        d, t = self.cleaned_data["held_on"], self.cleaned_data["held_time"]
        return datetime.combine(d, t, tzinfo=JST)


class MinutesForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    summary = forms.CharField(
        label=_("議事概要"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=10000,
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"reported_{item.pk}"] = forms.CharField(
                label=_("%(title)s：報告内容") % {"title": item.title},
                widget=forms.Textarea(attrs={"rows": 3}),
                required=False,
                max_length=10000,
                initial=item.reported,
            )
            self.fields[f"decided_{item.pk}"] = forms.CharField(
                label=_("%(title)s：決定事項") % {"title": item.title},
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=10000,
                initial=item.decided,
            )

    def item_rows(self):
        return [
            (item, self[f"reported_{item.pk}"], self[f"decided_{item.pk}"]) for item in self.items
        ]

    def item_values(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {i.pk: (data[f"reported_{i.pk}"], data[f"decided_{i.pk}"]) for i in self.items}


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("疑義の内容"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("回答"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("対応事項"), max_length=300)
    owner = forms.CharField(label=_("担当"), max_length=100)
    due = forms.DateField(label=_("期限"), widget=DATE)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状態"), choices=ActionItem.Status.choices)
