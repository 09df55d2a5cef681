"""Availability for any period: (service minutes − unplanned stop minutes) / service minutes.

Service runs 24 hours every day. Approved planned stops and stops caused by the
city's network are excluded from both sides; a stop that runs past its planned
window counts as unplanned for the overrun. Partial stops are reported apart and
do not lower availability. Overlapping stops are counted once.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from incidents.models import PlannedStop, StopInterval

Span = tuple[datetime, datetime]


def merge_spans(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract_spans(spans: list[Span], holes: list[Span]) -> list[Span]:
    result = []
    for start, end in spans:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            next_pieces = []
            for p_start, p_end in pieces:
                if h_end <= p_start or h_start >= p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if p_start < h_start:
                    next_pieces.append((p_start, h_start))
                if h_end < p_end:
                    next_pieces.append((h_end, p_end))
            pieces = next_pieces
        result.extend(pieces)
    return result


def span_minutes(spans: list[Span]) -> float:
    return sum((end - start).total_seconds() for start, end in spans) / 60


def clip_spans(spans, start, end) -> list[Span]:
    return [(max(s, start), min(e, end)) for s, e in spans if e > start and s < end]


@dataclass(frozen=True)
class Availability:
    start: datetime
    end: datetime
    service_minutes: float
    unplanned_stop_minutes: float
    planned_minutes: float
    city_network_minutes: float
    partial_stop_minutes: float
    # Minutes with no health sample at all (monitoring itself was down): counted as
    # stops, and listed so a reviewer can see and explain them.
    gap_minutes: float = 0.0
    gaps: tuple[Span, ...] = ()

    @property
    def ratio(self) -> float | None:
        if self.service_minutes <= 0:
            return None
        return (self.service_minutes - self.unplanned_stop_minutes) / self.service_minutes


GAP_COMPONENT = "database"  # sampled every minute as long as beat and a worker run
GAP_TOLERANCE_MINUTES = 3


def sample_gaps(*, start: datetime, end: datetime) -> list[Span]:
    """Stretches longer than the tolerance with no health sample, from the series itself."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            WITH s AS (
                SELECT at, lag(at) OVER (ORDER BY at) AS prev
                FROM incidents_healthsample
                WHERE component = %s AND at >= %s AND at < %s
            )
            SELECT prev, at FROM s
            WHERE prev IS NOT NULL AND at - prev > make_interval(mins => %s)
            ORDER BY prev
            """,
            [GAP_COMPONENT, start, end, GAP_TOLERANCE_MINUTES],
        )
        return [(prev, at) for prev, at in cur.fetchall()]


def availability(
    *, start: datetime, end: datetime, now: datetime | None = None, count_gaps: bool = True
) -> Availability:
    now = now or timezone.now()
    stops = StopInterval.objects.filter(started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )
    planned = merge_spans(
        clip_spans(
            [
                (p.starts_at, p.ends_at)
                for p in PlannedStop.objects.filter(
                    approved_at__isnull=False, starts_at__lt=end, ends_at__gt=start
                )
            ],
            start,
            end,
        )
    )

    def spans(qs):
        return merge_spans(
            clip_spans([(s.started_at, s.ended_at or min(now, end)) for s in qs], start, end)
        )

    gaps = sample_gaps(start=start, end=min(end, now)) if count_gaps else []
    full = merge_spans(spans(stops.filter(partial=False, city_network=False)) + gaps)
    city = spans(stops.filter(partial=False, city_network=True))
    partial = spans(stops.filter(partial=True))
    excluded = merge_spans(planned + city)
    service = span_minutes(subtract_spans([(start, end)], excluded))
    unplanned = span_minutes(subtract_spans(full, excluded))
    return Availability(
        start=start,
        end=end,
        service_minutes=service,
        unplanned_stop_minutes=unplanned,
        planned_minutes=span_minutes(planned),
        city_network_minutes=span_minutes(subtract_spans(city, planned)),
        partial_stop_minutes=span_minutes(partial),
        gap_minutes=span_minutes(subtract_spans(merge_spans(gaps), excluded)),
        gaps=tuple(gaps),
    )
