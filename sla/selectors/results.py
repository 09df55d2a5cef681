"""Reads of the cached SLA results (sla.Result), the reports and their jobs and comments.

Periods are dates in Asia/Tokyo: a month is its first to its last day, a fiscal year (年度)
April 1 to March 31. A result is stored per item and period; the dashboard's trend reads
the monthly results of the last twelve months in one query.
"""

from __future__ import annotations

import calendar as pycalendar
from datetime import date

from django.db.models import Max, QuerySet

from sla.models import Evidence, Item, Report, ReportComment, ReportJob, Result

MONTHLY_PERIODS = (Item.Period.MONTHLY, Item.Period.PER_EVENT)


# --- periods -----------------------------------------------------------------------------------


def month_first(value: date) -> date:
    return value.replace(day=1)


def month_last(value: date) -> date:
    return value.replace(day=pycalendar.monthrange(value.year, value.month)[1])


def add_months(value: date, months: int) -> date:
    index = value.year * 12 + value.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def fiscal_year_of(value: date) -> int:
    return value.year if value.month >= 4 else value.year - 1


def fiscal_year_bounds(fiscal_year: int) -> tuple[date, date]:
    return date(fiscal_year, 4, 1), date(fiscal_year + 1, 3, 31)


def months_between(start: date, end: date) -> list[date]:
    """First days of the months from ``start``'s to ``end``'s, both included."""
    out, month = [], month_first(start)
    while month <= end:
        out.append(month)
        month = add_months(month, 1)
    return out


def last_months(month: date, count: int = 12) -> list[date]:
    """``count`` months ending with ``month`` (oldest first)."""
    first = month_first(month)
    return [add_months(first, -n) for n in range(count - 1, -1, -1)]


# --- items and results -------------------------------------------------------------------------


def items_of(policy, *, yearly: bool) -> QuerySet[Item]:
    """The items a period of the policy judges: the yearly ones for a fiscal year, the
    monthly and per-event ones (reported monthly) for a month."""
    periods = (Item.Period.YEARLY,) if yearly else MONTHLY_PERIODS
    return (
        Item.objects.filter(policy=policy, period__in=periods)
        .select_related("policy")
        .order_by("order", "pk")
    )


def results_for(items, start: date, end: date) -> dict[int, Result]:
    """Stored results of ``items`` for exactly this period: {item_id: Result}."""
    ids = [i.pk if isinstance(i, Item) else i for i in items]
    if not ids:
        return {}
    return {
        r.item_id: r
        for r in Result.objects.filter(item_id__in=ids, period_start=start, period_end=end)
    }


def result_for(item: Item, start: date, end: date) -> Result | None:
    return (
        Result.objects.filter(item=item, period_start=start, period_end=end)
        .select_related("item", "item__policy")
        .first()
    )


def evidence_confirmed_at(items, start: date, end: date) -> dict[int, object]:
    """Newest confirmation time of evidence covering each item's period: {item_id: at}.
    A result computed before it is older than its input."""
    ids = [i.pk if isinstance(i, Item) else i for i in items]
    if not ids:
        return {}
    rows = (
        Evidence.objects.filter(item_id__in=ids, period_start__lte=start, period_end__gte=end)
        .values("item_id")
        .annotate(at=Max("confirmed_at"))
    )
    return {r["item_id"]: r["at"] for r in rows}


def monthly_results(profile: str, months: list[date], numbers=None) -> QuerySet[Result]:
    """Monthly results of ``profile`` for the given months (any version), for trends."""
    if not months:
        return Result.objects.none()
    qs = Result.objects.filter(
        item__policy__profile=profile,
        period_start__gte=min(months),
        period_start__lte=max(months),
        item__period__in=MONTHLY_PERIODS,
    )
    if numbers is not None:
        qs = qs.filter(item__number__in=list(numbers))
    return qs.only(
        "pk",
        "item_id",
        "period_start",
        "period_end",
        "state",
        "value",
        "value_text",
        "item__number",
    ).select_related("item")


def trend(profile: str, months: list[date], numbers=None) -> dict[str, dict[date, Result]]:
    """{item number: {month: Result}} in one query (a month's result of whichever version
    judged it; versions keep their numbers)."""
    out: dict[str, dict[date, Result]] = {}
    for result in monthly_results(profile, months, numbers):
        if result.period_end != month_last(result.period_start):
            continue
        out.setdefault(result.item.number, {})[result.period_start] = result
    return out


# --- reports -----------------------------------------------------------------------------------


def reports(
    *, profile: str | None = None, kind: str | None = None, approved_only: bool = False
) -> QuerySet[Report]:
    qs = Report.objects.select_related("policy", "created_by", "checked_by", "approved_by")
    if profile:
        qs = qs.filter(policy__profile=profile)
    if kind:
        qs = qs.filter(kind=kind)
    if approved_only:
        qs = qs.filter(status=Report.Status.APPROVED)
    return qs.order_by("-period_start", "policy__profile", "kind", "-revision", "-pk")


def report(pk: int) -> Report:
    return Report.objects.select_related("policy", "created_by", "checked_by", "approved_by").get(
        pk=pk
    )


def report_revisions(report: Report) -> QuerySet[Report]:
    return Report.objects.filter(
        policy__profile=report.policy.profile,
        kind=report.kind,
        period_start=report.period_start,
    ).order_by("revision", "pk")


def report_for_period(profile: str, kind: str, period_start: date) -> Report | None:
    """The newest revision of a profile's report for a period."""
    return (
        Report.objects.filter(policy__profile=profile, kind=kind, period_start=period_start)
        .order_by("-revision", "-pk")
        .first()
    )


def report_comments(report: Report) -> QuerySet[ReportComment]:
    return ReportComment.objects.filter(report=report).select_related("author")


def item_comments(report: Report) -> dict[str, list[ReportComment]]:
    out: dict[str, list[ReportComment]] = {}
    for comment in report_comments(report).exclude(item_number=""):
        out.setdefault(comment.item_number, []).append(comment)
    return out


def latest_job(report: Report) -> ReportJob | None:
    return (
        ReportJob.objects.filter(report=report)
        .select_related("requested_by")
        .order_by("-requested_at", "-pk")
        .first()
    )


def job_active(report: Report) -> bool:
    return ReportJob.objects.filter(
        report=report, status__in=(ReportJob.Status.QUEUED, ReportJob.Status.RUNNING)
    ).exists()


def profiles_with_policies() -> list[str]:
    from sla.models import Policy

    return list(
        Policy.objects.filter(status=Policy.Status.APPROVED)
        .values_list("profile", flat=True)
        .distinct()
        .order_by("profile")
    )


# --- monthly meeting report (reports.sections.plans) -------------------------------------------


def improvement_plans_as_of(profile: str, at) -> QuerySet:
    """The profile's improvement plans as they were recorded at the instant ``at`` (from their
    history, so later edits and completions do not change a past month's report)."""
    from sla.models import ImprovementPlan

    return ImprovementPlan.history.as_of(at).filter(item__policy__profile=profile)


def improvement_plans_edited(profile: str, start, end) -> QuerySet:
    """Ids of the profile's plans edited (not created) in [start, end), one row per plan."""
    from sla.models import ImprovementPlan

    return (
        ImprovementPlan.history.filter(
            item__policy__profile=profile,
            history_type="~",
            history_date__gte=start,
            history_date__lt=end,
        )
        .values_list("id", flat=True)
        .distinct()
    )
