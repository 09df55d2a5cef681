"""Writes of the routine area: operations and their occurrences, parameter changes, training.

Occurrences are generated ahead from each operation's rule (``occurrences_generate``,
idempotent: one row per operation and due date). Business-day rules come from
core.calendar, in Asia/Tokyo.
"""

from __future__ import annotations

import calendar as pycalendar
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from accounts import roles
from accounts.access import is_vendor
from core import uploads
from core.calendar import BusinessCalendar, current_calendar, format_datetime
from core.concurrency import update_with_version
from core.numbering import next_sequence
from core.timeutil import JST, fiscal_year, now_jst, reiwa
from ops.models.routine import ParameterChange, RoutineOccurrence, RoutineOperation, TrainingSession

HORIZON_DAYS = 60
# How far a rule date may move to reach a business day (longest closure: year end + weekend).
_MOVE_MARGIN = timedelta(days=15)
FUTURE_LEEWAY = timedelta(minutes=5)
DEFAULT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
EVIDENCE_EXTENSIONS = frozenset(
    {"pdf", "xlsx", "xls", "xlsm", "docx", "doc", "csv", "txt", "log", "png", "jpg", "jpeg", "zip"}
)
MATERIAL_EXTENSIONS = frozenset({"pdf", "pptx", "ppt", "docx", "doc", "xlsx", "xls", "zip"})

OPERATION_FIELDS = (
    "name",
    "category",
    "description",
    "frequency",
    "weekday",
    "month",
    "day_of_month",
    "business_day_ordinal",
    "on_non_business_day",
    "due_time",
    "deliverable",
    "responsible_role",
    "lead_days",
    "active",
    "valid_from",
    "valid_to",
)
TRAINING_FIELDS = (
    "title",
    "planned_date",
    "held_date",
    "status",
    "attendee_count",
    "attendee_names_note",
    "material",
    "notes",
)
TRAINING_M2M = ("target_units", "attendees")


# --- uploads ---------------------------------------------------------------------------------


def upload_max_bytes() -> int:
    return int(getattr(settings, "OPS_ROUTINE_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))


def check_upload(upload, *, field: str, allowed: Iterable[str]) -> None:
    """Refuse a file of another type (name and content) or over the size limit, naming the
    field."""
    uploads.check_upload(upload, field=field, allowed=allowed, max_bytes=upload_max_bytes())


def _not_future(value: datetime | None, field: str, label: str, now: datetime) -> None:
    if value is not None and value > now + FUTURE_LEEWAY:
        raise ValidationError({field: _("%(label)sが未来になっています。") % {"label": label}})


def _require_vendor(actor, message: str) -> None:
    if not is_vendor(actor):
        raise ValidationError(message)


# --- schedules -------------------------------------------------------------------------------


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, pycalendar.monthrange(year, month)[1]))


def _months(first: date, last: date):
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _nth_business_day(year: int, month: int, n: int, cal: BusinessCalendar) -> date:
    """The n-th business day of a month (the month's last one if it has fewer)."""
    day = date(year, month, 1)
    found = None
    count = 0
    while day.month == month:
        if cal.is_business_day(day):
            count += 1
            found = day
            if count == n:
                return day
        day += timedelta(days=1)
    if found is None:  # a month without a business day: the calendar is broken
        raise ValueError(f"no business day in {year}-{month:02d}")
    return found


def rule_dates(op: RoutineOperation, first: date, last: date, cal: BusinessCalendar):
    """The days the rule names in [first, last], before any move for closed days."""
    F = RoutineOperation.Frequency
    first = max(first, op.valid_from)
    if op.valid_to:
        last = min(last, op.valid_to)
    if first > last:
        return
    if op.frequency == F.DAILY:
        day = first
        while day <= last:
            yield day
            day += timedelta(days=1)
    elif op.frequency == F.WEEKLY:
        day = first + timedelta(days=(op.weekday - first.weekday()) % 7)
        while day <= last:
            yield day
            day += timedelta(days=7)
    elif op.frequency == F.MONTHLY:
        for y, m in _months(first, last):
            if op.business_day_ordinal:
                day = _nth_business_day(y, m, op.business_day_ordinal, cal)
            else:
                day = _clamped(y, m, op.day_of_month)
            if first <= day <= last:
                yield day
    elif op.frequency == F.YEARLY:
        for y in range(first.year, last.year + 1):
            day = _clamped(y, op.month, op.day_of_month)
            if first <= day <= last:
                yield day


