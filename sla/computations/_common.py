"""Helpers shared by the rules: periods in JST, units, rates, links to the source records."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.calendar import BusinessCalendar, using_calendar
from core.timeutil import JST, to_jst
from sla.computations import DATA_MISSING, MET, MISSED, NO_EVENTS, Outcome, judge

HUNDRED = Decimal(100)
MINUTES_PER = {"seconds": Decimal(1) / 60, "minutes": 1, "hours": 60, "days": 1440}


def now() -> datetime:
    return timezone.now()


def effective_end(start: datetime, end: datetime, at: datetime | None = None) -> datetime | None:
    """The end of what can be measured: ``end`` or now, whichever is first; None when the
    period has not begun."""
    at = at or now()
    if start >= at:
        return None
    return min(end, at)


def not_started() -> Outcome:
    return Outcome(state=NO_EVENTS, detail="期間がまだ始まっていないため、対象はありません。")


def day_start(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=JST)


def first_day(start: datetime) -> date:
    return to_jst(start).date()


def last_day(end: datetime) -> date:
    """The JST date of the last instant before ``end`` (inclusive bound for date selectors)."""
    return to_jst(end - timedelta(microseconds=1)).date()


def days(start: datetime, end: datetime) -> list[date]:
    d, last, out = first_day(start), last_day(end), []
    while d <= last:
        out.append(d)
        d += timedelta(days=1)
    return out


def profile_of(item) -> str:
    policy = getattr(item, "policy", None)
    code = getattr(policy, "profile", "") if policy is not None else ""
    return code or settings.CITY_PROFILE


@contextmanager
def calendar_for(item):
    """The business calendar of the item's city, shared by every call in the block."""
    with using_calendar(BusinessCalendar.load(profile_of(item))) as cal:
        yield cal


def params(item) -> dict:
    return dict(getattr(item, "rule_params", None) or {})


def link(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def dec(value, places: int = 3) -> Decimal:
    """Truncated (never rounded up into a pass): 99.4999 % stays below 99.5 %."""
    q = Decimal(1).scaleb(-places)
    return Decimal(str(value)).quantize(q, rounding=ROUND_DOWN)


def rate(met: int, counted: int) -> Decimal | None:
    return None if counted == 0 else dec(Decimal(met) * HUNDRED / Decimal(counted), 2)


def in_unit(minutes: float, unit: str) -> Decimal:
    per = MINUTES_PER.get(unit, 1)
    return dec(Decimal(str(minutes)) / Decimal(str(per)), 3)


UNIT_JA = {"seconds": "秒", "minutes": "分", "hours": "時間", "days": "日", "percent": "%"}


def fmt(value: Decimal | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{format(value.normalize(), 'f')}{UNIT_JA.get(unit, '')}"


def fmt_minutes(minutes: float) -> str:
    minutes = round(minutes)
    if minutes < 60:
        return f"{minutes}分"
    h, m = divmod(minutes, 60)
    return f"{h}時間{m}分" if m else f"{h}時間"


def fmt_dt(dt: datetime | None) -> str:
    return f"{to_jst(dt):%m/%d %H:%M}" if dt else "—"


def judge_item(item, value, *, default: tuple[str, Decimal | None] = ("", None)) -> str:
    comparison = getattr(item, "comparison", "") or default[0]
    target = getattr(item, "target_value", None)
    if target is None:
        target = default[1]
    return judge(value, comparison, target)


def rate_outcome(item, *, counted: int, met: int, rows, excluded, what: str, detail: str):
    """Compliance-type items: share of what was counted that met its target."""
    if counted == 0:
        return Outcome(
            state=NO_EVENTS,
            rows=rows,
            excluded=excluded,
            detail=f"期間内に対象となる{what}はありません。",
        )
    value = rate(met, counted)
    return Outcome(
        state=judge_item(item, value, default=("ge", HUNDRED)),
        value=value,
        value_text=f"{met}/{counted}件（{fmt(value, 'percent')}）",
        in_scope=counted,
        excluded=excluded,
        rows=rows,
        detail=detail,
    )


def worst_outcome(item, *, values: list[Decimal], all_ok: bool, rows, excluded, what, detail):
    """Per-event items (≤ n hours each): the worst case is the figure; a single miss fails."""
    if not values:
        return Outcome(
            state=NO_EVENTS,
            rows=rows,
            excluded=excluded,
            detail=f"期間内に対象となる{what}はありません。",
        )
    worst = max(values)
    state = judge_item(item, worst)
    if not all_ok:
        state = MISSED
    return Outcome(
        state=state,
        value=worst,
        value_text=f"最大 {fmt(worst, item.unit)}（{len(values)}件）",
        in_scope=len(values),
        excluded=excluded,
        rows=rows,
        detail=detail,
    )


__all__ = [
    "DATA_MISSING",
    "MET",
    "MISSED",
    "NO_EVENTS",
    "Outcome",
]
