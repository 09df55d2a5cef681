"""Reads of the routine area, and the SLA items 9 (operations on schedule, deliverables
delivered) and 10 (parameters changed only through an approved change record)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from core.timeutil import JST, to_jst
from ops.models.routine import ParameterChange, RoutineOccurrence, RoutineOperation, TrainingSession


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=JST)


# --- lists ---------------------------------------------------------------------------------------


def operations() -> QuerySet[RoutineOperation]:
    """Every operation, active first, with its next due time still open."""
    next_due = (
        RoutineOccurrence.objects.filter(
            operation=OuterRef("pk"),
            status__in=[RoutineOccurrence.Status.PLANNED, RoutineOccurrence.Status.MISSED],
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return RoutineOperation.objects.annotate(next_due_at=Subquery(next_due)).order_by(
        "-active", "frequency", "name", "pk"
    )


def occurrences_between(start: date, end: date) -> QuerySet[RoutineOccurrence]:
    """Occurrences due on the days [start, end] (JST)."""
    return (
        RoutineOccurrence.objects.filter(due_date__gte=start, due_date__lte=end)
        .select_related("operation", "done_by")
        .order_by("due_at", "operation__name", "pk")
    )


def occurrence(pk: int) -> RoutineOccurrence:
    return RoutineOccurrence.objects.select_related("operation", "done_by").get(pk=pk)


def overdue_occurrences(now: datetime | None = None) -> QuerySet[RoutineOccurrence]:
    now = now or timezone.now()
    return (
        RoutineOccurrence.objects.filter(
            status__in=[RoutineOccurrence.Status.PLANNED, RoutineOccurrence.Status.MISSED],
            due_at__lt=now,
        )
        .select_related("operation")
        .order_by("due_at")
    )


def parameter_changes(status: str = "") -> QuerySet[ParameterChange]:
    qs = ParameterChange.objects.select_related(
        "requested_by", "approved_by", "rejected_by", "applied_by"
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "-pk")


def training_sessions() -> QuerySet[TrainingSession]:
    return (
        TrainingSession.objects.select_related("created_by")
        .prefetch_related("target_units")
        .annotate(attendee_users=Count("attendees", distinct=True))
        .order_by("-planned_date", "-pk")
    )


def training_session(pk: int) -> TrainingSession:
    return (
        TrainingSession.objects.select_related("created_by")
        .prefetch_related("target_units", "attendees")
        .get(pk=pk)
    )


def occurrence_state(occ: RoutineOccurrence, now: datetime) -> str:
    """For the calendar: done / late (遅延完了) / overdue / soon (within the lead days, or due
    within a day) / planned."""
    S = RoutineOccurrence.Status
    if occ.status == S.DONE:
        return "done"
    if occ.status == S.LATE:
        return "late"
    if occ.due_at < now:
        return "overdue"
    lead = max(occ.operation.lead_days, 1)
    if to_jst(now).date() >= occ.due_date - timedelta(days=lead):
        return "soon"
    return "planned"


# --- SLA #9 ------------------------------------------------------------------------------------


@dataclass
class OnScheduleResult:
    counted: int = 0
    met: int = 0
    missed: list[RoutineOccurrence] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return None if self.counted == 0 else self.met / self.counted * 100


def operations_on_schedule(
    start: date, end: date, *, now: datetime | None = None
) -> OnScheduleResult:
    """SLA #9: occurrences due on the days [start, end] (JST) whose due time has passed at
    ``now`` count; one is met when it was done, and its deliverable (if the operation has
    one) delivered, on or before the due time. ``missed`` lists the others, oldest first
    (not done, done late, or delivered late)."""
    now = now or timezone.now()
    result = OnScheduleResult()
    for occ in occurrences_between(start, end).filter(due_at__lte=now):
        result.counted += 1
        if _met(occ):
            result.met += 1
        else:
            result.missed.append(occ)
    return result


def _met(occ: RoutineOccurrence) -> bool:
    if occ.done_at is None or occ.done_at > occ.due_at:
        return False
    if occ.operation.deliverable:
        return bool(occ.deliverable_delivered_at and occ.deliverable_delivered_at <= occ.due_at)
    return True


# --- SLA #10 -----------------------------------------------------------------------------------


@dataclass
class ParametersResult:
    applied: list[ParameterChange] = field(default_factory=list)
    exceptions: list[ParameterChange] = field(default_factory=list)
    # Approved by the end of the period but not applied by then (information, not a miss).
    waiting: list[ParameterChange] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return len(self.applied)

    @property
    def met(self) -> int:
        return self.counted - len(self.exceptions)

    @property
    def rate(self) -> float | None:
        return None if self.counted == 0 else self.met / self.counted * 100


def parameters_current(start: date, end: date) -> ParametersResult:
    """SLA #10: the parameter changes applied on the days [start, end] (JST); one followed
    the flow when a city admin approved it before it was applied. ``exceptions`` lists the
    others (emergency changes, approved afterwards or not at all)."""
    lo, hi = _day_start(start), _day_start(end + timedelta(days=1))
    result = ParametersResult()
    applied = parameter_changes().filter(applied_at__gte=lo, applied_at__lt=hi)
    for change in applied.order_by("applied_at", "pk"):
        result.applied.append(change)
        if not change.followed_flow:
            result.exceptions.append(change)
    result.waiting = list(
        parameter_changes()
        .filter(approved_at__lt=hi)
        .filter(Q(applied_at__isnull=True) | Q(applied_at__gte=hi))
        .exclude(status=ParameterChange.Status.REJECTED)
        .order_by("approved_at", "pk")
    )
    return result


def parameter_counts() -> dict[str, int]:
    """How many changes wait on each step (for the list's header)."""
    rows = ParameterChange.objects.values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


# --- monthly report ----------------------------------------------------------------------------


def occurrence_counts_by_operation(start: date, end: date, *, as_of: datetime) -> list[dict]:
    """Per operation, the occurrences due on the days [start, end] (JST), counted in SQL as
    they stood at ``as_of``: done by the due time, done later (before ``as_of``), and not
    done by ``as_of`` (of which ``done_after`` were done afterwards). Ordered by name, pk."""
    from django.db.models import F  # appended: the module's import block stays as it was

    due = Q(done_at__isnull=False, done_at__lt=as_of)
    return list(
        RoutineOccurrence.objects.filter(due_date__gte=start, due_date__lte=end)
        .values("operation_id", "operation__name", "operation__category", "operation__frequency")
        .annotate(
            planned=Count("pk"),
            on_time=Count("pk", filter=due & Q(done_at__lte=F("due_at"))),
            late=Count("pk", filter=due & Q(done_at__gt=F("due_at"))),
            not_done=Count("pk", filter=~due),
            done_after=Count("pk", filter=Q(done_at__gte=as_of)),
        )
        .order_by("operation__name", "operation_id")
    )