def due_date_for(op: RoutineOperation, rule_date: date, cal: BusinessCalendar) -> date | None:
    """Where a rule date lands by the operation's closed-day policy (None: not held)."""
    P = RoutineOperation.NonBusinessDay
    if op.on_non_business_day == P.KEEP or cal.is_business_day(rule_date):
        return rule_date
    if op.on_non_business_day == P.PREVIOUS:
        return cal.previous_business_day(rule_date)
    if op.on_non_business_day == P.NEXT:
        return cal.next_business_day(rule_date)
    return None


def schedule(
    op: RoutineOperation, first: date, last: date, cal: BusinessCalendar
) -> dict[date, date]:
    """{due date: rule date} for the due dates in [first, last]. Two rule dates moved onto
    the same day (a daily rule over a weekend) are one occurrence, under its own day."""
    result: dict[date, date] = {}
    for rule_day in rule_dates(op, first - _MOVE_MARGIN, last + _MOVE_MARGIN, cal):
        due = due_date_for(op, rule_day, cal)
        if due is not None and first <= due <= last and (due == rule_day or due not in result):
            result[due] = rule_day
    return result


def due_at_for(op: RoutineOperation, due: date) -> datetime:
    return datetime.combine(due, op.due_time or time(17, 0), tzinfo=JST)


def _occurrence_rows(ops, first: date, last: date, cal) -> list[RoutineOccurrence]:
    existing = set(
        RoutineOccurrence.objects.filter(
            operation__in=ops, due_date__gte=first, due_date__lte=last
        ).values_list("operation_id", "due_date")
    )
    rows = []
    for op in ops:
        for due, rule_day in sorted(schedule(op, first, last, cal).items()):
            if (op.pk, due) not in existing:
                rows.append(
                    RoutineOccurrence(
                        operation=op, rule_date=rule_day, due_date=due, due_at=due_at_for(op, due)
                    )
                )
    return rows


@transaction.atomic
def occurrences_generate(
    *, until: date, since: date | None = None, operation: RoutineOperation | None = None
) -> int:
    """Create the missing occurrences due in [since (today, JST), until]; returns how many.

    Idempotent: the operations are locked while their rows are written, and an
    occurrence is unique per operation and due date.
    """
    since = since or now_jst().date()
    if until < since:
        return 0
    ops = RoutineOperation.objects.filter(active=True, valid_from__lte=until).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=since - _MOVE_MARGIN)
    )
    if operation is not None:
        ops = ops.filter(pk=operation.pk)
    ops = list(ops.select_for_update().order_by("pk"))
    if not ops:
        return 0
    rows = _occurrence_rows(ops, since, until, current_calendar())
    if rows:
        bulk_create_with_history(rows, RoutineOccurrence, batch_size=500)
    return len(rows)


@transaction.atomic
def occurrences_mark_missed(*, now: datetime | None = None) -> int:
    """Occurrences still 予定 after their due time become 未実施 (they can still be marked
    done, as 遅延完了)."""
    now = now or timezone.now()
    count = 0
    for occ in RoutineOccurrence.objects.select_for_update().filter(
        status=RoutineOccurrence.Status.PLANNED, due_at__lt=now
    ):
        occ.status = RoutineOccurrence.Status.MISSED
        occ.version += 1
        occ.save(update_fields=["status", "version"])
        count += 1
    return count


def _resync_operation(op: RoutineOperation, *, now: datetime) -> None:
    """After an edit: future occurrences not yet done follow the new rule (moved, removed,
    or added); done and past ones stay as they were."""
    today = now.astimezone(JST).date()
    until = today + timedelta(days=HORIZON_DAYS)
    cal = current_calendar()
    wanted = schedule(op, today, until, cal) if op.active else {}
    for occ in RoutineOccurrence.objects.select_for_update().filter(
        operation=op, status=RoutineOccurrence.Status.PLANNED, due_at__gt=now
    ):
        if occ.due_date not in wanted:
            occ.delete()
            continue
        due_at = due_at_for(op, occ.due_date)
        if occ.due_at != due_at or occ.rule_date != wanted[occ.due_date]:
            occ.due_at, occ.rule_date = due_at, wanted[occ.due_date]
            occ.version += 1
            occ.save(update_fields=["due_at", "rule_date", "version"])
    occurrences_generate(until=until, since=today, operation=op)


# --- operations --------------------------------------------------------------------------------


