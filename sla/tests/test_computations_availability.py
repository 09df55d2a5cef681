"""Availability-type items against hand-built months whose right answers are known."""

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from core.timeutil import JST
from incidents.models import Incident, PlannedStop, StopInterval
from sla import computations as C
from sla.models import Item, Policy

pytestmark = pytest.mark.django_db

MAY = (datetime(2026, 5, 1, tzinfo=JST), datetime(2026, 6, 1, tzinfo=JST))
MAY_MINUTES = 31 * 24 * 60


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def item(code, *, unit="percent", comparison="ge", target="99.5", profile="sendai", **params):
    policy = Policy(profile=profile, name="試験", version=1)
    return Item(
        policy=policy,
        number="4",
        name="試験項目",
        unit=unit,
        comparison=comparison,
        target_value=Decimal(target) if target is not None else None,
        measurement="computed",
        period="monthly",
        rule=code,
        rule_params=params,
    )


def compute(it, start=MAY[0], end=MAY[1]):
    return C.get(it.rule).compute(it, start, end)


@pytest.fixture(autouse=True)
def june():
    with time_machine.travel(at("2026-06-10 12:00"), tick=False):
        yield


def samples(start: datetime, end: datetime):
    """One health sample a minute in [start, end), as the monitoring beat writes them."""
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO incidents_healthsample (at, component, ok, detail)
            SELECT g, 'database', true, '' FROM generate_series(
                %s::timestamptz, %s::timestamptz - interval '1 minute', interval '1 minute') g
            """,
            [start, end],
        )


_seq = iter(range(1, 10_000))


def incident(aware: str, **kw) -> Incident:
    n = next(_seq)
    return Incident.objects.create(
        number=f"I8-{n:04d}",
        fiscal_year=2026,
        sequence=n,
        source="monitoring",
        title="停止",
        aware_at=at(aware),
        **kw,
    )


def stop(inc, start, end, **kw):
    return StopInterval.objects.create(
        incident=inc, started_at=at(start), ended_at=at(end) if end else None, **kw
    )


def planned(start, end, user):
    return PlannedStop.objects.create(
        starts_at=at(start),
        ends_at=at(end),
        reason="定期保守",
        approved_by=user,
        approved_at=at(start),
        created_by=user,
    )


# --- #4 availability -----------------------------------------------------------------------


def test_a_month_with_a_planned_stop_excludes_it_from_both_sides(city_admin):
    samples(*MAY)
    planned("2026-05-16 22:00", "2026-05-17 00:00", city_admin)
    inc = incident("2026-05-16 22:30")
    stop(inc, "2026-05-16 22:30", "2026-05-16 23:00")  # inside the window: not counted
    stop(incident("2026-05-20 10:00"), "2026-05-20 10:00", "2026-05-20 11:00")

    out = compute(item("availability"))

    service = MAY_MINUTES - 120
    assert out.state == C.MET
    assert out.value == Decimal("99.865")  # (service − 60) / service, truncated
    assert (service - 60) / service * 100 == pytest.approx(99.8652, abs=1e-4)
    assert out.in_scope == 1
    assert [reason for _what, reason in out.excluded] == ["市の承認済みの計画停止"]
    assert any(r.url == f"/incidents/{inc.pk + 1}/" and r.ok is False for r in out.rows)


def test_a_breach_in_the_last_minute_of_the_month_misses_the_target():
    samples(*MAY)
    # 99.5 % of May allows 223.2 minutes: 223 minutes ending at 23:59 still meets it ...
    inc = incident("2026-05-31 20:16")
    s = stop(inc, "2026-05-31 20:16", "2026-05-31 23:59")
    assert compute(item("availability")).state == C.MET

    # ... one more minute, the last of the month, does not (and June's part is not May's).
    s.ended_at = at("2026-06-01 00:30")
    s.save()
    out = compute(item("availability"))
    assert out.state == C.MISSED
    assert out.value == Decimal("99.498")


def test_city_network_stops_are_excluded_with_their_reason():
    samples(*MAY)
    stop(incident("2026-05-12 09:00"), "2026-05-12 09:00", "2026-05-12 19:00", city_network=True)
    out = compute(item("availability"))
    assert out.state == C.MET
    assert out.value == Decimal("100.000")
    assert ("市のネットワーク障害による停止") in [r for _w, r in out.excluded]


def test_a_month_without_monitoring_is_data_missing_not_a_failure():
    out = compute(item("availability"))
    assert out.state == C.DATA_MISSING
    assert "データ欠損" in out.detail


def test_a_long_monitoring_gap_is_data_missing_and_a_short_one_counts_as_a_stop():
    samples(at("2026-05-01 00:00"), at("2026-05-10 00:00"))
    samples(at("2026-05-10 10:00"), MAY[1])  # 10 hours without samples: 1.3 % of May
    assert compute(item("availability")).state == C.DATA_MISSING

    samples(at("2026-05-10 00:00"), at("2026-05-10 09:50"))  # last sample 09:49, next 10:00
    out = compute(item("availability"))
    assert out.state == C.MET
    assert out.value == Decimal("99.975")  # (44640 − 11) / 44640
    assert any("監視記録なし" in r.label for r in out.rows)


def test_month_to_date_is_measured_up_to_now_and_a_future_month_has_no_events():
    samples(at("2026-06-01 00:00"), at("2026-06-10 12:00"))
    out = compute(item("availability"), at("2026-06-01 00:00"), at("2026-07-01 00:00"))
    assert out.state == C.MET
    assert out.value == Decimal("100.000")
    future = compute(item("availability"), at("2026-07-01 00:00"), at("2026-08-01 00:00"))
    assert future.state == C.NO_EVENTS


# --- #1 service hours, #2 batch availability ------------------------------------------------


def test_service_hours_count_the_days_served_all_day(city_admin):
    planned("2026-05-16 22:00", "2026-05-17 02:00", city_admin)
    stop(incident("2026-05-20 10:00"), "2026-05-20 10:00", "2026-05-20 10:05")
    out = compute(item("service_hours", target="100"))
    assert out.state == C.MISSED
    assert out.value == Decimal("96.77")  # 30 of 31 days
    assert out.value_text.startswith("30/31日")
    assert [r.label.split()[0] for r in out.rows if r.ok is False] == ["05/20"]


def test_service_hours_of_an_empty_month_are_met():
    out = compute(item("service_hours", target="100"))
    assert out.state == C.MET
    assert out.value == Decimal("100.00")


def test_batch_availability_counts_nights_with_a_stop_in_the_window():
    stop(incident("2026-05-10 23:00"), "2026-05-10 23:00", "2026-05-10 23:30")
    stop(incident("2026-05-11 12:00"), "2026-05-11 12:00", "2026-05-11 13:00")  # daytime
    out = compute(item("batch_availability", target="100"))
    # Nights 5/1 … 5/30 end in May (5/31's ends 6/1 04:30); one had a stop.
    assert out.in_scope == 30
    assert out.value == Decimal("96.66")
    assert out.state == C.MISSED


# --- #3 longest stop in office hours ---------------------------------------------------------


def test_a_stop_over_golden_week_counts_only_its_business_time():
    # Fri 5/1 17:00 → Thu 5/7 09:30: 5/2–5/6 are a weekend and holidays (5/6 振替休日).
    inc = incident("2026-05-01 17:00")
    stop(inc, "2026-05-01 17:00", "2026-05-07 09:30")
    out = compute(item("max_stop_office_hours", unit="hours", comparison="le", target="24"))
    assert out.state == C.MET
    assert out.value == Decimal("1.250")  # 15 min on Friday + 60 min on Thursday

    wall = compute(
        item("max_stop_office_hours", unit="hours", comparison="le", target="24", basis="wall")
    )
    assert wall.state == C.MISSED
    assert wall.value == Decimal("136.500")


def test_max_stop_of_a_month_without_stops_has_no_events():
    out = compute(item("max_stop_office_hours", unit="hours", comparison="le", target="24"))
    assert out.state == C.NO_EVENTS


# --- Kobe: interruption per incident --------------------------------------------------------


def test_interruption_per_incident_sums_each_incidents_stops(city_admin):
    long = incident("2026-05-12 08:00")
    stop(long, "2026-05-12 08:00", "2026-05-12 12:00")
    stop(long, "2026-05-12 13:00", "2026-05-12 16:00")  # 4 h + 3 h = 7 h
    short = incident("2026-05-20 08:00")
    stop(short, "2026-05-20 08:00", "2026-05-20 13:00")
    planned("2026-05-20 12:00", "2026-05-20 14:00", city_admin)  # 1 h of it was planned
    it = item(
        "interruption_per_incident", unit="hours", comparison="le", target="6", profile="kobe"
    )
    out = compute(it)
    assert out.state == C.MISSED
    assert out.value == Decimal("7.000")
    oks = {r.label.split("（")[0]: (r.value, r.ok) for r in out.rows if r.ok is not None}
    assert oks[long.number] == ("7時間", False)
    assert oks[short.number] == ("4時間", True)


def test_an_ongoing_interruption_counts_up_to_now():
    stop(incident("2026-06-10 04:00"), "2026-06-10 04:00", None)
    it = item(
        "interruption_per_incident", unit="hours", comparison="le", target="6", profile="kobe"
    )
    out = compute(it, at("2026-06-01 00:00"), at("2026-07-01 00:00"))
    assert out.state == C.MISSED
    assert out.value == Decimal("8.000")
