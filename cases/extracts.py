"""Reviewed data extraction definitions over case records (データ抽出).

Registered into ``core.extracts`` from ``CasesConfig.ready()``; the ops app finds them by
code and runs them as the requester, never importing this app. Every definition reads
through the case access rule (``cases.access.visible_q``): a requester gets only the
cases they may open, and a request that names a case they may not open is refused as a
whole. What the screens never show is never extracted: the reporter (通告者) is not a
column, a flagged address (住所秘匿) is always masked (``cases.display.person_address``,
never "revealed"), and the disclosure copy withholds notes that are not 開示可.

Reads are logged where a person reads them: ops writes one ``core.AccessLog`` row (action
"export", object type "consultation") per case in the file at each download.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from accounts import roles
from cases.access import visible_q
from cases.display import person_address
from cases.models import CaseAssignment, Code, Consultation, Measure, Person, ProgressNote
from core.extracts import Column, ExtractDefinition, ExtractRow, Parameter, ParamKind, register
from core.timeutil import JST

# Who may see a column: anyone who may open the case sees what identifies it; the record's
# contents (主訴, 経過, 住所, 援助の内容) are for the case-work line itself.
CASE_VIEWERS = frozenset(roles.CASE_ROLES)
CASE_WORK = frozenset({roles.CASEWORKER, roles.SUPERVISOR, roles.CENTER_DIRECTOR})
PROGRESS_EVERY = 500
MAX_NUMBERS = 200

OBJECT_TYPE = "consultation"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=JST)


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _visible(requester) -> Q | None:
    return visible_q(requester)


def _period_ok(start_name: str, end_name: str, start_label: str, end_label: str):
    def validate(params: dict) -> None:
        start, end = params.get(start_name), params.get(end_name)
        if start and end and end < start:
            raise ValidationError(
                {
                    end_name: _("「%(end)s」が「%(start)s」より前になっています。")
                    % {"end": end_label, "start": start_label}
                }
            )

    return validate


def _code_choices(list_key: str):
    def choices() -> list[tuple[str, str]]:
        rows = Code.objects.filter(code_list__key=list_key).order_by("order", "code")
        return [
            (c.code, f"{c.code} {c.name}" if c.group_id else f"{c.code} {c.name}（区分全体）")
            for c in rows
        ]

    return choices


def _code_filter(field: str, list_key: str, value: str) -> Q:
    """A group code matches its members too (10 養護相談 → 11, 12)."""
    return Q(**{f"{field}__code_list__key": list_key}) & (
        Q(**{f"{field}__code": value}) | Q(**{f"{field}__group__code": value})
    )


def _lead_name() -> Subquery:
    return Subquery(
        CaseAssignment.objects.filter(
            consultation=OuterRef("pk"),
            role=CaseAssignment.Role.LEAD,
            ended_at__isnull=True,
        )
        .order_by("assigned_at", "pk")
        .values("user__name")[:1]
    )


def unreadable(*, user, object_ids) -> list[str]:
    """Case numbers among ``object_ids`` this user may not open now."""
    ids = {int(i) for i in object_ids}
    if not ids:
        return []
    condition = _visible(user)
    qs = Consultation.objects.filter(pk__in=ids)
    if condition is not None:
        qs = qs.exclude(condition)
    return list(qs.order_by("number").values_list("number", flat=True))


# --- 相談受付一覧（期間・種別） -----------------------------------------------------------

CONSULTATION_LIST_COLUMNS = (
    Column("number", "受付番号", CASE_VIEWERS, width=12),
    Column("received_at", "受付日時", CASE_VIEWERS, kind="datetime", width=17),
    Column("channel", "受付方法", CASE_VIEWERS, width=8),
    Column("route", "相談経路", CASE_VIEWERS, width=18),
    Column("consultation_type", "相談種別", CASE_VIEWERS, width=24),
    Column("status", "状態", CASE_VIEWERS, width=10),
    Column("unit", "担当組織", CASE_VIEWERS, width=18),
    Column("lead", "主担当", CASE_VIEWERS, width=14),
    Column("child_name", "児童氏名", CASE_VIEWERS, width=14),
    Column("child_kana", "フリガナ", CASE_VIEWERS, width=18),
    Column("sex", "性別", CASE_VIEWERS, width=6),
    Column("birth_date", "生年月日", CASE_VIEWERS, kind="date", width=11),
    Column("address", "住所", CASE_WORK, width=30),
    Column("main_concern", "主訴", CASE_WORK, width=50),
    Column("accepted_at", "受理日時", CASE_VIEWERS, kind="datetime", width=17),
    Column("closed_at", "終結日時", CASE_VIEWERS, kind="datetime", width=17),
    Column("closure_reason", "終結理由", CASE_VIEWERS, width=18),
)

# Only what the columns need (a person row also holds search forms and bigrams).
LIST_FIELDS = (
    "number",
    "received_at",
    "channel",
    "status",
    "main_concern",
    "accepted_at",
    "closed_at",
    "closure_reason",
    "route__name",
    "route__group__name",
    "consultation_type__name",
    "consultation_type__group__name",
    "unit__name",
    "child__name",
    "child__name_kana",
    "child__sex",
    "child__birth_date",
    "child__address",
    "child__address_confidential",
)

STATUS_CHOICES = (("open", "未終結（受付〜援助中）"), ("closed", "終結"))


def consultation_list_rows(*, requester, params: dict, progress) -> Iterator[ExtractRow]:
    condition = _visible(requester)
    if condition is None:
        progress(0, 0)
        return
    qs = Consultation.objects.filter(condition).filter(
        received_at__gte=_start_of(params["received_from"]),
        received_at__lt=_start_of(params["received_to"] + timedelta(days=1)),
    )
    if params.get("consultation_type"):
        qs = qs.filter(
            _code_filter("consultation_type", "soudan_shubetsu", params["consultation_type"])
        )
    if params.get("status") == "open":
        qs = qs.exclude(status=Consultation.Status.CLOSED)
    elif params.get("status") == "closed":
        qs = qs.filter(status=Consultation.Status.CLOSED)
    total = qs.count()
    progress(0, total)
    rows = (
        qs.select_related("child", "route__group", "consultation_type__group", "unit")
        .only(*LIST_FIELDS)
        .annotate(lead_name=_lead_name())
        .order_by("received_at", "pk")
    )
    # Labels once per run: get_FOO_display() translates lazily on every call.
    channels = _labels(Consultation.Channel)
    statuses = _labels(Consultation.Status)
    sexes = _labels(Person.Sex)
    done = 0
    for c in rows.iterator(chunk_size=2000):
        child = c.child
        yield ExtractRow(
            object_id=c.pk,
            values={
                "number": c.number,
                "received_at": c.received_at,
                "channel": channels.get(c.channel, c.channel),
                "route": str(c.route),
                "consultation_type": str(c.consultation_type),
                "status": statuses.get(c.status, c.status),
                "unit": c.unit.name,
                "lead": c.lead_name or "",
                "child_name": child.name,
                "child_kana": child.name_kana,
                "sex": sexes.get(child.sex, child.sex),
                "birth_date": child.birth_date,
                "address": person_address(child) if child.address else "",
                "main_concern": c.main_concern,
                "accepted_at": c.accepted_at,
                "closed_at": c.closed_at,
                "closure_reason": c.closure_reason,
            },
        )
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done, total)
    progress(done, total)


CONSULTATION_LIST = ExtractDefinition(
    code="cases.consultation_list",
    title="相談受付一覧（期間・種別）",
    description=(
        "受付日が指定期間内の相談を、受付日時の順に1件1行で出力します。"
        "相談種別（区分を選ぶとその下の種別すべて）と状態で絞り込めます。"
        "依頼者が閲覧できる相談だけが対象です。通告者は出力しません。住所秘匿の住所は伏せます。"
    ),
    parameters=(
        Parameter("received_from", "受付日（から）", ParamKind.DATE),
        Parameter("received_to", "受付日（まで）", ParamKind.DATE),
        Parameter(
            "consultation_type",
            "相談種別",
            ParamKind.CODE,
            required=False,
            choices=_code_choices("soudan_shubetsu"),
            help_text="空欄ならすべての種別",
        ),
        Parameter(
            "status",
            "状態",
            ParamKind.CHOICE,
            required=False,
            choices=STATUS_CHOICES,
            help_text="空欄ならすべて",
        ),
    ),
    columns=CONSULTATION_LIST_COLUMNS,
    run=consultation_list_rows,
    object_type=OBJECT_TYPE,
    object_label="相談",
    unreadable=unreadable,
    validate=_period_ok("received_from", "received_to", "受付日（から）", "受付日（まで）"),
    owner="cases",
)


# --- 指定した相談番号の経過 -----------------------------------------------------------------

CASE_PROGRESS_COLUMNS = (
    Column("number", "受付番号", CASE_VIEWERS, width=12),
    Column("child_name", "児童氏名", CASE_VIEWERS, width=14),
    Column("occurred_at", "日時", CASE_VIEWERS, kind="datetime", width=17),
    Column("kind", "種別", CASE_VIEWERS, width=10),
    Column("author", "記録者", CASE_VIEWERS, width=14),
    Column("disclosure", "開示区分", CASE_VIEWERS, width=22),
    Column("text", "内容", CASE_WORK, width=80),
    Column("addendum", "終結後の追記", CASE_VIEWERS, width=8),
)


def _named_cases(requester, numbers: list[str]) -> list[Consultation]:
    """The named cases in the order given; the whole request is refused if any is
    unknown or one the requester may not open, naming the numbers."""
    condition = _visible(requester)
    found = {
        c.number: c for c in Consultation.objects.filter(number__in=numbers).select_related("child")
    }
    missing = [n for n in numbers if n not in found]
    if missing:
        raise ValidationError(
            {
                "numbers": _("相談番号 %(numbers)s は見つかりません。番号を確かめてください。")
                % {"numbers": "、".join(missing[:10]) + ("ほか" if len(missing) > 10 else "")}
            },
            code="unknown_case",
        )
    visible: set[int] = set()
    if condition is not None:
        visible = set(
            Consultation.objects.filter(pk__in=[c.pk for c in found.values()])
            .filter(condition)
            .values_list("pk", flat=True)
        )
    refused = [n for n in numbers if found[n].pk not in visible]
    if refused:
        raise ValidationError(
            {
                "numbers": _(
                    "相談番号 %(numbers)s はあなたが閲覧できない相談のため、この依頼は"
                    "お受けできません（一部だけの抽出はしません）。"
                )
                % {"numbers": "、".join(refused[:10]) + ("ほか" if len(refused) > 10 else "")}
            },
            code="case_not_visible",
        )
    return [found[n] for n in numbers]


def _withheld(note: ProgressNote) -> str:
    label = str(note.get_disclosure_display())
    prefix, suffix = "不開示（", "）"
    if label.startswith(prefix) and label.endswith(suffix):
        label = label[len(prefix) : -len(suffix)]
    return f"（不開示：{label}）"


def check_case_progress(*, requester, params: dict) -> None:
    _named_cases(requester, params["numbers"])


def case_progress_rows(*, requester, params: dict, progress) -> Iterator[ExtractRow]:
    cases = _named_cases(requester, params["numbers"])  # checked again: scopes change
    notes = ProgressNote.objects.filter(consultation__in=[c.pk for c in cases])
    if params.get("notes_from"):
        notes = notes.filter(occurred_at__gte=_start_of(params["notes_from"]))
    if params.get("notes_to"):
        notes = notes.filter(occurred_at__lt=_start_of(params["notes_to"] + timedelta(days=1)))
    redact = params.get("for_disclosure", False)
    total = len(cases)
    progress(0, total)
    by_case: dict[int, list[ProgressNote]] = {c.pk: [] for c in cases}
    for note in notes.select_related("author").order_by("occurred_at", "pk").iterator(2000):
        by_case[note.consultation_id].append(note)
    for done, case in enumerate(cases, start=1):
        base = {"number": case.number, "child_name": case.child.name}
        if not by_case[case.pk]:
            yield ExtractRow(
                object_id=case.pk,
                values={**base, "text": "（期間内の経過記録なし）", "addendum": ""},
            )
        for note in by_case[case.pk]:
            withheld = redact and note.disclosure != ProgressNote.Disclosure.OPEN
            yield ExtractRow(
                object_id=case.pk,
                values={
                    **base,
                    "occurred_at": note.occurred_at,
                    "kind": note.get_kind_display(),
                    "author": note.author.name,
                    "disclosure": note.get_disclosure_display(),
                    "text": _withheld(note) if withheld else note.text,
                    "addendum": "追記" if note.is_addendum else "",
                },
            )
        progress(done, total)


CASE_PROGRESS = ExtractDefinition(
    code="cases.case_progress",
    title="指定した相談番号の経過",
    description=(
        "指定した相談番号ごとに、経過記録を日時の順に出力します。"
        "指定した番号に依頼者が閲覧できない相談が1件でもあれば、依頼全体をお受けしません。"
        "「開示用」にすると、開示可以外の記録は本文を伏せて区分だけを出力します。"
    ),
    parameters=(
        Parameter(
            "numbers",
            "相談番号",
            ParamKind.NUMBERS,
            max_items=MAX_NUMBERS,
            max_length=20,
            help_text=f"1行に1件（または読点・空白区切り）、{MAX_NUMBERS}件まで。例: 2026-00012",
        ),
        Parameter("notes_from", "記録日（から）", ParamKind.DATE, required=False),
        Parameter("notes_to", "記録日（まで）", ParamKind.DATE, required=False),
        Parameter(
            "for_disclosure",
            "開示用（不開示区分の記録は本文を伏せる）",
            ParamKind.BOOL,
            required=False,
            default=False,
        ),
    ),
    columns=CASE_PROGRESS_COLUMNS,
    run=case_progress_rows,
    object_type=OBJECT_TYPE,
    object_label="相談",
    check=check_case_progress,
    unreadable=unreadable,
    validate=_period_ok("notes_from", "notes_to", "記録日（から）", "記録日（まで）"),
    owner="cases",
)


# --- 援助・措置一覧（期間） -----------------------------------------------------------------

MEASURE_LIST_COLUMNS = (
    Column("number", "受付番号", CASE_VIEWERS, width=12),
    Column("child_name", "児童氏名", CASE_VIEWERS, width=14),
    Column("unit", "担当組織", CASE_VIEWERS, width=18),
    Column("measure", "援助", CASE_VIEWERS, width=30),
    Column("decided_on", "決定日", CASE_VIEWERS, kind="date", width=11),
    Column("start_on", "開始日", CASE_VIEWERS, kind="date", width=11),
    Column("end_on", "終了日", CASE_VIEWERS, kind="date", width=11),
    Column("notice_sent_on", "通知書送付日", CASE_VIEWERS, kind="date", width=11),
    Column("facility", "施設・里親等", CASE_WORK, width=24),
    Column("note", "備考", CASE_WORK, width=40),
)


def measure_list_rows(*, requester, params: dict, progress) -> Iterator[ExtractRow]:
    condition = _visible(requester)
    if condition is None:
        progress(0, 0)
        return
    cases = Consultation.objects.filter(condition)
    qs = Measure.objects.filter(
        consultation__in=cases,
        start_on__gte=params["start_from"],
        start_on__lte=params["start_to"],
    )
    if params.get("measure"):
        qs = qs.filter(_code_filter("code", "enjo", params["measure"]))
    total = qs.count()
    progress(0, total)
    done = 0
    for m in (
        qs.select_related("consultation__child", "consultation__unit", "code__group")
        .order_by("start_on", "pk")
        .iterator(chunk_size=2000)
    ):
        c = m.consultation
        yield ExtractRow(
            object_id=c.pk,
            values={
                "number": c.number,
                "child_name": c.child.name,
                "unit": c.unit.name,
                "measure": str(m.code),
                "decided_on": m.decided_on,
                "start_on": m.start_on,
                "end_on": m.end_on,
                "notice_sent_on": m.notice_sent_on,
                "facility": m.facility,
                "note": m.note,
            },
        )
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done, total)
    progress(done, total)


MEASURE_LIST = ExtractDefinition(
    code="cases.measure_list",
    title="援助・措置一覧（開始日の期間）",
    description=(
        "開始日が指定期間内の援助・措置を、開始日の順に1件1行で出力します。"
        "依頼者が閲覧できる相談のものだけが対象です。"
    ),
    parameters=(
        Parameter("start_from", "開始日（から）", ParamKind.DATE),
        Parameter("start_to", "開始日（まで）", ParamKind.DATE),
        Parameter(
            "measure",
            "援助",
            ParamKind.CODE,
            required=False,
            choices=_code_choices("enjo"),
            help_text="空欄ならすべての援助",
        ),
    ),
    columns=MEASURE_LIST_COLUMNS,
    run=measure_list_rows,
    object_type=OBJECT_TYPE,
    object_label="相談",
    unreadable=unreadable,
    validate=_period_ok("start_from", "start_to", "開始日（から）", "開始日（まで）"),
    owner="cases",
)

DEFINITIONS = (CONSULTATION_LIST, CASE_PROGRESS, MEASURE_LIST)


def register_definitions() -> None:
    for definition in DEFINITIONS:
        register(definition)
