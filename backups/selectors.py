"""Reads for the backups page, /healthz and the SLA items 23 (done as planned) and 24
(recovery point met)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from backups.models import BackupRun, Drill, Generation, Restore
from core.calendar import current_calendar
from core.health import CheckResult
from core.profiles import current_profile
from core.timeutil import JST, to_jst

NIGHTLY_TASK = "backups.tasks.nightly_backup"
# A generation that verified then and was later rotated out or released still
# counted for its nights; a corrupt one never did.
GOOD = (Generation.Status.VERIFIED, Generation.Status.EXPIRED, Generation.Status.RELEASED)


def generations() -> QuerySet[Generation]:
    return Generation.objects.all().order_by("-started_at", "-pk")


def recent_runs(limit: int = 30) -> list[BackupRun]:
    return list(BackupRun.objects.select_related("generation").order_by("-started_at")[:limit])


def recent_drills(limit: int = 10) -> list[Drill]:
    return list(Drill.objects.select_related("generation").order_by("-started_at")[:limit])


def recent_restores(limit: int = 10) -> list[Restore]:
    return list(
        Restore.objects.select_related("generation", "pre_restore").order_by("-started_at")[:limit]
    )


def newest_verified() -> Generation | None:
    return (
        Generation.objects.filter(status=Generation.Status.VERIFIED).order_by("-started_at").first()
    )


def disk_usage() -> dict | None:
    try:
        usage = shutil.disk_usage(settings.BACKUP_DIR)
    except OSError:
        return None
    return {"total": usage.total, "used": usage.used, "free": usage.free}


def next_nightly_run(now: datetime | None = None) -> datetime | None:
    from django_celery_beat.models import PeriodicTask

    task = (
        PeriodicTask.objects.filter(task=NIGHTLY_TASK, enabled=True)
        .select_related("crontab")
        .first()
    )
    if task is None or task.crontab is None:
        return None
    now = now or timezone.now()
    schedule = task.crontab.schedule
    # crontab answers "how long until the next run"; its fire times are whole minutes.
    at = now + schedule.remaining_estimate(to_jst(now))
    return (at + timedelta(seconds=30)).replace(second=0, microsecond=0)


# --- recovery point ---------------------------------------------------------------------


def required_point(at: datetime) -> datetime:
    """The end of the previous business day, as seen at ``at``: data up to then must be
    recoverable."""
    cal = current_calendar()
    local = to_jst(at)
    previous = cal.previous_business_day(local.date())
    closes = cal.business_hours(previous)[1]
    return datetime.combine(previous, closes, JST)


@dataclass
class RecoveryPoint:
    required: datetime
    newest: Generation | None
    met: bool

    @property
    def age(self) -> timedelta | None:
        return timezone.now() - self.newest.started_at if self.newest else None


def recovery_point(now: datetime | None = None) -> RecoveryPoint:
    now = now or timezone.now()
    need = required_point(now)
    newest = newest_verified()
    return RecoveryPoint(
        required=need, newest=newest, met=bool(newest and newest.started_at >= need)
    )


def installed_at() -> datetime | None:
    from django.db.migrations.recorder import MigrationRecorder

    row = MigrationRecorder.Migration.objects.filter(app="backups").order_by("applied").first()
    return row.applied if row else None


def check_backups() -> CheckResult:
    """Red on /healthz when the last nightly run failed or the recovery point is missed."""
    last = (
        BackupRun.objects.filter(kind=Generation.Kind.NIGHTLY)
        .exclude(status__in=[BackupRun.Status.RUNNING, BackupRun.Status.SKIPPED])
        .order_by("-started_at")
        .first()
    )
    if last is not None and last.status == BackupRun.Status.FAILED:
        return CheckResult("backups", False, "last nightly backup failed")
    point = recovery_point()
    if not point.met:
        since = installed_at()
        if since is None or since < point.required:
            return CheckResult("backups", False, "recovery point missed")
    from backups.services import keep_generations

    # The generations a restore would reach for: the newest ones still on disk.
    newest = Generation.objects.filter(
        removed_at__isnull=True, kind__in=[Generation.Kind.NIGHTLY, Generation.Kind.MANUAL]
    ).order_by("-started_at")[: keep_generations()]
    if any(g.status != Generation.Status.VERIFIED for g in newest):
        return CheckResult("backups", False, "a generation failed verification")
    return CheckResult("backups", True, "ok")


# --- SLA items ------------------------------------------------------------------------


@dataclass
class PeriodResult:
    counted: int = 0
    met: int = 0
    misses: list[date] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        return None if self.counted == 0 else self.met / self.counted * 100


def backups_done_as_planned(start: date, end: date, *, now: datetime | None = None) -> PeriodResult:
    """SLA #23: each night in [start, end] (once the system existed and the night is over)
    counts; it is met when a nightly generation taken that night verified."""
    now = now or timezone.now()
    since = installed_at()
    first = max(start, to_jst(since).date()) if since else start
    window_start, window_end = current_profile().backup_window
    result = PeriodResult()
    nights = _nightly_starts(first, end)
    day = first
    while day <= end:
        opens = datetime.combine(day, window_start, JST) - timedelta(hours=1)
        closes = datetime.combine(day + timedelta(days=1), window_end, JST)
        if closes > now:
            break
        result.counted += 1
        if any(opens <= at < closes for at in nights):
            result.met += 1
        else:
            result.misses.append(day)
        day += timedelta(days=1)
    return result


def _nightly_starts(first: date, end: date) -> list[datetime]:
    return list(
        Generation.objects.filter(
            kind=Generation.Kind.NIGHTLY,
            status__in=GOOD,
            started_at__gte=datetime.combine(first, datetime.min.time(), JST),
            started_at__lt=datetime.combine(end + timedelta(days=2), datetime.min.time(), JST),
        ).values_list("started_at", flat=True)
    )


def recovery_point_met(start: date, end: date, *, now: datetime | None = None) -> PeriodResult:
    """SLA #24: on each business day's opening in [start, end], a good generation taken after
    the end of the previous business day existed."""
    now = now or timezone.now()
    cal = current_calendar()
    since = installed_at()
    starts = list(
        Generation.objects.filter(
            status__in=GOOD,
            started_at__gte=datetime.combine(start - timedelta(days=10), datetime.min.time(), JST),
            started_at__lt=datetime.combine(end + timedelta(days=1), datetime.min.time(), JST),
        ).values_list("started_at", "finished_at")
    )
    result = PeriodResult()
    day = start
    while day <= end:
        hours = cal.business_hours(day)
        if hours is not None:
            opening = datetime.combine(day, hours[0], JST)
            need = required_point(opening)
            if opening <= now and (since is None or since < need):
                result.counted += 1
                if any(s >= need and f <= opening for s, f in starts):
                    result.met += 1
                else:
                    result.misses.append(day)
        day += timedelta(days=1)
    return result
