"""Milestone clocks: 24/7 and business time, pauses, order of events, met/missed."""

from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError

from core.timeutil import JST
from incidents import clocks
from incidents.models import ClockInterval, Incident, MilestoneDefinition

pytestmark = pytest.mark.django_db
Unit = MilestoneDefinition.Unit


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


@pytest.fixture
def incident():
    return Incident.objects.create(
        number="I8-0001",
        fiscal_year=2026,
        sequence=1,
        source="monitoring",
        title="ログインできない",
        aware_at=at("2026-12-28 17:00"),
    )


def milestone(code, unit, target):
    return MilestoneDefinition.objects.create(
        profile="test",
        code=code,
        name=code,
        start_event="認知",
        stop_event="市へ通知",
        target=target,
        unit=unit,
        valid_from=date(2024, 4, 1),
    )


def test_a_24_7_clock_is_due_target_minutes_after_start_and_met_when_stopped_in_time(incident):
    clock = clocks.clock_start(
        incident=incident,
        definition=milestone("first_report", Unit.MINUTES, 30),
        at=incident.aware_at,
    )
    assert clocks.due_at(clock) == at("2026-12-28 17:30")
    clock = clocks.clock_stop(
        clock=clock, at=at("2026-12-28 17:25"), note="電話 こども家庭支援課 試験氏"
    )
    assert (clock.elapsed_minutes, clocks.met(clock)) == (25, True)


def test_pauses_are_left_out_and_each_needs_a_reason_and_an_approver(incident, vendor_operator):
    clock = clocks.clock_start(
        incident=incident,
        definition=milestone("full", Unit.MINUTES, 120),
        at=at("2026-12-28 17:00"),
    )
    with pytest.raises(ValidationError, match="理由"):
        clocks.clock_pause(
            clock=clock, at=at("2026-12-28 17:20"), reason=" ", approver=vendor_operator
        )
    clocks.clock_pause(
        clock=clock, at=at("2026-12-28 17:20"), reason="市の判断待ち", approver=vendor_operator
    )
    assert clocks.due_at(clock) is None
    clocks.clock_resume(clock=clock, at=at("2026-12-28 18:20"))
    assert clocks.due_at(clock) == at("2026-12-28 20:00")  # 100 minutes left from 18:20
    clock = clocks.clock_stop(clock=clock, at=at("2026-12-28 19:50"))
    assert clock.elapsed_minutes == 20 + 90
    assert clocks.met(clock) is True
    assert ClockInterval.objects.filter(clock=clock).count() == 2


def test_a_business_time_clock_skips_the_year_end_closure(incident, settings):
    settings.CITY_PROFILE = "sendai"
    clock = clocks.clock_start(
        incident=incident,
        definition=milestone("plan", Unit.BUSINESS_MINUTES, 60),
        at=at("2026-12-28 17:00"),
    )
    # 15 minutes left on 12/28 (desk closes 17:15), then 12/29–1/3 closed: 1/4 08:30 + 45 min.
    assert clocks.due_at(clock) == at("2027-01-04 09:15")
    clock = clocks.clock_stop(clock=clock, at=at("2027-01-04 09:00"))
    assert (clock.elapsed_minutes, clocks.met(clock)) == (45, True)


def test_business_days_for_a_fix_plan(incident, settings):
    settings.CITY_PROFILE = "kobe"
    clock = clocks.clock_start(
        incident=incident,
        definition=milestone("fix_plan", Unit.BUSINESS_DAYS, 3),
        at=at("2026-12-28 17:00"),
    )
    assert clocks.due_at(clock).date() == date(2027, 1, 6)
    clock = clocks.clock_stop(clock=clock, at=at("2027-01-07 10:00"))
    assert clocks.met(clock) is False


def test_events_out_of_order_are_refused_and_change_nothing(incident, vendor_operator):
    clock = clocks.clock_start(
        incident=incident,
        definition=milestone("first_report", Unit.MINUTES, 30),
        at=at("2026-12-28 17:10"),
    )
    with pytest.raises(ValidationError, match="開始より前"):
        clocks.clock_stop(clock=clock, at=at("2026-12-28 17:05"))
    with pytest.raises(ValidationError, match="認知日時より前"):
        clocks.clock_start(
            incident=incident,
            definition=milestone("x", Unit.MINUTES, 30),
            at=at("2026-12-28 16:00"),
        )
    clock.refresh_from_db()
    assert clock.state == "running" and clock.elapsed_minutes == 0
    with pytest.raises(ValidationError, match="一時停止中"):
        clocks.clock_resume(clock=clock, at=at("2026-12-28 17:30"))


def test_an_agreed_recovery_time_is_required_and_judged(incident):
    definition = milestone("recovery", Unit.AGREED, 0)
    with pytest.raises(ValidationError, match="合意"):
        clocks.clock_start(incident=incident, definition=definition, at=incident.aware_at)
    clock = clocks.clock_start(
        incident=incident,
        definition=definition,
        at=incident.aware_at,
        agreed_due_at=at("2026-12-29 09:00"),
    )
    clock = clocks.clock_stop(clock=clock, at=at("2026-12-29 10:00"))
    assert clocks.met(clock) is False


def test_both_presets_ship_their_contract_milestones():
    sendai = dict(
        MilestoneDefinition.objects.filter(profile="sendai").values_list("code", "target")
    )
    kobe = dict(MilestoneDefinition.objects.filter(profile="kobe").values_list("code", "unit"))
    assert sendai["first_report"] == 30 and sendai["full_response"] == 48 * 60
    assert kobe["fix_plan"] == "business_days"
