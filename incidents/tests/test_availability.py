"""Availability: planned and city-network stops excluded, overruns counted, overlaps once."""

from datetime import datetime

import pytest

from core.timeutil import JST
from incidents.availability import availability
from incidents.models import Incident, PlannedStop, StopInterval

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


@pytest.fixture
def incident():
    return Incident.objects.create(
        number="I8-0001",
        fiscal_year=2026,
        sequence=1,
        source="monitoring",
        title="停止",
        aware_at=at("2026-11-01 00:00"),
    )


def stop(incident, start, end, **kw):
    return StopInterval.objects.create(
        incident=incident, started_at=at(start), ended_at=at(end), **kw
    )


NOVEMBER = {"start": at("2026-11-01 00:00"), "end": at("2026-12-01 00:00")}
MINUTES = 30 * 24 * 60


def test_an_unplanned_stop_lowers_availability(incident):
    stop(incident, "2026-11-10 10:00", "2026-11-10 11:00")
    result = availability(**NOVEMBER)
    assert result.unplanned_stop_minutes == 60
    assert result.ratio == pytest.approx((MINUTES - 60) / MINUTES)


def test_overlapping_stops_count_once_and_partial_stops_apart(incident):
    stop(incident, "2026-11-10 10:00", "2026-11-10 11:00")
    stop(incident, "2026-11-10 10:30", "2026-11-10 11:30")
    stop(incident, "2026-11-11 10:00", "2026-11-11 12:00", partial=True)
    result = availability(**NOVEMBER)
    assert result.unplanned_stop_minutes == 90
    assert result.partial_stop_minutes == 120


def test_planned_and_city_network_stops_are_excluded_and_an_overrun_counts(
    incident, city_admin, vendor_operator
):
    PlannedStop.objects.create(
        starts_at=at("2026-11-15 22:00"),
        ends_at=at("2026-11-16 02:00"),
        reason="OSパッチ",
        approved_by=city_admin,
        approved_at=at("2026-11-01 09:00"),
        created_by=vendor_operator,
    )
    stop(incident, "2026-11-15 22:00", "2026-11-16 02:30")  # 30 minutes past the window
    stop(incident, "2026-11-20 09:00", "2026-11-20 10:00", city_network=True)
    result = availability(**NOVEMBER)
    assert result.planned_minutes == 240
    assert result.city_network_minutes == 60
    assert result.service_minutes == MINUTES - 240 - 60
    assert result.unplanned_stop_minutes == 30


def test_an_unapproved_planned_stop_is_not_excluded(incident, vendor_operator):
    PlannedStop.objects.create(
        starts_at=at("2026-11-15 22:00"),
        ends_at=at("2026-11-16 02:00"),
        reason="未承認",
        created_by=vendor_operator,
    )
    stop(incident, "2026-11-15 22:00", "2026-11-16 02:00")
    assert availability(**NOVEMBER).unplanned_stop_minutes == 240


def test_a_stop_still_running_counts_until_now_and_stops_are_clipped_to_the_period(incident):
    StopInterval.objects.create(incident=incident, started_at=at("2026-11-30 23:00"))
    stop(incident, "2026-10-31 23:30", "2026-11-01 00:30")
    result = availability(**NOVEMBER, now=at("2026-11-30 23:20"))
    assert result.unplanned_stop_minutes == 20 + 30


def test_gaps_in_the_health_series_count_as_stops_and_are_listed():
    from datetime import timedelta

    from incidents.models import HealthSample

    base = at("2026-11-10 00:00")
    minutes = [m for m in range(120) if not 30 <= m < 50]  # monitoring silent 00:30–00:50
    HealthSample.objects.bulk_create(
        [
            HealthSample(at=base + timedelta(minutes=m), component="database", ok=True)
            for m in minutes
        ]
    )
    result = availability(**NOVEMBER, now=at("2026-11-10 02:00"))
    assert result.gaps == ((at("2026-11-10 00:29"), at("2026-11-10 00:50")),)
    assert result.gap_minutes == 21
    assert result.unplanned_stop_minutes == 21
