"""Reads of case records: querysets ready for their page, no per-row queries."""

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone

from accounts.models import User
from cases.access import visible_q
from cases.models import (
    AbuseReport,
    CaseAssignment,
    Consultation,
    Meeting,
    Person,
    ProgressNote,
    Protection,
    Relationship,
)
from core.textnorm import bigrams, is_kana, search_form
from core.timeutil import now_jst

SEARCH_LIMIT = 50
SEARCH_CANDIDATES = 500  # newest matches considered; more means the search is too broad
PROTECTION_WARN_DAYS = 7


@dataclass
class SearchQuery:
    text: str = ""
    number: str = ""
    birth_date: date | None = None
    guardian: str = ""
    status: str = ""
    worker_id: int | None = None

    @property
    def empty(self) -> bool:
        return not (
            self.text
            or self.number
            or self.birth_date
            or self.guardian
            or self.status
            or self.worker_id
        )


@dataclass
class SearchResult:
    visible: list[Consultation] = field(default_factory=list)
    # Cases outside the searcher's scope: number and kana only, to break the glass on.
    minimal: list[dict] = field(default_factory=list)
    truncated: bool = False


def _name_filter(prefix: str, text: str) -> Q:
    form = search_form(text)
    if not form:
        return Q()
    column = "search_kana" if is_kana(text) else "search_name"
    return Q(**{f"{prefix}{column}__contains": form})


def search_consultations(user, query: SearchQuery) -> SearchResult:
    if query.empty:
        return SearchResult()
    qs = Consultation.objects.all()
    if query.number:
        number = unicodedata.normalize("NFKC", query.number).strip().upper().replace("ー", "-")
        qs = qs.filter(number__startswith=number)
    if query.text:
        form = search_form(query.text)
        people = Person.objects.filter(_name_filter("", query.text))
        if len(form) >= 2:
            # The bigram GIN index narrows to candidates (trigrams cannot serve
            # two-character queries such as 「高橋」); LIKE keeps the match exact.
            people = people.filter(search_bigrams__contains=bigrams(form))
        qs = qs.filter(child_id__in=people.values("pk"))
    if query.birth_date:
        qs = qs.filter(child__birth_date=query.birth_date)
    if query.guardian:
        guardians = Relationship.objects.filter(_name_filter("other__", query.guardian)).values(
            "person_id"
        )
        qs = qs.filter(child_id__in=guardians)
    if query.status == "open":
        qs = qs.exclude(status=Consultation.Status.CLOSED)
    elif query.status:
        qs = qs.filter(status=query.status)
    if query.worker_id:
        qs = qs.filter(
            Exists(
                CaseAssignment.objects.filter(
                    consultation=OuterRef("pk"), user_id=query.worker_id, ended_at__isnull=True
                )
            )
        )
    condition = visible_q(user)
    if condition is None:
        return SearchResult()
    # One pass over the matches, newest first, each tagged with whether this user
    # may open it; then the page's details for the visible ones only.
    rows = list(
        qs.annotate(visible=ExpressionWrapper(condition, output_field=BooleanField()))
        .order_by("-received_at")
        .values("pk", "number", "child__name_kana", "visible")[:SEARCH_CANDIDATES]
    )
    visible_pks = [r["pk"] for r in rows if r["visible"]][: SEARCH_LIMIT + 1]
    full = list(
        Consultation.objects.filter(pk__in=visible_pks)
        .select_related("child", "consultation_type", "unit")
        .order_by("-received_at")
    )
    minimal = [r for r in rows if not r["visible"]][:SEARCH_LIMIT]
    return SearchResult(
        visible=full[:SEARCH_LIMIT],
        minimal=[
            {"pk": m["pk"], "number": m["number"], "kana": m["child__name_kana"]} for m in minimal
        ],
        truncated=len(full) > SEARCH_LIMIT or len(rows) == SEARCH_CANDIDATES,
    )


