"""SLA items 23 (backups done as planned) and 24 (recovery point), /healthz, missed nights."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db.migrations.recorder import MigrationRecorder

from backups import selectors, services
from backups.models import BackupRun, Generation
from core.health import run_checks
from core.timeutil import JST

pytestmark = pytest.mark.django_db


def _gen(day: date, hour=22, minute=0, status=Generation.Status.VERIFIED, kind="nightly"):
    started = datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)
    return Generation.objects.create(
        name=f"{started:%Y%m%d-%H%M%S}-{kind}",
        kind=kind,
        started_at=started,
        finished_at=started + timedelta(minutes=1),
        status=status,
        db_bytes=1,
        media_bytes=1,
        db_sha256="0" * 64,
        media_sha256="0" * 64,
        manifest_sha256="0" * 64,
        server_version="15",
        dump_version="15",
        recipients="age1test",
    )


@pytest.fixture
def installed_in_october():
    MigrationRecorder.Migration.objects.filter(app="backups").update(
        applied=datetime(2026, 10, 1, tzinfo=JST)
    )


@pytest.fixture
def november(installed_in_october, settings):
    """Nights of 1–10 November 2026: the 4th missed, the 7th corrupt, the 5th since rotated out."""
    settings.CITY_PROFILE = "sendai"
    for day in range(1, 11):
        if day == 4:
            continue
        status = {7: Generation.Status.CORRUPT, 5: Generation.Status.EXPIRED}.get(
            day, Generation.Status.VERIFIED
        )
        _gen(
            date(2026, 11, day),
            minute=50 if day == 9 else 0,
            hour=23 if day == 9 else 22,
            status=status,
        )


def test_backups_done_as_planned_counts_each_finished_night(november):
    with time_machine.travel(datetime(2026, 11, 11, 12, 0, tzinfo=JST)):
        result = selectors.backups_done_as_planned(date(2026, 11, 1), date(2026, 11, 30))

    assert (result.counted, result.met) == (10, 8)
    assert result.rate == 80.0
    assert result.misses == [date(2026, 11, 4), date(2026, 11, 7)]


def test_nights_before_the_system_existed_are_not_counted(november):
    MigrationRecorder.Migration.objects.filter(app="backups").update(
        applied=datetime(2026, 11, 6, 9, 0, tzinfo=JST)
    )
    with time_machine.travel(datetime(2026, 11, 11, 12, 0, tzinfo=JST)):
        result = selectors.backups_done_as_planned(date(2026, 11, 1), date(2026, 11, 30))

    assert (result.counted, result.met) == (5, 4)  # nights 6–10, the 7th corrupt


def test_recovery_point_is_checked_on_every_business_days_opening(november):
    with time_machine.travel(datetime(2026, 11, 11, 12, 0, tzinfo=JST)):
        result = selectors.recovery_point_met(date(2026, 11, 1), date(2026, 11, 30))

    # Business days 2, 4, 5, 6, 9, 10, 11 (the 3rd is 文化の日; later openings have not come
    # yet); on the 5th's opening the newest good backup was from before the 4th closed.
    assert (result.counted, result.met) == (7, 6)
    assert result.misses == [date(2026, 11, 5)]


def test_the_recovery_point_now_is_the_end_of_the_previous_business_day(november):
    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=JST)):
        point = selectors.recovery_point()
        assert point.required == datetime(2026, 11, 9, 17, 15, tzinfo=JST)
        assert point.met  # the 9th's 23:50 generation

    with time_machine.travel(datetime(2026, 11, 12, 9, 0, tzinfo=JST)):
        point = selectors.recovery_point()
        assert not point.met  # nothing taken after the 11th closed


def test_healthz_goes_red_when_the_recovery_point_is_missed(november):
    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=JST)):
        assert {r.name: r.ok for r in run_checks()}["backups"] is True
    with time_machine.travel(datetime(2026, 11, 12, 9, 0, tzinfo=JST)):
        result = {r.name: r for r in run_checks()}["backups"]
        assert not result.ok
        assert result.detail == "recovery point missed"


def test_healthz_goes_red_when_a_recent_generation_is_corrupt(november):
    with time_machine.travel(datetime(2026, 11, 10, 9, 0, tzinfo=JST)):
        Generation.objects.filter(name__startswith="20261109").update(
            status=Generation.Status.CORRUPT
        )
        assert selectors.check_backups().detail == "a generation failed verification"


def test_healthz_goes_red_when_the_last_nightly_run_failed(november):
    with time_machine.travel(datetime(2026, 11, 10, 23, 0, tzinfo=JST)):
        BackupRun.objects.create(
            kind="nightly",
            status=BackupRun.Status.FAILED,
            started_at=datetime(2026, 11, 10, 22, 0, tzinfo=JST),
            error="disk full",
        )
        assert selectors.check_backups().detail == "last nightly backup failed"


def test_a_fresh_installation_is_not_red_before_its_first_night(settings):
    settings.CITY_PROFILE = "sendai"
    assert selectors.check_backups().ok


def test_a_missed_night_alerts_once(november, vendor_operator):
    with time_machine.travel(datetime(2026, 11, 11, 5, 0, tzinfo=JST)):
        assert services.missed_night_check() is False  # the 10th was done
        Generation.objects.filter(started_at__date__gte=date(2026, 11, 10)).delete()
        mail.outbox.clear()

        assert services.missed_night_check() is True
        assert services.missed_night_check() is True

    assert len(mail.outbox) == 1
    assert "2026/11/10 夜のバックアップがありません" in mail.outbox[0].subject
