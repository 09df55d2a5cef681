"""Business calendar shared by every app (営業日・受付時間).

All rules are in Asia/Tokyo whatever the server's zone: datetimes may be given
in any zone but must be aware (naive ones raise ``ValueError``); datetimes
returned are aware and in JST.

Business day (営業日)
    Not Saturday/Sunday, not a national holiday (jpholiday: incl. 振替休日 and
    国民の休日), not 12/29–1/3 (年末年始, 行政機関の休日), not a ``ClosureDay``.

Business time (業務時間)
    ``opens <= t < closes`` on a business day, where (opens, closes) is the
    ``DeskHours`` row of ``settings.CITY_PROFILE`` with the latest
    ``valid_from <= day``, or the profile preset (core.profiles) without one.

Counting conventions
    * Counting starts at ``next_business_opening(start)``: the start itself if it
      is business time, else the next opening (the same day if before opening).
    * A span that ends exactly at a closing time stays there (a deadline of a
      full day's minutes from 08:30 is 17:15 that day, not 08:30 the next day).
      So ``add_business_minutes`` returns business time, or exactly a closing
      time when ``minutes > 0`` runs out at a close.
    * ``add_business_days(date, n)``: the n-th business day after ``date``
      (before it for negative n; ``date`` itself for 0, even if closed).
    * ``add_business_days(datetime, n)``: counting starts at
      ``s = next_business_opening(dt)``; the result is the n-th business day
      after ``s``'s day at ``s``'s clock time, clamped into that day's hours
      (before opening -> opening, at/after closing -> closing, for days whose
      hours differ). Mail received Mon 18:10 therefore counts from Tue 08:30,
      and +1 business day is Wed 08:30.

Performance
    Each public call loads the ClosureDay table and this profile's DeskHours
    once (two queries) and caches per-date facts for the rest of that call.
    Callers that ask many questions in a loop can share one snapshot::

        with using_calendar():
            for ticket in tickets:
                ...add_business_minutes(...)...
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import jpholiday
from django.conf import settings

from core.profiles import PROFILES
from core.timeutil import JST, to_jst

WEEKDAYS_JA = "月火水木金土日"
YEAR_END_LABEL = "年末年始閉庁"
# Longest run of closed days we accept before deciding the calendar is broken.
_MAX_CLOSED_RUN = 400

_active: ContextVar[BusinessCalendar | None] = ContextVar("business_calendar", default=None)


def is_year_end(d: date) -> bool:
    """12/29–1/3: the year-end closure (年末年始) of city offices."""
    return (d.month == 12 and d.day >= 29) or (d.month == 1 and d.day <= 3)


@dataclass(frozen=True)
class Deadline:
    """A due time and the Japanese explanation of how it was counted."""

    due: datetime
    explanation: str

    def __str__(self) -> str:
        return self.explanation


class BusinessCalendar:
    """A snapshot of the calendar rules, with per-date facts cached.

    Build it with ``BusinessCalendar.load()`` (reads the database) or directly
    from plain data (tests, simulations).
    """

    def __init__(
        self,
        *,
        default_hours: tuple[time, time],
        closures: dict[date, str] | None = None,
        desk_hours: list[tuple[date, time, time]] | None = None,
    ):
        if not default_hours[0] < default_hours[1]:
            raise ValueError("desk hours must open before they close")
        self.default_hours = default_hours
        self.closures = dict(closures or {})
        rows = sorted(desk_hours or [])
        self._hours_from = [row[0] for row in rows]
        self._hours = [(row[1], row[2]) for row in rows]
        self._closed_cache: dict[date, tuple[str, str] | None] = {}

    @classmethod
    def load(cls, profile: str | None = None) -> BusinessCalendar:
        from core.models import ClosureDay, DeskHours

        code = profile or settings.CITY_PROFILE
        preset = PROFILES[code]
        return cls(
            default_hours=(preset.desk_open, preset.desk_close),
            closures=dict(ClosureDay.objects.values_list("date", "reason")),
            desk_hours=list(
                DeskHours.objects.filter(profile=code).values_list("valid_from", "opens", "closes")
            ),
        )

    # --- per-date facts ---------------------------------------------------------

    def closed_reason(self, d: date) -> tuple[str, str] | None:
        """(kind, label) why ``d`` is not a business day, or None if it is one.

        kind is one of year_end, holiday, closure, weekend (in that precedence).
        """
        try:
            return self._closed_cache[d]
        except KeyError:
            pass
        reason: tuple[str, str] | None
        if is_year_end(d):
            reason = ("year_end", YEAR_END_LABEL)
        elif name := jpholiday.is_holiday_name(d):
            reason = ("holiday", name)
        elif d in self.closures:
            reason = ("closure", self.closures[d] or "閉庁日")
        elif d.weekday() >= 5:
            reason = ("weekend", "土曜" if d.weekday() == 5 else "日曜")
        else:
            reason = None
        self._closed_cache[d] = reason
        return reason

    def is_business_day(self, d: date) -> bool:
        return self.closed_reason(_as_date(d)) is None

    def hours_in_force(self, d: date) -> tuple[time, time]:
        """Desk hours by the rules in force on ``d``, business day or not."""
        i = bisect.bisect_right(self._hours_from, d)
        return self._hours[i - 1] if i else self.default_hours

    def business_hours(self, d: date) -> tuple[time, time] | None:
        d = _as_date(d)
        return self.hours_in_force(d) if self.is_business_day(d) else None

    def _opening(self, d: date) -> datetime:
        return datetime.combine(d, self.hours_in_force(d)[0], tzinfo=JST)

    def _closing(self, d: date) -> datetime:
        return datetime.combine(d, self.hours_in_force(d)[1], tzinfo=JST)

    def _step_business_day(self, d: date, step: int) -> date:
        for _ in range(_MAX_CLOSED_RUN):
            d += timedelta(days=step)
            if self.is_business_day(d):
                return d
        raise ValueError(f"no business day within {_MAX_CLOSED_RUN} days of {d}")

    def next_business_day(self, d: date) -> date:
        """The first business day strictly after ``d``."""
        return self._step_business_day(d, 1)

    def previous_business_day(self, d: date) -> date:
        """The last business day strictly before ``d``."""
        return self._step_business_day(d, -1)

    # --- times --------------------------------------------------------------------

    def is_business_time(self, dt: datetime) -> bool:
        dt = to_jst(dt)
        hours = self.business_hours(dt.date())
        return hours is not None and hours[0] <= dt.time() < hours[1]

    def next_business_opening(self, dt: datetime) -> datetime:
        dt = to_jst(dt)
        d = dt.date()
        hours = self.business_hours(d)
        if hours is not None:
            if dt.time() < hours[0]:
                return self._opening(d)
            if dt.time() < hours[1]:
                return dt
        return self._opening(self.next_business_day(d))

    def add_business_time(self, dt: datetime, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("business time to add must not be negative")
        current = self.next_business_opening(dt)
        remaining = delta
        while True:
            left_today = self._closing(current.date()) - current
            if remaining <= left_today:
                return current + remaining
            remaining -= left_today
            current = self._opening(self.next_business_day(current.date()))

    def add_business_minutes(self, dt: datetime, minutes: float) -> datetime:
        return self.add_business_time(dt, timedelta(minutes=minutes))

    def add_business_hours(self, dt: datetime, hours: float) -> datetime:
        return self.add_business_time(dt, timedelta(hours=hours))

    def add_business_days(self, value: date | datetime, n: int) -> date | datetime:
        if isinstance(value, datetime):
            start = self.next_business_opening(value)
            day = self._add_days(start.date(), n)
            opens, closes = self.hours_in_force(day)
            clock = min(max(start.time(), opens), closes)
            return datetime.combine(day, clock, tzinfo=JST)
        return self._add_days(value, n)

    def _add_days(self, d: date, n: int) -> date:
        step = 1 if n > 0 else -1
        for _ in range(abs(n)):
            d = self._step_business_day(d, step)
        return d

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        start, end = to_jst(start), to_jst(end)
        total = timedelta(0)
        if end <= start:
            return total
        d = start.date()
        while d <= end.date():
            hours = self.business_hours(d)
            if hours is not None:
                lo = max(start, datetime.combine(d, hours[0], tzinfo=JST))
                hi = min(end, datetime.combine(d, hours[1], tzinfo=JST))
                if hi > lo:
                    total += hi - lo
            d += timedelta(days=1)
        return total

    def business_minutes_between(self, start: datetime, end: datetime) -> int:
        return self.business_time_between(start, end) // timedelta(minutes=1)

    # --- deadlines that explain themselves ---------------------------------------

    def deadline_after_business_minutes(
        self, start: datetime, minutes: int, *, label: str = "受付"
    ) -> Deadline:
        due = self.add_business_minutes(start, minutes)
        origin, steps = self._explain_start(start, label)
        steps += self._skipped_step(origin.date() + timedelta(days=1), due.date())
        steps.append(f"{minutes}分後 {format_datetime(due)}")
        return Deadline(due, " → ".join(steps))

    def deadline_after_business_days(
        self, start: date | datetime, days: int, *, label: str = "受付"
    ) -> Deadline:
        """``days`` business days after ``start``.

        For a datetime, see ``add_business_days``; for a date (e.g. a meeting
        day), the due time is the closing time of the n-th business day after it.
        """
        if days < 1:
            raise ValueError("days must be at least 1")
        if isinstance(start, datetime):
            due = self.add_business_days(start, days)
            origin, steps = self._explain_start(start, label)
            first_counted = origin.date() + timedelta(days=1)
            note = "" if due.time() == origin.time() else " (受付時間内に調整)"
        else:
            due = self._closing(self._add_days(start, days))
            steps = [f"{label} {format_date(start)}"]
            first_counted = start + timedelta(days=1)
            note = ""
        steps += self._skipped_step(first_counted, due.date())
        steps.append(f"{days}営業日後 {format_datetime(due)}{note}")
        return Deadline(due, " → ".join(steps))

    def deadline_before_business_days(
        self, day: date | datetime, days: int, *, label: str = "会議"
    ) -> Deadline:
        """Closing time of the n-th business day before ``day`` (e.g. materials
        2 business days before a meeting)."""
        if days < 1:
            raise ValueError("days must be at least 1")
        day = _as_date(day)
        target = self._add_days(day, -days)
        due = self._closing(target)
        steps = [f"{label} {format_date(day)}"]
        steps += self._skipped_step(target + timedelta(days=1), day)
        steps.append(f"{days}営業日前 {format_datetime(due)}")
        return Deadline(due, " → ".join(steps))

    def _explain_start(self, start: datetime, label: str) -> tuple[datetime, list[str]]:
        start = to_jst(start)
        origin = self.next_business_opening(start)
        if origin == start:
            return origin, [f"{label} {format_datetime(start)} 起算"]
        steps = [f"{label} {format_datetime(start)} は業務時間外"]
        steps += self._skipped_step(start.date(), origin.date())
        steps.append(f"{format_datetime(origin)} 起算")
        return origin, steps

    def _skipped_step(self, first: date, stop: date) -> list[str]:
        """["<closed days in [first, stop)>を除外"], or [] when none were closed."""
        runs: list[list] = []  # [kind, label, first day, last day]
        d = first
        while d < stop:
            reason = self.closed_reason(d)
            if reason is not None:
                kind, text = reason
                key = "土日" if kind == "weekend" else text
                last = runs[-1] if runs else None
                if last and last[0] == kind and last[1] == key and last[3] + timedelta(1) == d:
                    last[3] = d
                else:
                    runs.append([kind, key, d, d])
            d += timedelta(days=1)
        if not runs:
            return []
        return ["、".join(_format_run(*run) for run in runs) + "を除外"]


def _format_run(kind: str, text: str, first: date, last: date) -> str:
    if kind == "year_end":
        span = f"{first.month}/{first.day}"
        if last != first:
            span += f"–{last.month}/{last.day}"
        return f"{span} {text}"
    if kind == "weekend" and first == last:
        text = "土曜" if first.weekday() == 5 else "日曜"
    span = format_date(first) if first == last else f"{format_date(first)}–{format_date(last)}"
    return f"{span} {text}"


def format_date(d: date) -> str:
    """12/28(月)"""
    return f"{d.month}/{d.day}({WEEKDAYS_JA[d.weekday()]})"


def format_datetime(dt: datetime) -> str:
    """12/28(月) 18:10, in JST."""
    dt = to_jst(dt)
    return f"{format_date(dt.date())} {dt:%H:%M}"


def _as_date(value: date | datetime) -> date:
    return to_jst(value).date() if isinstance(value, datetime) else value


# --- module API: one snapshot per call unless using_calendar() is active -----------


@contextmanager
def using_calendar(calendar: BusinessCalendar | None = None) -> Iterator[BusinessCalendar]:
    """Share one calendar snapshot (loaded now unless given) for the block."""
    token = _active.set(calendar or BusinessCalendar.load())
    try:
        yield _active.get()
    finally:
        _active.reset(token)


def current_calendar() -> BusinessCalendar:
    return _active.get() or BusinessCalendar.load()


def is_business_day(d: date) -> bool:
    return current_calendar().is_business_day(d)


def business_hours(d: date) -> tuple[time, time] | None:
    return current_calendar().business_hours(d)


def is_business_time(dt: datetime) -> bool:
    return current_calendar().is_business_time(dt)


def next_business_opening(dt: datetime) -> datetime:
    return current_calendar().next_business_opening(dt)


def add_business_minutes(dt: datetime, minutes: float) -> datetime:
    return current_calendar().add_business_minutes(dt, minutes)


def add_business_hours(dt: datetime, hours: float) -> datetime:
    return current_calendar().add_business_hours(dt, hours)


def add_business_days(value: date | datetime, n: int) -> date | datetime:
    return current_calendar().add_business_days(value, n)


def business_minutes_between(start: datetime, end: datetime) -> int:
    return current_calendar().business_minutes_between(start, end)


def deadline_after_business_minutes(
    start: datetime, minutes: int, *, label: str = "受付"
) -> Deadline:
    return current_calendar().deadline_after_business_minutes(start, minutes, label=label)


def deadline_after_business_days(
    start: date | datetime, days: int, *, label: str = "受付"
) -> Deadline:
    return current_calendar().deadline_after_business_days(start, days, label=label)


def deadline_before_business_days(
    day: date | datetime, days: int, *, label: str = "会議"
) -> Deadline:
    return current_calendar().deadline_before_business_days(day, days, label=label)