def likely_duplicates(*, name: str, name_kana: str, birth_date: date | None) -> QuerySet:
    """Existing people a new child might already be: same kana and birth date, or same name."""
    kana, kanji = search_form(name_kana), search_form(name)
    q = Q()
    if kana and birth_date:
        q |= Q(search_kana=kana, birth_date=birth_date)
    if kanji and birth_date:
        q |= Q(search_name=kanji, birth_date=birth_date)
    if kana:
        q |= Q(search_kana=kana)
    if not q:
        return Person.objects.none()
    return Person.objects.filter(q).order_by("-birth_date")[:10]


NOTES_ON_PAGE = 50


def recent_notes(consultation: Consultation, limit: int = NOTES_ON_PAGE) -> list[ProgressNote]:
    return list(
        ProgressNote.objects.filter(consultation=consultation)
        .select_related("author")
        .order_by("-occurred_at", "-pk")[:limit]
    )


def case_detail(consultation: Consultation) -> Consultation:
    """The case with everything its page shows, in a fixed number of queries."""
    return (
        Consultation.objects.select_related(
            "child",
            "route",
            "consultation_type__group",
            "unit",
            "receiver",
            "reporter",
            "abuse_report",
        )
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=CaseAssignment.objects.filter(ended_at__isnull=True).select_related(
                    "user"
                ),
            ),
            Prefetch("child__relationships", queryset=Relationship.objects.select_related("other")),
            Prefetch("abuse_report__checks"),
            Prefetch("meetings", queryset=Meeting.objects.select_related("recorded_by")),
            "diagnoses__author",
            "measures__code__group",
            "protections",
        )
        .get(pk=consultation.pk)
    )


# --- dashboard ------------------------------------------------------------------------


@dataclass
class DueItem:
    consultation_id: int
    number: str
    child: str
    what: str
    due_at: datetime | date
    overdue: bool

    @property
    def has_time(self) -> bool:
        return isinstance(self.due_at, datetime)


KIND_LABELS = dict(Meeting.Kind.choices)


def _due_items(cases: QuerySet, now: datetime, *, overdue_only: bool = False) -> list[DueItem]:
    """What falls due on these cases; ``overdue_only`` asks the database for the
    late ones only (a supervisor's unit can hold hundreds of upcoming dates)."""
    items: list[DueItem] = []
    today = now.astimezone(now_jst().tzinfo).date()
    reports = AbuseReport.objects.filter(consultation__in=cases, safety_confirmed_at__isnull=True)
    if overdue_only:
        reports = reports.filter(safety_due_at__lt=now)
    reports = reports.select_related("consultation__child")
    for r in reports:
        items.append(
            DueItem(
                r.consultation_id,
                r.consultation.number,
                r.consultation.child.name,
                "48時間以内の安全確認",
                r.safety_due_at,
                r.safety_due_at < now,
            )
        )
    for p in Protection.objects.filter(consultation__in=cases, end_at__isnull=True).select_related(
        "consultation__child"
    ):
        if p.warrant_due_at and p.warrant_requested_at is None:
            items.append(
                DueItem(
                    p.consultation_id,
                    p.consultation.number,
                    p.consultation.child.name,
                    "一時保護状の請求（同意なし・7日以内）",
                    p.warrant_due_at,
                    p.warrant_due_at < now,
                )
            )
        if p.limit_date - today <= timedelta(days=PROTECTION_WARN_DAYS):
            items.append(
                DueItem(
                    p.consultation_id,
                    p.consultation.number,
                    p.consultation.child.name,
                    "一時保護の期間（2か月）満了",
                    p.limit_date,
                    p.limit_date < today,
                )
            )
    # Only each case's latest meeting sets its next review: an earlier meeting's
    # date is superseded, not overdue.
    later = Meeting.objects.filter(
        consultation=OuterRef("consultation"), held_on__gt=OuterRef("held_on")
    )
    review_until = today - timedelta(days=1) if overdue_only else today + timedelta(days=14)
    for m in (
        Meeting.objects.filter(
            consultation__in=cases.exclude(status=Consultation.Status.CLOSED),
            next_review_on__lte=review_until,
        )
        .exclude(Exists(later))
        .select_related("consultation__child")
    ):
        items.append(
            DueItem(
                m.consultation_id,
                m.consultation.number,
                m.consultation.child.name,
                f"見直し（{KIND_LABELS[m.kind]}）",
                m.next_review_on,
                m.next_review_on < today,
            )
        )

    def key(item):
        due = item.due_at
        return (
            due
            if isinstance(due, datetime)
            else datetime.combine(due, datetime.min.time(), tzinfo=now.tzinfo)
        )

    return sorted(items, key=key)


