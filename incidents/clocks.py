"""Milestone clocks: start, pause, resume, stop; elapsed time as stored sums.

Each closed interval stores its own minutes (24/7 or business time, per the
milestone's unit), so elapsed = SUM(minutes) and met/missed never depends on
re-reading history. Every write is atomic and refuses events out of order.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from core import calendar
from incidents.models import ClockInterval, Incident, MilestoneClock, MilestoneDefinition

Unit = MilestoneDefinition.Unit
BUSINESS_UNITS = (Unit.BUSINESS_MINUTES, Unit.BUSINESS_DAYS)


def interval_minutes(definition: MilestoneDefinition, start: datetime, end: datetime) -> int:
    if definition.unit in BUSINESS_UNITS:
        return calendar.business_minutes_between(start, end)
    return max(0, int((end - start).total_seconds() // 60))


def _open_interval(clock: MilestoneClock) -> ClockInterval | None:
    # .all() so a board that prefetched the intervals asks the database nothing.
    return next((i for i in clock.intervals.all() if i.ended_at is None), None)


def _closed_minutes(clock: MilestoneClock) -> int:
    return sum(i.minutes for i in clock.intervals.all() if i.ended_at is not None)


def _last_event(clock: MilestoneClock) -> datetime:
    last = clock.intervals.order_by("-started_at").first()
    if last is None:
        return clock.started_at
    return last.ended_at or last.started_at


def _not_before(at: datetime, earliest: datetime, what: str) -> None:
    if at < earliest:
        raise ValidationError(
            _("%(what)sの日時が、前の記録（%(t)s）より前になっています。")
            % {"what": what, "t": calendar.format_datetime(earliest)}
        )


@transaction.atomic
def clock_start(
    *,
    incident: Incident,
    definition: MilestoneDefinition,
    at: datetime,
    agreed_due_at: datetime | None = None,
) -> MilestoneClock:
    if at < incident.aware_at:
        raise ValidationError(_("開始日時が障害の認知日時より前になっています。"))
    if definition.unit == Unit.AGREED and agreed_due_at is None:
        raise ValidationError(
            {
                "agreed_due_at": _(
                    "このマイルストーンは期限を都度合意します。合意した期限を入力してください。"
                )
            }
        )
    clock = MilestoneClock.objects.create(
        incident=incident, definition=definition, started_at=at, agreed_due_at=agreed_due_at
    )
    ClockInterval.objects.create(clock=clock, started_at=at)
    return clock


def _close(clock: MilestoneClock, at: datetime, **fields) -> None:
    interval = _open_interval(clock)
    if interval is None:
        raise ValidationError(_("計測中ではありません。"))
    _not_before(at, interval.started_at, _("停止"))
    interval.ended_at = at
    interval.minutes = interval_minutes(clock.definition, interval.started_at, at)
    for name, value in fields.items():
        setattr(interval, name, value)
    interval.save()
    clock.elapsed_minutes = clock.intervals.aggregate(total=Sum("minutes"))["total"] or 0


@transaction.atomic
def clock_pause(*, clock: MilestoneClock, at: datetime, reason: str, approver) -> MilestoneClock:
    clock = MilestoneClock.objects.select_for_update().select_related("definition").get(pk=clock.pk)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("一時停止の理由を入力してください。")})
    if approver is None:
        raise ValidationError({"approver": _("一時停止には承認者が必要です。")})
    if clock.state != MilestoneClock.State.RUNNING:
        raise ValidationError(_("計測中のときだけ一時停止できます。"))
    _close(clock, at, pause_reason=reason.strip(), pause_approved_by=approver)
    clock.state = MilestoneClock.State.PAUSED
    clock.save(update_fields=["elapsed_minutes", "state"])
    return clock


@transaction.atomic
def clock_resume(*, clock: MilestoneClock, at: datetime) -> MilestoneClock:
    clock = MilestoneClock.objects.select_for_update().get(pk=clock.pk)
    if clock.state != MilestoneClock.State.PAUSED:
        raise ValidationError(_("一時停止中のときだけ再開できます。"))
    _not_before(at, _last_event(clock), _("再開"))
    ClockInterval.objects.create(clock=clock, started_at=at)
    clock.state = MilestoneClock.State.RUNNING
    clock.save(update_fields=["state"])
    return clock


@transaction.atomic
def clock_stop(*, clock: MilestoneClock, at: datetime, note: str = "") -> MilestoneClock:
    """The stop event (e.g. 市へ通知: time, method, who was reached)."""
    clock = MilestoneClock.objects.select_for_update().select_related("definition").get(pk=clock.pk)
    if clock.state == MilestoneClock.State.STOPPED:
        raise ValidationError(_("既に停止しています。"))
    if at < clock.started_at:
        raise ValidationError(_("停止の日時が開始より前になっています。"))
    if clock.state == MilestoneClock.State.RUNNING:
        _close(clock, at)
    else:
        _not_before(at, _last_event(clock), _("停止"))
    clock.state = MilestoneClock.State.STOPPED
    clock.stopped_at = at
    clock.stop_note = note.strip()[:300]
    clock.save(update_fields=["elapsed_minutes", "state", "stopped_at", "stop_note"])
    return clock


def due_at(clock: MilestoneClock) -> datetime | None:
    """When the target is reached if the clock keeps running from its current interval."""
    d = clock.definition
    if d.unit == Unit.AGREED:
        return clock.agreed_due_at
    if d.unit == Unit.BUSINESS_DAYS:
        return calendar.add_business_days(clock.started_at, d.target)
    interval = _open_interval(clock)
    if interval is None:
        return None  # paused or stopped: no running deadline
    closed = _closed_minutes(clock)
    remaining = max(0, d.target - closed)
    if d.unit == Unit.BUSINESS_MINUTES:
        return calendar.add_business_minutes(interval.started_at, remaining)
    return interval.started_at + timedelta(minutes=remaining)


def met(clock: MilestoneClock) -> bool | None:
    """None while running; after the stop, whether the target was kept."""
    if clock.state != MilestoneClock.State.STOPPED:
        return None
    d = clock.definition
    if d.unit == Unit.AGREED:
        return clock.stopped_at <= clock.agreed_due_at
    if d.unit == Unit.BUSINESS_DAYS:
        return clock.stopped_at <= calendar.add_business_days(clock.started_at, d.target)
    return clock.elapsed_minutes <= d.target


def warning_levels() -> tuple[int, ...]:
    """Points (% of the target) at which on-call staff are warned; INCIDENT_WARNING_LEVELS."""
    from django.conf import settings

    return tuple(sorted(settings.INCIDENT_WARNING_LEVELS))


def progress_percent(clock: MilestoneClock, now: datetime) -> int | None:
    """How much of its target a running clock has used by ``now`` (None if not running)."""
    if clock.state != MilestoneClock.State.RUNNING:
        return None
    d = clock.definition
    if d.unit in (Unit.BUSINESS_DAYS, Unit.AGREED):
        due = due_at(clock)
        total = (due - clock.started_at).total_seconds() if due else 0
        return 100 if total <= 0 else int(100 * (now - clock.started_at).total_seconds() / total)
    interval = _open_interval(clock)
    closed = _closed_minutes(clock)
    used = closed + (interval_minutes(d, interval.started_at, now) if interval else 0)
    return 100 if d.target <= 0 else int(100 * used / d.target)
