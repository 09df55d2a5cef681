"""Opening incidents, stops and recovery, planned stops, monitoring that opens incidents."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.health import CheckResult
from core.timeutil import JST
from incidents import services
from incidents.models import HealthSample, Incident, PlannedStop

pytestmark = pytest.mark.django_db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def test_opening_an_incident_starts_the_profiles_clocks_at_awareness(
    vendor_operator, settings, time_machine
):
    settings.CITY_PROFILE = "sendai"
    time_machine.move_to("2026-12-01 10:30 +0900")
    incident = services.incident_open(
        actor=vendor_operator, source="city", title="帳票が出ない", aware_at=at("2026-12-01 10:00")
    )
    assert incident.number == "I8-0001"
    assert {
        c.definition.code: c.started_at for c in incident.clocks.select_related("definition")
    } == {
        "first_report": at("2026-12-01 10:00"),
    }


def test_stop_intervals_must_not_overlap_or_end_before_they_start(vendor_operator, time_machine):
    time_machine.move_to("2026-12-01 12:00 +0900")
    incident = services.incident_open(
        actor=vendor_operator, source="vendor", title="停止", aware_at=at("2026-12-01 10:00")
    )
    services.stop_add(
        incident=incident, started_at=at("2026-12-01 10:00"), ended_at=at("2026-12-01 11:00")
    )
    with pytest.raises(ValidationError, match="重なって"):
        services.stop_add(
            incident=incident, started_at=at("2026-12-01 10:30"), ended_at=at("2026-12-01 11:30")
        )
    with pytest.raises(ValidationError, match="停止開始より前"):
        services.stop_add(
            incident=incident, started_at=at("2026-12-01 11:30"), ended_at=at("2026-12-01 11:00")
        )
    with pytest.raises(ValidationError, match="認知日時より前"):
        services.incident_recover(incident=incident, recovered_at=at("2026-12-01 09:00"))
    assert incident.stops.count() == 1


def test_a_planned_stop_in_the_past_is_refused(vendor_operator):
    with pytest.raises(ValidationError, match="過去"):
        services.planned_stop_create(
            actor=vendor_operator,
            starts_at=timezone.now() - timedelta(hours=1),
            ends_at=timezone.now() + timedelta(hours=1),
            reason="パッチ",
        )
    assert not PlannedStop.objects.exists()


def _checks(**down):
    return [
        CheckResult(name, not down.get(name, False), "test")
        for name in ("database", "redis", "celery_worker", "celery_beat", "backup_disk")
    ]


def test_monitoring_opens_one_incident_after_consecutive_failures_and_recovery_closes_the_stop(
    time_machine,
):
    start = at("2026-12-01 03:00")
    for minute in range(6):
        time_machine.move_to(start + timedelta(minutes=minute))
        services.health_sample_record(results=_checks(redis=1 <= minute <= 4))
        services.health_sample_record(results=_checks(redis=1 <= minute <= 4))  # beat ran twice
    incident = Incident.objects.get()
    assert (incident.source, incident.monitored_component) == ("monitoring", "redis")
    assert incident.aware_at == start + timedelta(minutes=1)  # the first failure
    stop = incident.stops.get()
    assert (stop.started_at, stop.ended_at) == (
        start + timedelta(minutes=1),
        start + timedelta(minutes=5),
    )
    assert incident.recovered_at == start + timedelta(minutes=5)
    assert HealthSample.objects.filter(component="redis").count() == 6


def test_a_short_blip_opens_nothing(time_machine):
    start = at("2026-12-01 03:00")
    for minute in range(5):
        time_machine.move_to(start + timedelta(minutes=minute))
        services.health_sample_record(results=_checks(redis=minute in (1, 2)))
    assert not Incident.objects.exists()


def test_a_real_redis_outage_is_sampled_as_down(own_redis, redis_pointing_at):
    redis_pointing_at(own_redis.url)
    own_redis.stop()
    services.health_sample_record()
    assert HealthSample.objects.get(component="redis").ok is False
    assert HealthSample.objects.get(component="database").ok is True


def test_warnings_go_out_at_75_and_100_percent_once_each(
    vendor_operator, settings, time_machine, mailoutbox
):
    from incidents.models import ClockWarning

    settings.CITY_PROFILE = "sendai"
    vendor_operator.email = "oncall@vendor.example.jp"
    vendor_operator.save()
    time_machine.move_to("2026-12-01 10:00 +0900")
    services.incident_open(
        actor=vendor_operator, source="city", title="停止", aware_at=at("2026-12-01 10:00")
    )
    time_machine.move_to("2026-12-01 10:20 +0900")  # 20 of 30 minutes: 66 %
    assert services.send_clock_warnings() == 0
    time_machine.move_to("2026-12-01 10:23 +0900")  # 76 %
    assert services.send_clock_warnings() == 1
    assert services.send_clock_warnings() == 0  # beat ran twice
    time_machine.move_to("2026-12-01 10:31 +0900")
    assert services.send_clock_warnings() == 1
    assert sorted(ClockWarning.objects.values_list("level", flat=True)) == [75, 100]
    assert [m.to for m in mailoutbox] == [["oncall@vendor.example.jp"]] * 2
    assert "期限超過" in mailoutbox[1].subject


def test_many_failed_logins_open_one_security_incident_a_day(client, caseworker, settings):
    settings.AXES_FAILURE_LIMIT = 1000  # keep the account usable; we only count failures here
    for i in range(5):
        client.post(
            "/login/",
            {"username": caseworker.employee_number, "password": "wrong"},
            REMOTE_ADDR=f"10.0.0.{i}",
        )
    assert services.security_check_failed_logins(threshold=10) is None
    incident = services.security_check_failed_logins(threshold=5)
    assert incident.kind == "security" and "ログイン失敗 5 件" in incident.title
    assert services.security_check_failed_logins(threshold=5) is None  # once a day


def test_correcting_the_awareness_time_moves_the_clocks_and_keeps_history(
    vendor_operator, settings, time_machine
):
    from incidents import clocks

    settings.CITY_PROFILE = "sendai"
    time_machine.move_to("2026-12-01 11:00 +0900")
    incident = services.incident_open(
        actor=vendor_operator, source="city", title="停止", aware_at=at("2026-12-01 10:30")
    )
    clock = incident.clocks.get(definition__code="first_report")
    clocks.clock_stop(clock=clock, at=at("2026-12-01 10:50"), note="電話")
    incident = services.incident_update(
        incident=incident,
        expected_version=incident.version,
        aware_at=at("2026-12-01 10:10"),
        cause="ディスク満杯",
    )
    clock.refresh_from_db()
    assert (clock.started_at, clock.elapsed_minutes) == (at("2026-12-01 10:10"), 40)
    assert clocks.met(clock) is False  # 40 minutes > 30: the correction reveals the miss
    assert incident.history.filter(aware_at=at("2026-12-01 10:30")).exists()
    with pytest.raises(ValidationError, match="後の認知日時"):
        services.incident_update(
            incident=incident, expected_version=incident.version, aware_at=at("2026-12-01 10:55")
        )
