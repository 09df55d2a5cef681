"""Service hours, batch availability, the longest stop, availability and interruption per
incident (Sendai #1–#4, Kobe service hours / availability / interruption).

All from the incidents app: its stop intervals, approved planned stops (excluded), stops
caused by the city's network (excluded) and the minute-level health samples
(incidents.availability). Partial stops do not count as the service being down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Max, Min, Q

from core.calendar import current_calendar
from core.profiles import PROFILES
from core.timeutil import JST, to_jst
from incidents.availability import (
    GAP_COMPONENT,
    GAP_TOLERANCE_MINUTES,
    availability,
    clip_spans,
    merge_spans,
    sample_gaps,
    span_minutes,
    subtract_spans,
)
from incidents.models import HealthSample, PlannedStop, StopInterval
from sla.computations import DATA_MISSING, NO_EVENTS, Outcome, Row, rule
from sla.computations._common import (
    HUNDRED,
    calendar_for,
    dec,
    effective_end,
    fmt,
    fmt_dt,
    fmt_minutes,
    in_unit,
    judge_item,
    link,
    not_started,
    params,
    profile_of,
    rate,
    worst_outcome,
)
from sla.computations._common import days as period_days
from sla.computations._common import now as _now

Span = tuple[datetime, datetime]


@dataclass
class Stops:
    """The stops and planned windows touching [start, end), as seen at ``at``."""

    start: datetime
    end: datetime
    planned: list[PlannedStop] = field(default_factory=list)
    full: list[StopInterval] = field(default_factory=list)
    city: list[StopInterval] = field(default_factory=list)
    partial: list[StopInterval] = field(default_factory=list)
    at: datetime | None = None

    def span(self, stop: StopInterval) -> Span:
        return (stop.started_at, stop.ended_at or min(self.at, self.end))

    @property
    def excluded_spans(self) -> list[Span]:
        planned = [(p.starts_at, p.ends_at) for p in self.planned]
        city = [self.span(s) for s in self.city]
        return merge_spans(clip_spans(planned + city, self.start, self.end))

    def unplanned(self, stop: StopInterval, *, clip: bool = True) -> list[Span]:
        spans = [self.span(stop)]
        if clip:
            spans = clip_spans(spans, self.start, self.end)
        planned = [(p.starts_at, p.ends_at) for p in self.planned]
        city = [self.span(s) for s in self.city]
        return subtract_spans(spans, merge_spans(planned + city))


def load_stops(start: datetime, end: datetime, at: datetime, *, margin=timedelta(0)) -> Stops:
    lo, hi = start - margin, end + margin
    stops = (
        StopInterval.objects.filter(started_at__lt=hi)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=lo))
        .select_related("incident")
        .order_by("started_at", "pk")
    )
    result = Stops(start=start, end=end, at=at)
    result.planned = list(
        PlannedStop.objects.filter(
            approved_at__isnull=False, starts_at__lt=hi, ends_at__gt=lo
        ).order_by("starts_at")
    )
    for stop in stops:
        if stop.partial:
            result.partial.append(stop)
        elif stop.city_network:
            result.city.append(stop)
        else:
            result.full.append(stop)
    return result


def _stop_row(stop: StopInterval, minutes: float, *, ok: bool | None = False, note="") -> Row:
    return Row(
        label=f"{stop.incident.number} 停止 {fmt_dt(stop.started_at)}–{fmt_dt(stop.ended_at)}",
        value=fmt_minutes(minutes),
        ok=ok,
        url=link("incidents:detail", stop.incident_id),
        note=note,
    )


def _exclusion_rows(stops: Stops) -> tuple[list[Row], list[tuple[str, str]]]:
    rows, excluded = [], []
    for p in stops.planned:
        minutes = span_minutes(clip_spans([(p.starts_at, p.ends_at)], stops.start, stops.end))
        what = f"計画停止 {fmt_dt(p.starts_at)}–{fmt_dt(p.ends_at)}"
        excluded.append((what, "市の承認済みの計画停止"))
        rows.append(
            Row(
                what,
                fmt_minutes(minutes),
                None,
                link("incidents:planned_stops"),
                "除外（計画停止）",
            )
        )
    for s in stops.city:
        minutes = span_minutes(clip_spans([stops.span(s)], stops.start, stops.end))
        what = f"{s.incident.number} 停止 {fmt_dt(s.started_at)}–{fmt_dt(s.ended_at)}"
        excluded.append((what, "市のネットワーク障害による停止"))
        rows.append(
            Row(
                what,
                fmt_minutes(minutes),
                None,
                link("incidents:detail", s.incident_id),
                "除外（市ネットワーク）",
            )
        )
    return rows, excluded


# --- #4 availability ---------------------------------------------------------------------------


@rule("availability", "稼働率（計画停止・市ネットワーク障害を除く）")
def compute_availability(item, start: datetime, end: datetime) -> Outcome:
    """rule_params: min_sample_coverage (default 0.99): below this share of monitored time
    the month is データ欠損 rather than guessed."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    min_coverage = Decimal(str(params(item).get("min_sample_coverage", "0.99")))
    stops = load_stops(start, stop_at, at)
    rows, excluded = _exclusion_rows(stops)
    excluded_spans = stops.excluded_spans
    service = span_minutes(subtract_spans([(start, stop_at)], excluded_spans))
    if service <= 0:
        return Outcome(
            state=NO_EVENTS,
            excluded=excluded,
            rows=rows,
            detail="期間の全体が計画停止または市ネットワーク障害の時間で、稼働率の対象時間がありません。",
        )

    # Monitoring coverage: every minute should carry a health sample of the database.
    agg = HealthSample.objects.filter(
        component=GAP_COMPONENT, at__gte=start, at__lt=stop_at
    ).aggregate(n=Count("pk"), first=Min("at"), last=Max("at"))
    if not agg["n"]:
        return Outcome(
            state=DATA_MISSING,
            excluded=excluded,
            rows=rows,
            detail="期間内に稼働監視の記録が1件もないため、稼働率を算出できません（データ欠損）。",
        )
    tolerance = timedelta(minutes=GAP_TOLERANCE_MINUTES)
    gaps = list(sample_gaps(start=start, end=stop_at))
    edge = []
    if agg["first"] - start > tolerance:
        edge.append((start, agg["first"]))
    if stop_at - agg["last"] > tolerance:
        edge.append((agg["last"], stop_at))
    all_gaps = subtract_spans(merge_spans(gaps + edge), excluded_spans)
    gap_minutes = span_minutes(all_gaps)
    coverage = Decimal(str(1 - gap_minutes / service))
    for g_start, g_end in all_gaps:
        rows.append(
            Row(
                f"監視記録なし {fmt_dt(g_start)}–{fmt_dt(g_end)}",
                fmt_minutes(span_minutes([(g_start, g_end)])),
                False,
                link("ops:status"),
                "停止として計上",
            )
        )
    if coverage < min_coverage:
        return Outcome(
            state=DATA_MISSING,
            value_text=f"監視記録の網羅率 {dec(coverage * HUNDRED, 2)}%",
            excluded=excluded,
            rows=rows,
            detail=(
                f"稼働監視の記録が対象時間の{dec(coverage * HUNDRED, 2)}%しかなく"
                f"（基準 {dec(min_coverage * HUNDRED, 2)}%）、稼働率を判定できません（データ欠損）。"
            ),
        )

    # availability() counts the gaps between samples as stops; the gaps before the first and
    # after the last sample of the period are added here the same way.
    figure = availability(start=start, end=stop_at, now=at)
    full_spans = merge_spans(clip_spans([stops.span(s) for s in stops.full], start, stop_at) + gaps)
    extra = span_minutes(
        subtract_spans(subtract_spans(merge_spans(edge), full_spans), excluded_spans)
    )
    unplanned = figure.unplanned_stop_minutes + extra
    value = dec((service - unplanned) / service * 100, 3)
    for s in stops.full:
        minutes = span_minutes(stops.unplanned(s))
        if minutes > 0:
            rows.append(_stop_row(s, minutes))
    return Outcome(
        state=judge_item(item, value, default=("ge", Decimal("99.5"))),
        value=value,
        value_text=f"{fmt(value, 'percent')}（停止 {fmt_minutes(unplanned)}／対象 {fmt_minutes(service)}）",
        in_scope=sum(1 for s in stops.full if span_minutes(stops.unplanned(s)) > 0),
        excluded=excluded,
        rows=rows,
        detail=(
            "（対象時間 − 計画外停止時間）÷ 対象時間。対象時間は24時間365日から市承認済みの"
            "計画停止と市ネットワーク障害の時間を除き、稼働監視の記録が途切れた時間は停止として数えた。"
        ),
    )


