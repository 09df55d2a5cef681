"""福祉行政報告例の相談統計: the period chooser (validation only; the service lays out)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.timeutil import fiscal_year, now_jst
from reports.services.national import PeriodKind, period_for

KIND_CHOICES = [
    (PeriodKind.MONTH, _("月")),
    (PeriodKind.HALF, _("半期")),
    (PeriodKind.YEAR, _("年度")),
]
MONTH_CHOICES = [("", "—")] + [(m, f"{m}月") for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
HALF_CHOICES = [("", "—"), (1, _("上半期（4月〜9月）")), (2, _("下半期（10月〜3月）"))]
FIRST_FISCAL_YEAR = 2000


class NationalPeriodForm(forms.Form):
    kind = forms.ChoiceField(label=_("集計期間"), choices=KIND_CHOICES, initial=PeriodKind.YEAR)
    fiscal_year = forms.IntegerField(label=_("年度"), min_value=FIRST_FISCAL_YEAR)
    month = forms.TypedChoiceField(
        label=_("月"), choices=MONTH_CHOICES, coerce=int, required=False, empty_value=None
    )
    half = forms.TypedChoiceField(
        label=_("半期"), choices=HALF_CHOICES, coerce=int, required=False, empty_value=None
    )
    publication = forms.BooleanField(
        label=_("公表用（少数のセルを「＊」で秘匿）"), required=False, initial=True
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].initial = fiscal_year(now_jst())
        self.fields["fiscal_year"].widget.attrs["max"] = fiscal_year(now_jst())

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            period = period_for(
                kind=data["kind"],
                fiscal_year=data["fiscal_year"],
                month=data.get("month"),
                half=data.get("half"),
            )
        except ValidationError as exc:
            raise exc
        if period.start > now_jst().date():
            field = {PeriodKind.MONTH: "month", PeriodKind.HALF: "half"}.get(
                period.kind, "fiscal_year"
            )
            raise ValidationError({field: _("まだ始まっていない期間は集計できません。")})
        data["period"] = period
        return data
