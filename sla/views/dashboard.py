"""SLA dashboard: this month to date for every item in force, breaches first, each with its
last twelve months as a server-rendered SVG bar chart (no scripts: CSP), and a drill-down
page per item and period listing the records behind the figure.

This month's results come from the cache and are recomputed when stale
(sla.services.results.results_ensure); the trend only reads the cache.
Who: vendor operators and managers, city admins; nobody else (403).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required
from core.navigation import NavItem
from core.paging import Page
from core.profiles import PROFILES
from core.timeutil import now_jst
from sla.forms.reports import DashboardForm, RecomputeForm
from sla.models import Item, Result
from sla.selectors import catalog as catalog_selectors
from sla.selectors import results as selectors
from sla.services import reports as report_services
from sla.services import results as services

DASHBOARD_ROLES = (roles.VENDOR_OPERATOR, roles.VENDOR_MANAGER, roles.CITY_ADMIN)
ROWS_PER_PAGE = 200
RANK = {"missed": 0, "data_missing": 1, "pending": 2, "met": 3, "no_events": 4}
COLORS = {
    "met": "#2e7d32",
    "missed": "#c62828",
    "no_events": "#9e9e9e",
    "data_missing": "#ef6c00",
    "pending": "#f9a825",
    "none": "#e0e0e0",
}
STATE_LABELS = {value: str(label) for value, label in Result.State.choices}

NAV_ITEMS = [
    NavItem(
        "sla_dashboard",
        gettext_lazy("SLA ダッシュボード"),
        "sla:dashboard",
        frozenset(DASHBOARD_ROLES),
        600,
    ),
]

BAR_W, GAP, HEIGHT = 11, 3, 40


def _profile_name(code: str) -> str:
    preset = PROFILES.get(code)
    return preset.name if preset else code


def _month_url(item_id: int, month: date) -> str:
    return reverse("sla:dashboard_item", args=[item_id, month.year, month.month])


def chart(item: Item, per_month: dict[date, Result], months: list[date]) -> dict:
    """Twelve bars (one per month): the colour is the judgement, the height the value
    (scaled between the lowest and highest of the values and the target), with the target
    as a dashed line. Plain SVG attributes only, so the CSP needs no exception."""
    values = [r.value for r in per_month.values() if r.value is not None]
    target = item.target_value
    scale = values + ([target] if target is not None and values else [])
    lo = hi = None
    if scale:
        lo, hi = min(scale), max(scale)
        if item.unit == Item.Unit.PERCENT:
            hi = max(hi, Decimal(100))
        if hi == lo:
            lo = hi - (abs(hi) or Decimal(1))
        lo -= (hi - lo) * Decimal("0.15")

    def y_of(value: Decimal) -> float:
        return float(HEIGHT - 3 - (value - lo) / (hi - lo) * (HEIGHT - 6))

    bars = []
    for n, month in enumerate(months):
        result = per_month.get(month)
        state = result.state if result else "none"
        x = n * (BAR_W + GAP)
        if result is not None and result.value is not None and lo is not None:
            y = min(y_of(result.value), HEIGHT - 4)
        else:
            y = HEIGHT - 4
        label = f"{month.year}年{month.month}月: "
        if result is None:
            label += _("未算出")
        else:
            label += STATE_LABELS.get(state, state)
            shown = result.value_text or (str(result.value) if result.value is not None else "")
            if shown:
                label += f" {shown}"
        bars.append(
            {
                "x": x,
                "y": round(y, 1),
                "h": round(HEIGHT - y, 1),
                "w": BAR_W,
                "fill": COLORS.get(state, COLORS["none"]),
                "state": state,
                "title": label,
                "url": _month_url(result.item_id, month) if result else "",
            }
        )
    target_y = None
    if target is not None and lo is not None:
        target_y = round(y_of(target), 1)
    return {
        "width": len(months) * (BAR_W + GAP) - GAP,
        "height": HEIGHT,
        "bars": bars,
        "target_y": target_y,
    }


def _choose_profile(request, profiles: list[str]) -> tuple[DashboardForm, str]:
    from django.conf import settings

    form = DashboardForm(request.GET or None, profiles=profiles)
    profile = ""
    if form.is_bound and form.is_valid():
        profile = form.cleaned_data["profile"]
    if not profile:
        default = getattr(settings, "CITY_PROFILE", "")
        profile = default if default in profiles else (profiles[0] if profiles else "")
        form = DashboardForm(initial={"profile": profile}, profiles=profiles)
    return form, profile


@role_required(*DASHBOARD_ROLES)
def dashboard(request):
    profiles = selectors.profiles_with_policies()
    form, profile = _choose_profile(request, profiles)
    today = now_jst().date()
    month = today.replace(day=1)
    end = selectors.month_last(month)
    policy = catalog_selectors.policy_for_month(profile, month) if profile else None
    results: list[Result] = []
    problem = ""
    if policy is None:
        problem = _("今月を判定する承認済みの SLA 版がありません。")
    else:
        try:
            results = services.results_ensure(policy=policy, start=month, end=end)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    months = selectors.last_months(month, 12)
    trend = selectors.trend(profile, months, numbers=[r.item.number for r in results])
    rows = []
    for result in results:
        item = result.item
        rows.append(
            {
                "item": item,
                "result": result,
                "target": catalog_selectors.target_label(item),
                "value": report_services.value_display(result, item),
                "state_label": STATE_LABELS.get(result.state, result.state),
                "chart": chart(item, trend.get(item.number, {}), months),
                "url": _month_url(item.pk, month),
            }
        )
    rows.sort(key=lambda r: (RANK.get(r["result"].state, 9), r["item"].order, r["item"].pk))
    summary = {state: 0 for state in RANK}
    for r in results:
        summary[r.state] = summary.get(r.state, 0) + 1
    computed_at = max((r.computed_at for r in results), default=None)
    return render(
        request,
        "sla/dashboard/index.html",
        {
            "form": form,
            "profile": profile,
            "city": _profile_name(profile),
            "policy": policy,
            "month": month,
            "today": today,
            "rows": rows,
            "summary": summary,
            "problem": problem,
            "computed_at": computed_at,
            "months": months,
            "recompute_form": RecomputeForm(
                initial={"profile": profile, "month": month.strftime("%Y-%m")}
            ),
            "max_age": int(services.max_age().total_seconds() // 60),
        },
    )


def _rows_page(rows: list[dict], number) -> Page:
    try:
        number = max(1, int(number or 1))
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * ROWS_PER_PAGE
    return Page(
        object_list=rows[start : start + ROWS_PER_PAGE],
        number=number,
        has_next=len(rows) > start + ROWS_PER_PAGE,
    )


def _drill(request, item: Item, start: date, end: date, *, yearly: bool):
    problem = ""
    result = None
    try:
        found = services.results_ensure(policy=item.policy, start=start, end=end, items=[item])
        result = found[0] if found else None
    except ValidationError as exc:
        problem = " ".join(exc.messages)
    if result is None and not problem:
        problem = (
            _("この項目は年次で判定します。年度の明細をご覧ください。")
            if item.period == Item.Period.YEARLY
            else _("この項目は月次・都度で判定します。月の明細をご覧ください。")
        )
    only_ng = request.GET.get("only") == "ng"
    rows = list(result.rows or []) if result else []
    total_rows = len(rows)
    if only_ng:
        rows = [r for r in rows if r.get("ok") is False]
    page = _rows_page(rows, request.GET.get("page"))
    months = []
    if not yearly:
        months_list = selectors.last_months(start, 12)
        trend = selectors.trend(item.policy.profile, months_list, numbers=[item.number])
        months = [
            {
                "month": m,
                "result": trend.get(item.number, {}).get(m),
                "current": m == start,
            }
            for m in months_list
        ]
        for m in months:
            r = m["result"]
            m["url"] = _month_url(r.item_id, m["month"]) if r else ""
            m["state_label"] = STATE_LABELS.get(r.state, r.state) if r else _("未算出")
    fiscal = selectors.fiscal_year_of(start)
    return render(
        request,
        "sla/dashboard/item.html",
        {
            "item": item,
            "city": _profile_name(item.policy.profile),
            "target": catalog_selectors.target_label(item),
            "result": result,
            "value": report_services.value_display(result, item) if result else "",
            "state_label": STATE_LABELS.get(result.state, result.state) if result else "",
            "problem": problem,
            "page": page,
            "total_rows": total_rows,
            "ng_rows": sum(1 for r in (result.rows or []) if r.get("ok") is False) if result else 0,
            "only_ng": only_ng,
            "start": start,
            "end": end,
            "yearly": yearly,
            "period_label": f"{fiscal}年度" if yearly else f"{start.year}年{start.month}月",
            "months": months,
            "fiscal_year": fiscal,
        },
    )


@role_required(*DASHBOARD_ROLES)
def dashboard_item(request, item_id, year, month):
    item = get_object_or_404(Item.objects.select_related("policy"), pk=item_id)
    try:
        start = date(year, month, 1)
    except ValueError:
        raise Http404 from None
    return _drill(request, item, start, selectors.month_last(start), yearly=False)


@role_required(*DASHBOARD_ROLES)
def dashboard_item_year(request, item_id, fiscal_year):
    item = get_object_or_404(Item.objects.select_related("policy"), pk=item_id)
    if not 2000 <= fiscal_year <= 2100:
        raise Http404
    start, end = selectors.fiscal_year_bounds(fiscal_year)
    return _drill(request, item, start, end, yearly=True)


@require_POST
@role_required(*DASHBOARD_ROLES)
def dashboard_recompute(request):
    """今すぐ再計算: the month's results computed now rather than at the next expiry."""
    form = RecomputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("再計算する月を指定してください。"))
        return redirect("sla:dashboard")
    profile = form.cleaned_data["profile"]
    month = form.cleaned_data["month"].replace(day=1)
    policy = catalog_selectors.policy_for_month(profile, month)
    if policy is None:
        messages.error(request, _("この月を判定する承認済みの SLA 版がありません。"))
    else:
        try:
            services.results_compute(policy=policy, start=month, end=selectors.month_last(month))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(y)s年%(m)s月の実績を再計算しました。") % {"y": month.year, "m": month.month},
            )
    return redirect(f"{reverse('sla:dashboard')}?{urlencode({'profile': profile})}")
