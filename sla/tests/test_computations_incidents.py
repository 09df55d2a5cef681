"""Incident items (#12–#22, Kobe notification and isolation) from milestones, known answers."""

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps

from core.timeutil import JST
from incidents import clocks
from incidents.models import Incident, MilestoneDefinition, StopInterval
from incidents.presets import ensure_milestone_presets
from sla import computations as C
from sla.models import Item, Policy

pytestmark = pytest.mark.django_db

MAY = (datetime(2026, 5, 1, tzinfo=JST), datetime(2026, 6, 1, tzinfo=JST))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def item(code, *, unit="minutes", comparison="le", target="30", profile="sendai", **params):
    return Item(
        policy=Policy(profile=profile, name="試験", version=1),
        number="15",
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
def presets_and_june(db):
    ensure_milestone_presets(apps)
    with time_machine.travel(at("2026-06-10 12:00"), tick=False):
        yield


_seq = iter(range(1, 10_000))


def incident(aware: str, **kw) -> Incident:
    n = next(_seq)
    return Incident.objects.create(
        number=f"I8-{n:04d}",
        fiscal_year=2026,
        sequence=n,
        source="monitoring",
        title="障害",
        aware_at=at(aware),
        **kw,
    )


def clock(inc, code, *, stop=None, start=None, profile="sendai", agreed=None):
    definition = MilestoneDefinition.objects.get(profile=profile, code=code)
    c = clocks.clock_start(
        incident=inc,
        definition=definition,
        at=at(start) if start else inc.aware_at,
        agreed_due_at=at(agreed) if agreed else None,
    )
    if stop:
        c = clocks.clock_stop(clock=c, at=at(stop), note="電話")
    return c


# --- #15 / #16 notification ---------------------------------------------------------------


def test_notification_time_is_judged_per_incident_and_its_compliance_as_a_share():
    clock(incident("2026-05-11 10:00"), "first_report", stop="2026-05-11 10:25")
    late = incident("2026-05-12 10:00")
    clock(late, "first_report", stop="2026-05-12 10:40")

    per_incident = compute(item("milestone_time", milestone="first_report"))
    assert per_incident.state == C.MISSED
    assert per_incident.value == Decimal("40.000")
    assert per_incident.in_scope == 2
    assert [(r.value, r.ok) for r in per_incident.rows] == [("25分", True), ("40分", False)]
    assert per_incident.rows[1].url == f"/incidents/{late.pk}/"

    share = compute(
        item(
            "milestone_compliance",
            unit="percent",
            comparison="ge",
            target="95",
            milestone="first_report",
        )
    )
    assert share.state == C.MISSED
    assert share.value == Decimal("50.00")


def test_a_breach_in_the_last_minute_of_the_month_belongs_to_that_month():
    clock(incident("2026-05-31 23:59"), "first_report", stop="2026-06-01 00:40")
    may = compute(item("milestone_time", milestone="first_report"))
    assert may.state == C.MISSED
    assert may.value == Decimal("41.000")
    june = compute(
        item("milestone_time", milestone="first_report"),
        at("2026-06-01 00:00"),
        at("2026-07-01 00:00"),
    )
    assert june.state == C.NO_EVENTS


def test_a_running_clock_counts_once_overdue_and_is_left_out_before():
    clock(incident("2026-06-10 11:00"), "first_report")  # 60 min at "now", still running
    clock(incident("2026-06-10 11:50"), "first_report")  # 10 min: still within 30
    out = compute(
        item("milestone_time", milestone="first_report"),
        at("2026-06-01 00:00"),
        at("2026-07-01 00:00"),
    )
    assert out.state == C.MISSED
    assert out.in_scope == 1
    assert out.value == Decimal("60.000")
    assert [reason for _w, reason in out.excluded] == ["期限前のため計測中"]


def test_an_approved_pause_is_left_out(vendor_operator):
    inc = incident("2026-05-20 09:00")
    c = clock(inc, "full_response", start="2026-05-20 09:20")
    clocks.clock_pause(
        clock=c, at=at("2026-05-21 09:20"), reason="市の確認待ち", approver=vendor_operator
    )
    clocks.clock_resume(clock=c, at=at("2026-05-23 09:20"))
    clocks.clock_stop(clock=c, at=at("2026-05-24 09:00"))  # 24 h + 23 h 40 min running
    out = compute(item("milestone_time", unit="hours", target="48", milestone="full_response"))
    assert out.state == C.MET
    assert out.value == Decimal("47.666")


def test_an_empty_month_has_no_events_for_clock_items():
    assert compute(item("milestone_time", milestone="first_report")).state == C.NO_EVENTS
    share = item("milestone_compliance", unit="percent", comparison="ge", target="95")
    share.rule_params = {"milestone": "initial_plan"}
    assert compute(share).state == C.NO_EVENTS


# --- #21 / #22 recovery as agreed ------------------------------------------------------------


def test_recovery_is_judged_against_the_time_agreed_at_the_time():
    on_time = incident("2026-05-11 10:00")
    clock(on_time, "recovery", agreed="2026-05-11 18:00", stop="2026-05-11 17:00")
    late = incident("2026-05-12 10:00")
    clock(late, "recovery", agreed="2026-05-12 12:00", stop="2026-05-12 12:30")
    incident("2026-05-13 10:00")  # recovered without an agreed target: no clock, not counted

    per_event = compute(item("milestone_time", unit="text", target=None, milestone="recovery"))
    assert per_event.state == C.MISSED
    assert per_event.value_text == "期限内 1/2件"
    share = compute(
        item("milestone_compliance", unit="percent", comparison="ge", target="95",
             milestone="recovery")
    )  # fmt: skip
    assert share.value == Decimal("50.00")


# --- Kobe: notification ≤ 3 h, first isolation ≤ 12 h -------------------------------------------


def test_kobe_isolation_and_notification_use_kobes_milestones():
    inc = incident("2026-05-15 22:00")
    clock(inc, "isolation", profile="kobe", stop="2026-05-16 09:30")
    clock(inc, "notification", profile="kobe", stop="2026-05-16 01:30")
    iso = compute(
        item("milestone_time", unit="hours", target="12", profile="kobe", milestone="isolation")
    )
    assert (iso.state, iso.value) == (C.MET, Decimal("11.500"))
    note = compute(
        item("milestone_time", unit="hours", target="3", profile="kobe", milestone="notification")
    )
    assert (note.state, note.value) == (C.MISSED, Decimal("3.500"))
    # Sendai's items do not see Kobe's clocks.
    assert compute(item("milestone_time", milestone="first_report")).state == C.NO_EVENTS


# --- #12 / #13 counts --------------------------------------------------------------------


def test_incidents_in_a_year_leave_out_security_events_and_city_network_faults():
    year = (at("2026-04-01 00:00"), at("2027-04-01 00:00"))
    incident("2026-04-10 10:00")
    incident("2026-05-10 10:00", vendor_caused=True)
    incident("2026-05-11 10:00", kind=Incident.Kind.SECURITY)
    city = incident("2026-05-12 10:00")
    StopInterval.objects.create(
        incident=city, started_at=at("2026-05-12 10:00"), ended_at=at("2026-05-12 11:00"),
        city_network=True,
    )  # fmt: skip
    incident("2026-06-01 09:00")

    count = compute(item("incident_count", unit="count", comparison="lt", target="3"), *year)
    assert count.value == Decimal(3)
    assert count.state == C.MISSED
    assert {reason for _w, reason in count.excluded} == {
        "セキュリティ事象は対象外",
        "市のネットワーク障害",
    }

    vendor = compute(
        item("incident_count", unit="count", comparison="lt", target="1", vendor_caused=True),
        *year,
    )
    assert (vendor.value, vendor.state) == (Decimal(1), C.MISSED)


def test_a_month_without_incidents_counts_zero_and_meets_the_target():
    out = compute(item("incident_count", unit="count", comparison="lt", target="3"))
    assert (out.state, out.value) == (C.MET, Decimal(0))


# --- #14 on-site arrival -------------------------------------------------------------------


def test_onsite_arrival_by_the_next_business_opening_skips_golden_week_and_year_end():
    gw = incident("2026-05-01 18:00", onsite_needed=True, onsite_arrived_at=at("2026-05-07 08:20"))
    late = incident(
        "2026-05-12 10:00", onsite_needed=True, onsite_arrived_at=at("2026-05-13 09:00")
    )
    incident("2026-05-14 10:00")  # no on-site visit needed: not counted
    out = compute(item("onsite_arrival", unit="percent", comparison="ge", target="100"))
    assert out.value == Decimal("50.00")
    assert out.state == C.MISSED
    labels = {r.label.split("（")[0]: r for r in out.rows}
    assert "期限 05/07 08:30" in labels[gw.number].label
    assert labels[late.number].ok is False

    with time_machine.travel(at("2027-01-10 12:00"), tick=False):
        incident("2026-12-28 18:00", onsite_needed=True, onsite_arrived_at=at("2027-01-04 08:30"))
        december = compute(
            item("onsite_arrival", unit="percent", comparison="ge", target="100"),
            at("2026-12-01 00:00"),
            at("2027-01-01 00:00"),
        )
    assert december.state == C.MET
    assert "期限 01/04 08:30" in december.rows[0].label


def test_an_onsite_visit_not_yet_due_is_left_out():
    incident("2026-06-10 10:00", onsite_needed=True)
    out = compute(
        item("onsite_arrival", unit="percent", comparison="ge", target="100"),
        at("2026-06-01 00:00"),
        at("2026-07-01 00:00"),
    )
    assert out.state == C.NO_EVENTS
    assert out.excluded and out.excluded[0][1] == "到着期限前"