@dataclass
class Dashboard:
    my_cases: list[Consultation]
    due: list[DueItem]
    recent_notes: list[ProgressNote]
    caseload: list[dict]
    unit_due: list[DueItem]
    needs_reassignment: list[Consultation] = field(default_factory=list)


CASELOAD_CACHE_SECONDS = 60


def unit_caseload(unit_ids, unit_cases) -> list[dict]:
    """Open cases per worker of the supervised units. Counts a minute old are fine
    for balancing caseloads, so they are cached (deadlines are never cached)."""
    key = "cases:caseload:" + ",".join(map(str, sorted(unit_ids)))
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = list(
        User.objects.filter(
            case_assignments__ended_at__isnull=True,
            case_assignments__consultation__in=unit_cases,
        )
        .annotate(open_cases=Count("case_assignments__consultation", distinct=True))
        .order_by("-open_cases", "employee_number")
        .values("pk", "name", "employee_number", "open_cases")[:200]
    )
    cache.set(key, rows, CASELOAD_CACHE_SECONDS)
    return rows


def dashboard_for(user) -> Dashboard:
    now = timezone.now()
    mine = Consultation.objects.filter(
        Exists(
            CaseAssignment.objects.filter(
                consultation=OuterRef("pk"), user=user, ended_at__isnull=True
            )
        )
    ).exclude(status=Consultation.Status.CLOSED)
    my_cases = list(
        mine.select_related("child", "consultation_type").order_by("-received_at")[:100]
    )
    recent = list(
        ProgressNote.objects.filter(consultation__in=mine)
        .select_related("consultation", "author")
        .order_by("-occurred_at")[:10]
    )
    caseload, unit_due, needs_reassignment = [], [], []
    from accounts.access import case_scope

    scope = case_scope(user)
    if scope.supervised_unit_ids:
        unit_cases = Consultation.objects.filter(unit_id__in=scope.supervised_unit_ids).exclude(
            status=Consultation.Status.CLOSED
        )
        caseload = unit_caseload(scope.supervised_unit_ids, unit_cases)
        unit_due = [d for d in _due_items(unit_cases, now, overdue_only=True) if d.overdue]
        # Open cases still assigned to someone who left or went on leave.
        leaver = CaseAssignment.objects.filter(
            consultation=OuterRef("pk"), ended_at__isnull=True, user__is_active=False
        )
        needs_reassignment = list(
            unit_cases.filter(Exists(leaver)).select_related("child").order_by("received_at")[:100]
        )
    return Dashboard(
        my_cases=my_cases,
        due=_due_items(mine, now),
        recent_notes=recent,
        caseload=caseload,
        unit_due=unit_due,
        needs_reassignment=needs_reassignment,
    )


def open_cases_by_unit(unit_ids) -> dict[int, int]:
    """For accounts.hooks: open cases per org unit."""
    rows = (
        Consultation.objects.filter(unit_id__in=list(unit_ids))
        .exclude(status=Consultation.Status.CLOSED)
        .values("unit_id")
        .annotate(n=Count("pk"))
    )
    return {r["unit_id"]: r["n"] for r in rows}
