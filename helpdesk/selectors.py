"""Reads of the help desk: list pages in a fixed number of queries, search, statistics."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.textnorm import search_form
from core.timeutil import JST, month_start
from helpdesk.models import Faq, Inquiry, LiaisonSlip


def inquiry_list(
    qs: QuerySet[Inquiry],
    *,
    status: str = "",
    due: str = "",
    channel: str = "",
    category_id: int | None = None,
    q: str = "",
) -> QuerySet[Inquiry]:
    """Filters of the inquiry list. ``due``: "late" (open and past due) or "due" (open)."""
    if status == "open":
        qs = qs.filter(status__in=Inquiry.OPEN_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if due == "late":
        qs = qs.filter(status__in=Inquiry.OPEN_STATUSES, due_at__lt=timezone.now())
    elif due == "due":
        qs = qs.filter(status__in=Inquiry.OPEN_STATUSES)
    if channel:
        qs = qs.filter(channel=channel)
    if category_id:
        qs = qs.filter(category_id=category_id)
    if q:
        qs = qs.filter(search_text__contains=search_form(q))
    return qs.select_related("category", "caller_unit", "handled_by", "slip").order_by(
        "-received_at", "-pk"
    )


def slip_list(
    qs: QuerySet[LiaisonSlip],
    *,
    status: str = "",
    judgement: str = "",
    q: str = "",
    fiscal_year: int | None = None,
) -> QuerySet[LiaisonSlip]:
    if status == "unfinished":
        qs = qs.exclude(status=LiaisonSlip.Status.CLOSED)
    elif status:
        qs = qs.filter(status=status)
    if judgement:
        qs = qs.filter(judgement=judgement)
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    if q:
        qs = qs.filter(search_text__contains=search_form(q))
    return (
        qs.select_related("inquiry", "raised_by")
        .prefetch_related("countermeasures__owner")
        .order_by("-raised_at", "-pk")
    )


def faq_list(qs: QuerySet[Faq], *, q: str = "", status: str = "") -> QuerySet[Faq]:
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(search_text__contains=search_form(q))
    return qs.select_related("category").order_by("-updated_at", "-pk")


@dataclass
class SearchHits:
    inquiries: list
    slips: list
    faqs: list


def search_all(
    *, inquiries: QuerySet, slips: QuerySet, faqs: QuerySet, q: str, limit: int = 20
) -> SearchHits:
    form = search_form(q)
    if not form:
        return SearchHits([], [], [])
    return SearchHits(
        inquiries=list(
            inquiries.filter(search_text__contains=form).order_by("-received_at")[:limit]
        ),
        slips=list(slips.filter(search_text__contains=form).order_by("-raised_at")[:limit]),
        faqs=list(faqs.filter(search_text__contains=form).order_by("-updated_at")[:limit]),
    )


def monthly_counts(*, months: int = 12, until: date | None = None) -> list[dict]:
    """問合せ件数の推移: inquiries per month (JST) for the last ``months`` months."""
    until = month_start(until or timezone.now())
    start = until
    for _ in range(months - 1):
        start = (start.replace(day=1) - timedelta(days=1)).replace(day=1)
    rows = (
        Inquiry.objects.filter(received_at__date__gte=start)
        .annotate(month=TruncMonth("received_at", tzinfo=JST))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by("month")
    )
    found = {r["month"].date().replace(day=1): r["n"] for r in rows}
    result, cursor = [], start
    for _ in range(months):
        result.append({"month": cursor, "count": found.get(cursor, 0)})
        cursor = (cursor.replace(day=28) + timedelta(days=4)).replace(day=1)
    return result


def counts_by_category_and_channel(*, month: date) -> list[dict]:
    """One month's inquiries by category and channel, for the monthly report."""
    start = month.replace(day=1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return list(
        Inquiry.objects.filter(
            received_at__gte=datetime(start.year, start.month, 1, tzinfo=JST),
            received_at__lt=datetime(end.year, end.month, 1, tzinfo=JST),
        )
        .values("category__name", "channel")
        .annotate(n=Count("pk"))
        .order_by("category__name", "channel")
    )


def faq_changes(*, month: date) -> QuerySet[Faq]:
    """FAQ added or updated in a month (the monthly FAQ delivery)."""
    start = month.replace(day=1)
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    lo = datetime(start.year, start.month, 1, tzinfo=JST)
    hi = datetime(end.year, end.month, 1, tzinfo=JST)
    return (
        Faq.objects.filter(
            Q(created_at__gte=lo, created_at__lt=hi) | Q(updated_at__gte=lo, updated_at__lt=hi)
        )
        .exclude(status=Faq.Status.DRAFT)
        .order_by("updated_at")
    )


def work_request_stats(*, start: date, end: date) -> dict:
    """SLA item 11 (作業依頼の取りまとめ・検討・対応 100 %): of the requests received in
    [start, end), how many were reviewed and how many completed (rejections count as
    handled, since a refusal is an answer)."""
    lo = datetime(start.year, start.month, start.day, tzinfo=JST)
    hi = datetime(end.year, end.month, end.day, tzinfo=JST)
    from helpdesk.models import WorkRequest

    qs = WorkRequest.objects.filter(requested_at__gte=lo, requested_at__lt=hi)
    S = WorkRequest.Status
    counts = qs.aggregate(
        received=Count("pk"),
        reviewed=Count("pk", filter=Q(reviewed_at__isnull=False)),
        completed=Count("pk", filter=Q(status__in=[S.COMPLETED, S.REJECTED])),
    )
    received = counts["received"]
    counts["reviewed_rate"] = counts["reviewed"] / received if received else None
    counts["completed_rate"] = counts["completed"] / received if received else None
    return counts


def work_request_activity(*, start: datetime, end: datetime) -> dict:
    """What happened to work requests in [start, end), each count by its own event date
    (unlike ``work_request_stats``, which follows the requests received in the period to
    their current status), so a past month's figures do not change later.

    ``open_at_end``: received before ``end`` and, at ``end``, neither completed nor refused
    (a review of 対応不可 is final: such a request cannot be reviewed again)."""
    from helpdesk.models import WorkRequest

    first, last_excl = start.astimezone(JST).date(), end.astimezone(JST).date()
    completed = Q(completed_on__isnull=False, completed_on__lt=last_excl)
    refused = Q(feasibility=WorkRequest.Feasibility.NO, reviewed_at__lt=end)
    return WorkRequest.objects.aggregate(
        received=Count("pk", filter=Q(requested_at__gte=start, requested_at__lt=end)),
        reviewed=Count("pk", filter=Q(reviewed_at__gte=start, reviewed_at__lt=end)),
        refused=Count("pk", filter=refused & Q(reviewed_at__gte=start)),
        approved=Count("pk", filter=Q(approved_at__gte=start, approved_at__lt=end)),
        completed=Count("pk", filter=Q(completed_on__gte=first, completed_on__lt=last_excl)),
        open_at_end=Count("pk", filter=Q(requested_at__lt=end) & ~completed & ~refused),
    )
