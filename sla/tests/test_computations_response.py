"""Response-time items (#5–#7, Kobe ≤ 3 s) from the request accounting, with known answers."""

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection

from core.calendar import is_business_day
from core.models import RequestDailyStat
from core.timeutil import JST
from sla import computations as C
from sla.models import Item, Policy

pytestmark = pytest.mark.django_db

MAY = (datetime(2026, 5, 1, tzinfo=JST), datetime(2026, 6, 1, tzinfo=JST))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def item(code, *, unit="seconds", comparison="le", target="3", **params):
    return Item(
        policy=Policy(profile="sendai", name="試験", version=1),
        number="7",
        name="試験項目",
        unit=unit,
        comparison=comparison,
        target_value=Decimal(target),
        measurement="computed",
        period="monthly",
        rule=code,
        rule_params=params,
    )


def compute(it, start=MAY[0], end=MAY[1]):
    cache.key_prefix = f"t-{uuid.uuid4().hex[:12]}"  # data changed: no cached month
    return C.get(it.rule).compute(it, start, end)


@pytest.fixture(autouse=True)
def june():
    with time_machine.travel(at("2026-06-10 12:00"), tick=False):
        yield


def log(when: datetime, view: str, *, method="GET", ms=500, n=1):
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO core_requestlog
                (id, requested_at, user_id, view_name, method, status, duration_us)
            SELECT gen_random_uuid(), %s, NULL, %s, %s, 200, %s FROM generate_series(1, %s)
            """,
            [when, view, method, ms * 1000, n],
        )


def may_days():
    d = date(2026, 5, 1)
    while d < date(2026, 6, 1):
        yield d
        d += timedelta(days=1)


def at_day(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime(d.year, d.month, d.day, hh, mm, tzinfo=JST)


@pytest.fixture
def may_traffic():
    """Every business day of May (Golden Week is off): 19 screens in 0.5 s and one in 4 s in
    office hours, a search in 1 s and one in 3.001 s, an update in 2 s, and a PDF in 10 s."""
    for d in may_days():
        if not is_business_day(d):
            continue
        log(at_day(d, 10), "cases:detail", n=19)
        log(at_day(d, 12), "cases:detail", ms=4000)
        log(at_day(d, 11), "cases:search", ms=1000)
        log(at_day(d, 11, 30), "helpdesk:search", ms=3001)
        log(at_day(d, 14), "cases:note_add", method="POST", ms=2000)
        log(at_day(d, 15), "cases:print_record", ms=10_000)


def test_transition_p95_in_a_holiday_rich_month(may_traffic):
    out = compute(item("response_transition"))
    # 95 % of screens took 0.5 s (19 of 20 per day): p95 = 0.5 s, met.
    assert out.state == C.MET
    assert out.value == Decimal("0.500")
    assert out.in_scope == 20 * 18  # 18 business days in May 2026 (GW 5/4–5/6 are holidays)
    figures = {r.label.split("（")[0]: r.value for r in out.rows}
    assert "p99 4秒" in figures["画面遷移 全体"]
    assert "3秒以内 95%" in figures["画面遷移 全体"]


def test_requests_outside_office_hours_count_overall_but_not_in_office_hours(may_traffic):
    for d in may_days():
        log(at_day(d, 20), "cases:detail", ms=5000, n=2)  # evenings, weekends and holidays
    overall = compute(item("response_transition"))
    assert overall.state == C.MISSED
    assert overall.value == Decimal("5.000")

    office = compute(item("response_transition", office_hours_only=True))
    assert office.state == C.MET
    assert office.value == Decimal("0.500")
    assert office.in_scope == 20 * 18


def test_share_within_three_seconds_for_a_percent_item(may_traffic):
    out = compute(item("response_search", unit="percent", comparison="ge", target="95"))
    # one search in 1 s and one in 3.001 s a day: half within 3 s.
    assert out.value == Decimal("50.00")
    assert out.state == C.MISSED
    assert any(r.label == "画面 helpdesk:search" and r.ok is False for r in out.rows)


def test_update_class_is_the_posts_and_downloads_are_left_out(may_traffic):
    out = compute(item("response_update"))
    assert out.state == C.MET
    assert out.value == Decimal("2.000")
    assert out.in_scope == 18
    everything = compute(item("response_transition", **{"class": "all"}))
    assert everything.in_scope == 18 * (20 + 2 + 1)  # the PDF downloads are not screens


def test_a_business_day_without_any_request_is_data_missing(may_traffic):
    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM core_requestlog WHERE requested_at >= %s AND requested_at < %s",
            [at("2026-05-20 00:00"), at("2026-05-21 00:00")],
        )
    out = compute(item("response_transition"))
    assert out.state == C.DATA_MISSING
    assert [r.label for r in out.rows] == ["2026/05/20 リクエスト記録なし"]


def test_a_day_the_service_was_down_all_day_is_not_a_gap(may_traffic):
    from incidents.models import Incident, StopInterval

    with connection.cursor() as cur:
        cur.execute(
            "DELETE FROM core_requestlog WHERE requested_at >= %s AND requested_at < %s",
            [at("2026-05-20 00:00"), at("2026-05-21 00:00")],
        )
    inc = Incident.objects.create(
        number="I8-0099", fiscal_year=2026, sequence=99, source="monitoring",
        title="全面停止", aware_at=at("2026-05-19 23:00"),
    )  # fmt: skip
    StopInterval.objects.create(
        incident=inc, started_at=at("2026-05-19 23:00"), ended_at=at("2026-05-21 01:00")
    )
    out = compute(item("response_transition"))
    assert out.state == C.MET
    assert ("05/20", "終日停止（記録なしは正常）") in out.excluded


def test_an_empty_month_has_no_events():
    out = compute(item("response_transition"))
    assert out.state == C.NO_EVENTS


def test_a_breach_in_the_last_minute_of_the_month_counts(may_traffic):
    log(at("2026-05-31 23:59"), "cases:detail", ms=9000, n=50)
    log(at("2026-06-01 00:00"), "cases:detail", ms=9000, n=500)  # June's, not May's
    out = compute(item("response_transition"))
    assert out.state == C.MISSED
    assert out.in_scope == 360 + 50
    assert out.value == Decimal("9.000")  # rank ⌈0.95 × 410⌉ = 390 > 360: a last-minute one


def test_months_left_only_as_daily_rollups_are_judged_from_the_share():
    may_2025 = (at("2025-05-01 00:00"), at("2025-06-01 00:00"))
    d = date(2025, 5, 1)
    while d < date(2025, 6, 1):
        if is_business_day(d):
            RequestDailyStat.objects.create(
                day=d, view_name="cases:detail", status_class=2, requests=100, users=10,
                total_duration_us=100 * 500_000, max_duration_us=4_000_000, over_3s=4,
            )  # fmt: skip
        d += timedelta(days=1)
    out = compute(item("response_transition"), *may_2025)
    assert out.state == C.MET  # 96 % within 3 s ⇔ p95 ≤ 3 s
    assert out.value is None
    assert "96%" in out.value_text
    assert any("日次集計" in reason for _w, reason in out.excluded)

    other_threshold = compute(item("response_transition", threshold_seconds=2), *may_2025)
    assert other_threshold.state == C.DATA_MISSING


def test_days_that_are_over_are_stored_once_and_read_back(may_traffic):
    from sla.models import RequestFiguresDay

    first = compute(item("response_transition"))
    assert RequestFiguresDay.objects.count() == 18  # the business days that had requests
    with connection.cursor() as cur:  # e.g. the raw month dropped after its roll-up
        cur.execute("DELETE FROM core_requestlog WHERE requested_at < %s", [MAY[1]])
    again = compute(item("response_transition"))
    assert (again.state, again.value, again.in_scope) == (first.state, first.value, 360)
    # today is never stored: it is still being written
    log(at("2026-06-10 09:00"), "cases:detail", ms=700, n=3)
    today = compute(item("response_transition"), at("2026-06-10 00:00"), at("2026-06-11 00:00"))
    assert today.value == Decimal("0.700")
    assert not RequestFiguresDay.objects.filter(day=date(2026, 6, 10)).exists()