# --- #1 service hours ---------------------------------------------------------------------------


def _unplanned_by_day(stops: Stops, day_list) -> dict:
    by_day: dict = {d: [] for d in day_list}
    for s in stops.full:
        for a, b in stops.unplanned(s):
            d = to_jst(a).date()
            while True:
                lo = max(a, datetime.combine(d, datetime.min.time(), JST))
                hi = min(b, datetime.combine(d + timedelta(days=1), datetime.min.time(), JST))
                if hi > lo and d in by_day:
                    by_day[d].append((s, span_minutes([(lo, hi)])))
                if hi >= b:
                    break
                d += timedelta(days=1)
    return by_day


@rule("service_hours", "サービス提供時間（全日24時間、計画停止を除く）")
def compute_service_hours(item, start: datetime, end: datetime) -> Outcome:
    """Share of days on which the online service ran all 24 hours apart from approved planned
    stops and city network stops (a stop caused by an incident makes the day short)."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    stops = load_stops(start, stop_at, at)
    rows, excluded = _exclusion_rows(stops)
    day_list = period_days(start, stop_at)
    by_day = _unplanned_by_day(stops, day_list)
    short = {d: v for d, v in by_day.items() if v}
    for d, entries in short.items():
        for s, minutes in entries:
            rows.append(
                Row(
                    f"{d:%m/%d} {s.incident.number}",
                    fmt_minutes(minutes),
                    False,
                    link("incidents:detail", s.incident_id),
                )
            )
    served = len(day_list) - len(short)
    value = rate(served, len(day_list))
    planned_minutes = span_minutes(stops.excluded_spans)
    return Outcome(
        state=judge_item(item, value, default=("ge", HUNDRED)),
        value=value,
        value_text=f"{served}/{len(day_list)}日 全日提供（除外 {fmt_minutes(planned_minutes)}）",
        in_scope=len(day_list),
        excluded=excluded,
        rows=rows,
        detail=(
            "暦日ごとに、市承認済みの計画停止と市ネットワーク障害を除いて24時間サービスを提供できた日の"
            "割合を数えた（障害による停止が1分でもあった日は提供できなかった日）。"
        ),
    )


# --- #2 batch availability -------------------------------------------------------------------


@rule("batch_availability", "バッチ処理の実行可能時間（夜間帯の停止なし）")
def compute_batch_availability(item, start: datetime, end: datetime) -> Outcome:
    """Share of nights whose batch window (the city's backup window, outside office hours ±4 h)
    had no unplanned stop."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    w_start, w_end = PROFILES[profile_of(item)].backup_window
    nights = []
    for d in period_days(start, stop_at):
        lo = datetime.combine(d, w_start, JST)
        hi = datetime.combine(d + timedelta(days=1), w_end, JST)
        if lo >= start and hi <= stop_at:
            nights.append((d, lo, hi))
    if not nights:
        return Outcome(state=NO_EVENTS, detail="期間内に終了した夜間バッチ帯がありません。")
    stops = load_stops(nights[0][1], nights[-1][2], at)
    rows, excluded = _exclusion_rows(stops)
    good = 0
    for d, lo, hi in nights:
        hit = []
        for s in stops.full:
            minutes = span_minutes(clip_spans(stops.unplanned(s, clip=False), lo, hi))
            if minutes > 0:
                hit.append((s, minutes))
        if hit:
            for s, minutes in hit:
                rows.append(
                    Row(
                        f"{d:%m/%d} 夜間帯 {s.incident.number}",
                        fmt_minutes(minutes),
                        False,
                        link("incidents:detail", s.incident_id),
                    )
                )
        else:
            good += 1
    value = rate(good, len(nights))
    return Outcome(
        state=judge_item(item, value, default=("ge", HUNDRED)),
        value=value,
        value_text=f"{good}/{len(nights)}夜",
        in_scope=len(nights),
        excluded=excluded,
        rows=rows,
        detail=(
            f"毎夜のバッチ実行帯（{w_start:%H:%M}〜翌{w_end:%H:%M}）に計画外の全面停止がなかった夜の"
            "割合を数えた（計画停止・市ネットワーク障害は除外）。"
        ),
    )


# --- #3 the longest stop in office hours -------------------------------------------------------


def _merged_with_incidents(stops: Stops, spans_of) -> list[tuple[datetime, datetime, set]]:
    pieces = []
    for s in stops.full:
        for a, b in spans_of(s):
            pieces.append((a, b, s))
    pieces.sort(key=lambda p: p[0])
    merged: list[list] = []
    for a, b, s in pieces:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
            merged[-1][2].add(s)
        else:
            merged.append([a, b, {s}])
    return [(a, b, ss) for a, b, ss in merged]


@rule("max_stop_office_hours", "業務時間中の最大停止時間")
def compute_max_stop(item, start: datetime, end: datetime) -> Outcome:
    """Each continuous unplanned stop that began in the period, measured whole (also past the
    period's end) in business time (rule_params basis: "business" (default) or "wall")."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    basis = params(item).get("basis", "business")
    stops = load_stops(start, stop_at, at, margin=timedelta(days=31))
    stops.end = at  # a stop is measured whole, up to now if it still runs
    spans = _merged_with_incidents(stops, lambda s: stops.unplanned(s, clip=False))
    rows, excluded = _exclusion_rows(stops)
    values = []
    with calendar_for(item):
        cal = current_calendar()
        for a, b, members in spans:
            if not (start <= a < stop_at):
                continue
            if basis == "wall":
                minutes = (b - a).total_seconds() / 60
            else:
                minutes = cal.business_time_between(a, b).total_seconds() / 60
            value = in_unit(minutes, item.unit)
            values.append(value)
            numbers = "・".join(sorted(s.incident.number for s in members))
            first = min(members, key=lambda s: s.started_at)
            rows.append(
                Row(
                    f"{numbers} 停止 {fmt_dt(a)}–{fmt_dt(b)}",
                    f"{fmt(value, item.unit)}（{'暦時間' if basis == 'wall' else '業務時間'}）",
                    judge_item(item, value) != "missed",
                    link("incidents:detail", first.incident_id),
                )
            )
    return worst_outcome(
        item,
        values=values,
        all_ok=True,
        rows=rows,
        excluded=excluded,
        what="停止",
        detail=(
            "期間内に始まった計画外の全面停止ごとに、連続した停止時間を"
            + ("暦時間" if basis == "wall" else "業務時間（平日の受付時間、祝日・年末年始を除く）")
            + "で測り、最大のものを示した（計画停止・市ネットワーク障害は除外）。"
        ),
    )


# --- Kobe: interruption per incident -----------------------------------------------------------


@rule("interruption_per_incident", "障害1件あたりのオンライン中断時間")
def compute_interruption(item, start: datetime, end: datetime) -> Outcome:
    """Per incident whose first full stop began in the period: its unplanned stop time in total
    (24 h clock; planned and city network stops excluded). rule_params include_partial: also
    count partial stops (default false)."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    include_partial = bool(params(item).get("include_partial", False))
    stops = load_stops(start, stop_at, at, margin=timedelta(days=31))
    stops.end = at
    counted = stops.full + (stops.partial if include_partial else [])
    by_incident: dict[int, list[StopInterval]] = {}
    for s in counted:
        by_incident.setdefault(s.incident_id, []).append(s)
    rows, excluded = _exclusion_rows(stops)
    values = []
    for group in by_incident.values():
        first = min(s.started_at for s in group)
        if not (start <= first < stop_at):
            continue
        spans = merge_spans([p for s in group for p in stops.unplanned(s, clip=False)])
        minutes = span_minutes(spans)
        value = in_unit(minutes, item.unit)
        values.append(value)
        incident = group[0].incident
        rows.append(
            Row(
                f"{incident.number}（停止開始 {fmt_dt(first)}）",
                fmt(value, item.unit),
                judge_item(item, value) != "missed",
                link("incidents:detail", incident.pk),
            )
        )
    return worst_outcome(
        item,
        values=values,
        all_ok=True,
        rows=rows,
        excluded=excluded,
        what="停止を伴う障害",
        detail=(
            "期間内に停止が始まった障害ごとに、停止区間を重複なく合計した中断時間（24時間の暦時間、"
            "計画停止・市ネットワーク障害を除く）を測り、最大のものを示した。"
        ),
    )