def _clean_operation(fields: dict) -> dict:
    F = RoutineOperation.Frequency
    data = dict(fields)
    data["name"] = (data.get("name") or "").strip()
    data["deliverable"] = (data.get("deliverable") or "").strip()
    data["description"] = (data.get("description") or "").strip()
    errors: dict[str, str] = {}
    if not data["name"]:
        errors["name"] = _("名称を入力してください。")
    freq = data.get("frequency")
    if freq not in F.values:
        errors["frequency"] = _("頻度を選んでください。")
    if data.get("due_time") is None:
        errors["due_time"] = _("期限時刻を入力してください。")
    if data.get("valid_from") is None:
        errors["valid_from"] = _("適用開始日を入力してください。")
    elif data.get("valid_to") and data["valid_to"] < data["valid_from"]:
        errors["valid_to"] = _("適用終了日が適用開始日より前になっています。")
    if data.get("lead_days") is not None and data["lead_days"] > 365:
        errors["lead_days"] = _("準備期間は365日以内で入力してください。")
    weekday, month = data.get("weekday"), data.get("month")
    day, ordinal = data.get("day_of_month"), data.get("business_day_ordinal")
    if freq == F.WEEKLY and weekday is None:
        errors["weekday"] = _("毎週の場合は曜日を選んでください。")
    if freq == F.MONTHLY:
        if (day is None) == (ordinal is None):
            errors["day_of_month"] = _(
                "毎月の場合は「日」か「第n営業日」のどちらか一方を入力してください。"
            )
        elif ordinal is not None and not 1 <= ordinal <= 20:
            errors["business_day_ordinal"] = _("第n営業日は1〜20で入力してください。")
    if freq == F.YEARLY:
        if month is None or not 1 <= month <= 12:
            errors["month"] = _("毎年の場合は月（1〜12）を入力してください。")
        if day is None:
            errors["day_of_month"] = _("毎年の場合は日を入力してください。")
        elif month and 1 <= month <= 12 and day > pycalendar.monthrange(2024, month)[1]:
            errors["day_of_month"] = _("%(m)s月に%(d)s日はありません。") % {"m": month, "d": day}
    if day is not None and not 1 <= day <= 31 and "day_of_month" not in errors:
        errors["day_of_month"] = _("日は1〜31で入力してください。")
    if errors:
        raise ValidationError(errors)
    # Keep only what the frequency uses, so the rule reads one way.
    data["weekday"] = weekday if freq == F.WEEKLY else None
    data["month"] = month if freq == F.YEARLY else None
    data["day_of_month"] = (
        day if freq in (F.MONTHLY, F.YEARLY) and not (freq == F.MONTHLY and ordinal) else None
    )
    data["business_day_ordinal"] = ordinal if freq == F.MONTHLY else None
    return data


