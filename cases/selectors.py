"""Reads of case records: querysets ready for their page, no per-row queries."""

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from accounts.models import User
from cases.access import visible_q
from cases.models import (
    AbuseReport,
    CaseAssignment,
    Code,
    Consultation,
    Measure,
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


# --- National consultation statistics (福祉行政報告例, issue 11) ---------------------
# Pure reads for reports.services.national: every count is aggregated in SQL
# (COUNT with GROUP BY); no case row is loaded into Python. Counting rules
# (shared/casework.md §2): each case counts once under its own (main) 相談種別;
# received = 受付日 (JST) in the period; dealt with = a decision (援助・措置の決定日)
# in the period, under the case's first decision of the period.

STAT_AGE_BANDS = ("0-2", "3-pre", "elementary", "junior_high", "high_other")
STAT_PERPETRATORS = ("実父", "実父以外の父", "実母", "実母以外の母", "その他")


class _AgeYears(Func):
    """Whole years between two dates (PostgreSQL age())."""

    function = "age"
    template = "date_part('year', age(%(expressions)s))::int"
    output_field = IntegerField()


class _MakeDate(Func):
    function = "make_date"
    output_field = DateField()


def _received_on():
    from core.timeutil import JST

    return TruncDate("received_at", tzinfo=JST)


def _received_in(start: date, end: date) -> QuerySet:
    """Cases whose 受付日 (JST) is within [start, end]."""
    return Consultation.objects.annotate(received_on=_received_on()).filter(
        received_on__gte=start, received_on__lte=end
    )


def stat_codes(list_key: str, start: date, end: date) -> list[dict]:
    """The codes of a list in force at some time in [start, end] (the period's own version)."""
    rows = (
        Code.objects.filter(code_list__key=list_key, valid_from__lte=end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .order_by("order", "code", "pk")
        .values("pk", "code", "name", "group_id", "national_code", "order")
    )
    return list(rows)


def stat_codes_by_id(ids) -> list[dict]:
    """Codes used by the period's data (a case may keep a code retired since)."""
    return list(
        Code.objects.filter(pk__in=list(ids))
        .order_by("order", "code", "pk")
        .values("pk", "code", "name", "group_id", "national_code", "order")
    )


def stat_received_counts(start: date, end: date) -> dict[tuple[int, int], int]:
    """Cases received in the period: {(相談種別 code id, 経路 code id): count}."""
    rows = (
        _received_in(start, end)
        .order_by()
        .values("consultation_type_id", "route_id")
        .annotate(n=Count("pk"))
    )
    return {(r["consultation_type_id"], r["route_id"]): r["n"] for r in rows}


def _first_decision_in(start: date, end: date):
    """The code of a case's first decision in the period (one decision per case)."""
    return Subquery(
        Measure.objects.filter(
            consultation_id=OuterRef("pk"), decided_on__gte=start, decided_on__lte=end
        )
        .order_by("decided_on", "pk")
        .values("code_id")[:1]
    )


def _dealt_in(start: date, end: date) -> QuerySet:
    decided = Measure.objects.filter(
        consultation_id=OuterRef("pk"), decided_on__gte=start, decided_on__lte=end
    )
    return Consultation.objects.filter(Exists(decided)).annotate(
        decision_code_id=_first_decision_in(start, end)
    )


def stat_dealt_counts(start: date, end: date) -> dict[tuple[int, int], int]:
    """Cases dealt with in the period: {(相談種別 code id, 援助 code id): count}."""
    rows = (
        _dealt_in(start, end)
        .order_by()
        .values("consultation_type_id", "decision_code_id")
        .annotate(n=Count("pk"))
    )
    return {(r["consultation_type_id"], r["decision_code_id"]): r["n"] for r in rows}


def stat_abuse_counts(start: date, end: date) -> dict[tuple[str, str, str, int], int]:
    """Abuse cases dealt with in the period (cases with an 虐待通告), each once:
    {(main 虐待種別, age band, 主たる虐待者, 経路 code id): count}.

    The main 虐待種別 is the first one recorded; the age is the child's age on the
    受付日 (学齢 by the age on 1 April of the case's fiscal year); a 主な虐待者 outside
    the national list counts as その他."""
    age = _AgeYears(F("received_on"), F("child__birth_date"))
    school_age = _AgeYears(_MakeDate(F("fiscal_year"), Value(4), Value(1)), F("child__birth_date"))
    band = Case(
        When(child__birth_date__isnull=True, then=Value("high_other")),
        When(age__lt=3, then=Value("0-2")),
        When(school_age__lt=6, then=Value("3-pre")),
        When(school_age__lt=12, then=Value("elementary")),
        When(school_age__lt=15, then=Value("junior_high")),
        default=Value("high_other"),
        output_field=CharField(),
    )
    known = [p for p in STAT_PERPETRATORS if p != "その他"]
    perpetrator = Case(
        When(abuse_report__perpetrator__in=known, then=F("abuse_report__perpetrator")),
        default=Value("その他"),
        output_field=CharField(),
    )
    decided = Measure.objects.filter(
        consultation_id=OuterRef("pk"), decided_on__gte=start, decided_on__lte=end
    )
    rows = (
        Consultation.objects.filter(abuse_report__isnull=False)
        .filter(Exists(decided))
        .annotate(received_on=_received_on())
        .annotate(age=age, school_age=school_age)
        .annotate(
            band=band,
            perp=perpetrator,
            main_type=Coalesce(
                F("abuse_report__abuse_types__0"), Value("unknown"), output_field=CharField()
            ),
        )
        .order_by()
        .values("main_type", "band", "perp", "route_id")
        .annotate(n=Count("pk"))
    )
    return {(r["main_type"], r["band"], r["perp"], r["route_id"]): r["n"] for r in rows}


def stat_protection_counts(start: date, end: date) -> dict[tuple[str, str], int]:
    """一時保護 begun in the period (JST start date): {(reason, place): count}."""
    from core.timeutil import JST

    rows = (
        Protection.objects.annotate(started_on=TruncDate("start_at", tzinfo=JST))
        .filter(started_on__gte=start, started_on__lte=end)
        .order_by()
        .values("reason", "place")
        .annotate(n=Count("pk"))
    )
    return {(r["reason"], r["place"]): r["n"] for r in rows}


def stat_measure_counts(start: date, end: date) -> dict[int, int]:
    """Cases with a decision of each 援助 code in the period: {code id: cases}."""
    rows = (
        Measure.objects.filter(decided_on__gte=start, decided_on__lte=end)
        .order_by()
        .values("code_id")
        .annotate(n=Count("consultation_id", distinct=True))
    )
    return {r["code_id"]: r["n"] for r in rows}
