"""定例報告会議 報告書（図表7-1）と成果物一覧: reads of one month's help-desk deliverables.

Each selector returns a queryset with everything its list prints joined in, so a
list costs a fixed number of queries whatever its length. Months are JST months.
"""

from datetime import date, datetime, timedelta

from django.db.models import Count, Min, Q, QuerySet

from core.timeutil import JST
from helpdesk.models import Faq, Inquiry, LiaisonSlip, WorkRequest
from helpdesk.selectors import faq_changes
from incidents.models import Incident, Problem


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[first instant, first instant of next month) of ``month`` in Asia/Tokyo."""
    start, end = month.replace(day=1), next_month(month)
    return (
        datetime(start.year, start.month, 1, tzinfo=JST),
        datetime(end.year, end.month, 1, tzinfo=JST),
    )


def inquiries_received_in(month: date) -> QuerySet[Inquiry]:
    """問合せ一覧: inquiries received in the month, oldest first."""
    lo, hi = month_bounds(month)
    return (
        Inquiry.objects.filter(received_at__gte=lo, received_at__lt=hi)
        .select_related("category", "caller_unit", "handled_by", "slip")
        .order_by("received_at", "pk")
    )


def _slips() -> QuerySet[LiaisonSlip]:
    return LiaisonSlip.objects.select_related("inquiry", "raised_by").prefetch_related(
        "countermeasures__owner"
    )


def slips_raised_in(month: date) -> QuerySet[LiaisonSlip]:
    """連絡票一覧表: slips raised in the month."""
    lo, hi = month_bounds(month)
    return _slips().filter(raised_at__gte=lo, raised_at__lt=hi).order_by("raised_at", "pk")


def slips_closed_in(month: date) -> QuerySet[LiaisonSlip]:
    """完了した連絡票: slips closed (対応完了) in the month, whenever they were raised."""
    lo, hi = month_bounds(month)
    return (
        _slips()
        .filter(status=LiaisonSlip.Status.CLOSED, closed_at__gte=lo, closed_at__lt=hi)
        .order_by("closed_at", "pk")
    )


def faqs_changed_in(month: date) -> QuerySet[Faq]:
    """FAQ added or updated in the month (drafts excluded), via helpdesk.selectors."""
    return faq_changes(month=month).select_related("category").order_by("updated_at", "pk")


def work_requests_in(month: date) -> QuerySet[WorkRequest]:
    """作業計画書兼作業結果報告書: requests received or completed in the month, and those
    received earlier that were still being planned or carried out during it."""
    lo, hi = month_bounds(month)
    start, end = month.replace(day=1), next_month(month)
    S = WorkRequest.Status
    carried = Q(requested_at__lt=lo) & (
        Q(status__in=[S.REQUESTED, S.REVIEWED, S.APPROVED, S.IN_PROGRESS])
        | Q(completed_on__gte=start)
    )
    return (
        WorkRequest.objects.filter(
            Q(requested_at__gte=lo, requested_at__lt=hi)
            | Q(completed_on__gte=start, completed_on__lt=end)
            | carried
        )
        .select_related("requester", "requester_unit", "reviewed_by", "approved_by")
        .order_by("requested_at", "pk")
    )


# --- the yearly 運用保守報告書 (Kobe): one fiscal year ------------------------------------


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime, datetime]:
    """[April 1, next April 1) of a fiscal year (年度) in Asia/Tokyo."""
    return datetime(fiscal_year, 4, 1, tzinfo=JST), datetime(fiscal_year + 1, 4, 1, tzinfo=JST)


def open_problems_at_year_end(fiscal_year: int) -> QuerySet[Problem]:
    """未解決の問題: problems not resolved by the fiscal year's end (resolved later counts
    as open then) whose first incident, if any, was known before that end."""
    _lo, hi = fiscal_year_bounds(fiscal_year)
    return (
        Problem.objects.annotate(
            incident_count=Count("incidents", distinct=True),
            first_aware_at=Min("incidents__aware_at"),
        )
        .filter(
            Q(status__in=[Problem.Status.OPEN, Problem.Status.FIXING])
            | Q(resolved_on__gte=hi.date())
        )
        .filter(Q(first_aware_at__isnull=True) | Q(first_aware_at__lt=hi))
        .order_by("pk")
    )


def inquiries_in_year(fiscal_year: int) -> QuerySet[Inquiry]:
    lo, hi = fiscal_year_bounds(fiscal_year)
    return (
        Inquiry.objects.filter(received_at__gte=lo, received_at__lt=hi)
        .select_related("category", "caller_unit", "handled_by", "slip")
        .order_by("received_at", "pk")
    )


def slips_in_year(fiscal_year: int) -> QuerySet[LiaisonSlip]:
    """調査依頼: the liaison slips raised in the year."""
    lo, hi = fiscal_year_bounds(fiscal_year)
    return _slips().filter(raised_at__gte=lo, raised_at__lt=hi).order_by("raised_at", "pk")


def estimates_in_year(fiscal_year: int) -> QuerySet[WorkRequest]:
    """見積: work requests received in the year, with their review (可否・見積・影響)."""
    lo, hi = fiscal_year_bounds(fiscal_year)
    return (
        WorkRequest.objects.filter(requested_at__gte=lo, requested_at__lt=hi)
        .select_related("requester", "requester_unit", "reviewed_by")
        .order_by("requested_at", "pk")
    )


def incidents_in_year(fiscal_year: int) -> QuerySet[Incident]:
    lo, hi = fiscal_year_bounds(fiscal_year)
    return (
        Incident.objects.filter(aware_at__gte=lo, aware_at__lt=hi)
        .select_related("problem")
        .order_by("aware_at", "pk")
    )