@transaction.atomic
def routine_operation_create(
    *,
    actor,
    name: str,
    category: str,
    frequency: str,
    due_time: time,
    valid_from: date,
    description: str = "",
    weekday: int | None = None,
    month: int | None = None,
    day_of_month: int | None = None,
    business_day_ordinal: int | None = None,
    on_non_business_day: str = RoutineOperation.NonBusinessDay.PREVIOUS,
    deliverable: str = "",
    responsible_role: str = roles.VENDOR_OPERATOR,
    lead_days: int = 0,
    active: bool = True,
    valid_to: date | None = None,
    now: datetime | None = None,
) -> RoutineOperation:
    """Register an operation and generate its occurrences for the next 60 days."""
    _require_vendor(actor, _("定常運用を登録できるのは事業者の担当者です。"))
    data = _clean_operation(
        {
            "name": name,
            "category": category,
            "description": description,
            "frequency": frequency,
            "weekday": weekday,
            "month": month,
            "day_of_month": day_of_month,
            "business_day_ordinal": business_day_ordinal,
            "on_non_business_day": on_non_business_day,
            "due_time": due_time,
            "deliverable": deliverable,
            "responsible_role": responsible_role,
            "lead_days": lead_days,
            "active": active,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
    )
    op = RoutineOperation(**data)
    op.full_clean()
    op.save()
    _resync_operation(op, now=now or timezone.now())
    return op


@transaction.atomic
def routine_operation_update(
    *,
    operation: RoutineOperation,
    actor,
    expected_version: int,
    now: datetime | None = None,
    **fields,
) -> RoutineOperation:
    """Edit an operation; its future occurrences not yet done follow the new rule."""
    _require_vendor(actor, _("定常運用を変更できるのは事業者の担当者です。"))
    unknown = set(fields) - set(OPERATION_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {unknown}")
    current = {name: getattr(operation, name) for name in OPERATION_FIELDS}
    data = _clean_operation({**current, **fields})
    updated = update_with_version(operation, expected_version=expected_version, fields=data)
    _resync_operation(updated, now=now or timezone.now())
    return updated


# --- occurrences -------------------------------------------------------------------------------


def on_time(occurrence: RoutineOccurrence, done_at, delivered_at) -> bool:
    """Done by the due time, and its deliverable (if any) delivered by then too."""
    if done_at is None or done_at > occurrence.due_at:
        return False
    if occurrence.operation.deliverable:
        return delivered_at is not None and delivered_at <= occurrence.due_at
    return True


@transaction.atomic
def occurrence_mark_done(
    *,
    occurrence: RoutineOccurrence,
    actor,
    done_at: datetime,
    expected_version: int,
    evidence_note: str = "",
    evidence_file=None,
    deliverable_delivered_at: datetime | None = None,
    now: datetime | None = None,
) -> RoutineOccurrence:
    """Record an occurrence as done (完了), or as 遅延完了 when after its due time."""
    _require_vendor(actor, _("実施を記録できるのは事業者の担当者です。"))
    now = now or timezone.now()
    if occurrence.is_done:
        raise ValidationError(_("この定常運用はすでに実施済みとして記録されています。"))
    if done_at is None:
        raise ValidationError({"done_at": _("実施日時を入力してください。")})
    _not_future(done_at, "done_at", _("実施日時"), now)
    note = (evidence_note or "").strip()
    check_upload(evidence_file, field="evidence_file", allowed=EVIDENCE_EXTENSIONS)
    if not (note or evidence_file or occurrence.evidence_file):
        raise ValidationError(
            {"evidence_note": _("実施記録を入力するか、証跡ファイルを添付してください。")}
        )
    op = occurrence.operation
    if op.deliverable:
        if deliverable_delivered_at is None:
            raise ValidationError(
                {
                    "deliverable_delivered_at": _(
                        "成果物「%(name)s」の納品日時を入力してください。"
                    )
                    % {"name": op.deliverable}
                }
            )
        _not_future(deliverable_delivered_at, "deliverable_delivered_at", _("納品日時"), now)
    else:
        deliverable_delivered_at = None
    S = RoutineOccurrence.Status
    fields = {
        "status": S.DONE if on_time(occurrence, done_at, deliverable_delivered_at) else S.LATE,
        "done_at": done_at,
        "done_by": actor,
        "evidence_note": note,
        "deliverable_delivered_at": deliverable_delivered_at,
        "undo_reason": "",
    }
    if evidence_file:
        fields["evidence_file"] = evidence_file
    return update_with_version(occurrence, expected_version=expected_version, fields=fields)


@transaction.atomic
def occurrence_undo(
    *,
    occurrence: RoutineOccurrence,
    actor,
    reason: str,
    expected_version: int,
    now: datetime | None = None,
) -> RoutineOccurrence:
    """Take back a done record (the reason is kept, and the history shows what it was)."""
    _require_vendor(actor, _("実施の取消ができるのは事業者の担当者です。"))
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not occurrence.is_done:
        raise ValidationError(_("実施済みではないため、取り消せません。"))
    if not reason:
        raise ValidationError({"reason": _("取り消す理由を入力してください。")})
    S = RoutineOccurrence.Status
    return update_with_version(
        occurrence,
        expected_version=expected_version,
        fields={
            "status": S.PLANNED if occurrence.due_at > now else S.MISSED,
            "done_at": None,
            "done_by": None,
            "deliverable_delivered_at": None,
            "undo_reason": reason[:300],
        },
    )


# --- parameter changes ---------------------------------------------------------------------------


def may_approve(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and roles.CITY_ADMIN in user.role_codes
        and not is_vendor(user)
    )


@transaction.atomic
def parameter_change_request(
    *,
    actor,
    target_kind: str,
    target: str,
    description: str,
    reason: str = "",
    requested_at: datetime | None = None,
    now: datetime | None = None,
) -> ParameterChange:
    """File a change request (申請) for a setting or a code list."""
    now = now or timezone.now()
    if is_vendor(actor):
        side = ParameterChange.Side.VENDOR
    elif roles.CITY_ADMIN in actor.role_codes:
        side = ParameterChange.Side.CITY
    else:
        raise ValidationError(
            _("パラメータ変更を申請できるのは事業者の担当者と市のシステム管理者です。")
        )
    errors = {}
    if target_kind not in ParameterChange.TargetKind.values:
        errors["target_kind"] = _("対象の種類を選んでください。")
    if not (target or "").strip():
        errors["target"] = _("対象の設定名・コード表名を入力してください。")
    if not (description or "").strip():
        errors["description"] = _("変更内容を入力してください。")
    if errors:
        raise ValidationError(errors)
    requested_at = requested_at or now
    _not_future(requested_at, "requested_at", _("申請日時"), now)
    fy = fiscal_year(requested_at)
    seq = next_sequence(ParameterChange, fy)
    return ParameterChange.objects.create(
        number=f"P{reiwa(fy)}-{seq:04d}",
        fiscal_year=fy,
        sequence=seq,
        target_kind=target_kind,
        target=target.strip(),
        description=description.strip(),
        reason=(reason or "").strip(),
        requested_side=side,
        requested_by=actor,
        requested_at=requested_at,
    )


def _check_approver(change: ParameterChange, actor) -> None:
    if not may_approve(actor):
        raise ValidationError(_("承認・却下できるのは市のシステム管理者です。"))
    if actor.pk == change.requested_by_id:
        raise ValidationError(_("申請者本人は承認・却下できません。別の管理者が判断してください。"))


@transaction.atomic
def parameter_change_approve(
    *, change: ParameterChange, actor, expected_version: int, now: datetime | None = None
) -> ParameterChange:
    """A city admin (not the requester) approves. A change applied in an emergency before
    approval can be approved afterwards (事後承認); it still counts as an exception."""
    now = now or timezone.now()
    _check_approver(change, actor)
    S = ParameterChange.Status
    post_hoc = change.status == S.APPLIED and change.approved_at is None
    if change.status != S.REQUESTED and not post_hoc:
        raise ValidationError(
            _("「%(status)s」のパラメータ変更は承認できません。")
            % {"status": change.get_status_display()}
        )
    return update_with_version(
        change,
        expected_version=expected_version,
        fields={
            "status": S.APPLIED if post_hoc else S.APPROVED,
            "approved_by": actor,
            "approved_at": now,
        },
    )


@transaction.atomic
def parameter_change_reject(
    *,
    change: ParameterChange,
    actor,
    reason: str,
    expected_version: int,
    now: datetime | None = None,
) -> ParameterChange:
    now = now or timezone.now()
    _check_approver(change, actor)
    if change.status != ParameterChange.Status.REQUESTED:
        raise ValidationError(
            _("「%(status)s」のパラメータ変更は却下できません。")
            % {"status": change.get_status_display()}
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("却下の理由を入力してください。")})
    return update_with_version(
        change,
        expected_version=expected_version,
        fields={
            "status": ParameterChange.Status.REJECTED,
            "rejected_by": actor,
            "rejected_at": now,
            "rejection_reason": reason.strip(),
        },
    )


@transaction.atomic
def parameter_change_apply(
    *,
    change: ParameterChange,
    actor,
    applied_at: datetime,
    expected_version: int,
    note: str = "",
    now: datetime | None = None,
) -> ParameterChange:
    """The vendor records that an approved change was applied to the product."""
    now = now or timezone.now()
    _require_vendor(actor, _("適用を記録できるのは事業者の担当者です。"))
    S = ParameterChange.Status
    if change.status == S.REQUESTED:
        raise ValidationError(
            _("市の承認前のパラメータ変更は適用できません。承認を受けてから適用してください。")
        )
    if change.status != S.APPROVED:
        raise ValidationError(
            _("「%(status)s」のパラメータ変更は適用できません。")
            % {"status": change.get_status_display()}
        )
    if applied_at is None:
        raise ValidationError({"applied_at": _("適用日時を入力してください。")})
    _not_future(applied_at, "applied_at", _("適用日時"), now)
    if applied_at < change.approved_at.replace(second=0, microsecond=0):
        raise ValidationError(
            {
                "applied_at": _("適用日時が承認日時（%(at)s）より前になっています。")
                % {"at": format_datetime(change.approved_at)}
            }
        )
    return update_with_version(
        change,
        expected_version=expected_version,
        fields={
            "status": S.APPLIED,
            "applied_at": applied_at,
            "applied_by": actor,
            "apply_note": (note or "").strip(),
        },
    )


@transaction.atomic
def parameter_change_apply_emergency(
    *,
    change: ParameterChange,
    actor,
    applied_at: datetime,
    reason: str,
    expected_version: int,
    note: str = "",
    now: datetime | None = None,
) -> ParameterChange:
    """An urgent change applied before approval (e.g. to recover from an incident): recorded
    with its reason and listed as an exception of SLA #10 until, and after, 事後承認."""
    now = now or timezone.now()
    _require_vendor(actor, _("適用を記録できるのは事業者の担当者です。"))
    if change.status != ParameterChange.Status.REQUESTED:
        raise ValidationError(
            _("「%(status)s」のパラメータ変更は緊急適用として記録できません。")
            % {"status": change.get_status_display()}
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": _("承認前に適用した理由を入力してください。")})
    if applied_at is None:
        raise ValidationError({"applied_at": _("適用日時を入力してください。")})
    _not_future(applied_at, "applied_at", _("適用日時"), now)
    return update_with_version(
        change,
        expected_version=expected_version,
        fields={
            "status": ParameterChange.Status.APPLIED,
            "applied_at": applied_at,
            "applied_by": actor,
            "apply_note": (note or "").strip(),
            "emergency_reason": reason.strip(),
        },
    )


# --- training ----------------------------------------------------------------------------------


def _clean_training(data: dict, m2m: dict, *, today: date) -> dict:
    S = TrainingSession.Status
    data = dict(data)
    data["title"] = (data.get("title") or "").strip()
    data["notes"] = (data.get("notes") or "").strip()
    data["attendee_names_note"] = (data.get("attendee_names_note") or "").strip()
    errors: dict[str, str] = {}
    if not data["title"]:
        errors["title"] = _("研修名を入力してください。")
    if data.get("planned_date") is None:
        errors["planned_date"] = _("予定日を入力してください。")
    status = data.get("status") or S.PLANNED
    held = data.get("held_date")
    if status not in S.values:
        errors["status"] = _("状態を選んでください。")
    elif status == S.HELD and held is None:
        errors["held_date"] = _("実施済みにするには実施日を入力してください。")
    elif status != S.HELD and held is not None:
        errors["status"] = _("実施日を入力した場合は、状態を「実施済」にしてください。")
    if held is not None and held > today:
        errors["held_date"] = _("実施日が未来になっています。")
    if status == S.CANCELLED and not data["notes"]:
        errors["notes"] = _("中止の理由を備考に入力してください。")
    attendees = m2m.get("attendees")
    count = data.get("attendee_count")
    if count is not None and attendees is not None and count < len(attendees):
        errors["attendee_count"] = _(
            "受講者数が、選んだ受講者（%(n)s名）より少なくなっています。"
        ) % {"n": len(attendees)}
    if errors:
        raise ValidationError(errors)
    check_upload(data.get("material"), field="material", allowed=MATERIAL_EXTENSIONS)
    data["status"] = status
    return data


def _split_training(fields: dict) -> tuple[dict, dict]:
    unknown = set(fields) - set(TRAINING_FIELDS) - set(TRAINING_M2M)
    if unknown:
        raise ValueError(f"not editable: {unknown}")
    plain = {k: v for k, v in fields.items() if k in TRAINING_FIELDS}
    m2m = {k: list(v) for k, v in fields.items() if k in TRAINING_M2M and v is not None}
    return plain, m2m


@transaction.atomic
def training_session_create(*, actor, **fields) -> TrainingSession:
    """Plan (or record) a training session. Fields: title, planned_date, held_date, status,
    target_units, attendees, attendee_count, attendee_names_note, material, notes."""
    _require_vendor(actor, _("研修を登録できるのは事業者の担当者です。"))
    plain, m2m = _split_training(fields)
    data = _clean_training(plain, m2m, today=now_jst().date())
    if not data.get("material"):
        data.pop("material", None)
    session = TrainingSession(created_by=actor, **data)
    session.full_clean()
    session.save()
    for name, values in m2m.items():
        getattr(session, name).set(values)
    return session


@transaction.atomic
def training_session_update(
    *, session: TrainingSession, actor, expected_version: int, **fields
) -> TrainingSession:
    _require_vendor(actor, _("研修を変更できるのは事業者の担当者です。"))
    plain, m2m = _split_training(fields)
    current = {name: getattr(session, name) for name in TRAINING_FIELDS if name != "material"}
    current_m2m = {"attendees": list(session.attendees.all())} if "attendees" not in m2m else {}
    merged = {**current, **plain}
    if not plain.get("material"):
        merged.pop("material", None)
    data = _clean_training(merged, {**current_m2m, **m2m}, today=now_jst().date())
    updated = update_with_version(session, expected_version=expected_version, fields=data)
    for name, values in m2m.items():
        getattr(updated, name).set(values)
    return updated
