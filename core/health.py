"""Health of the parts the product needs, for /healthz and the ops status page.

Each check returns (ok, detail). Details are short Japanese/English phrases:
no versions, hosts or secrets.
"""

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import Heartbeat
from core.request_log import redis_client

BEAT_STALE_AFTER = timedelta(minutes=3)
MIN_FREE_BYTES = 1 * 1024**3


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def check_database() -> CheckResult:
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
        return CheckResult("database", True, "ok")
    except Exception:
        return CheckResult("database", False, "unreachable")


def check_redis() -> CheckResult:
    try:
        redis_client().ping()
        return CheckResult("redis", True, "ok")
    except Exception:
        return CheckResult("redis", False, "unreachable")


def check_celery_worker(*, redis_ok: bool) -> CheckResult:
    if not redis_ok:
        return CheckResult("celery_worker", False, "broker unreachable")
    try:
        replies = current_app.control.ping(timeout=1.0, limit=1)
    except Exception:
        return CheckResult("celery_worker", False, "broker unreachable")
    if replies:
        return CheckResult("celery_worker", True, "ok")
    return CheckResult("celery_worker", False, "no worker answered")


def check_celery_beat() -> CheckResult:
    try:
        beat = Heartbeat.objects.filter(name="beat").first()
    except Exception:
        return CheckResult("celery_beat", False, "unknown")
    if beat is None:
        return CheckResult("celery_beat", False, "no heartbeat yet")
    age = timezone.now() - beat.at
    if age > BEAT_STALE_AFTER:
        return CheckResult("celery_beat", False, f"last heartbeat {int(age.total_seconds())} s ago")
    return CheckResult("celery_beat", True, "ok")


def check_backup_disk() -> CheckResult:
    try:
        usage = shutil.disk_usage(settings.BACKUP_DIR)
    except OSError:
        return CheckResult("backup_disk", False, "BACKUP_DIR not accessible")
    free_gb = usage.free / 1024**3
    ok = usage.free >= MIN_FREE_BYTES and usage.free / usage.total >= 0.05
    return CheckResult("backup_disk", ok, f"{free_gb:.1f} GB free ({usage.free / usage.total:.0%})")


Check = Callable[[], CheckResult]
_extra_checks: list[Check] = []


def register_check(check: Check) -> None:
    """Apps add their own checks (e.g. backup freshness) without core importing them."""
    if check not in _extra_checks:
        _extra_checks.append(check)


def run_checks() -> list[CheckResult]:
    db = check_database()
    redis_result = check_redis()
    return [
        db,
        redis_result,
        check_celery_worker(redis_ok=redis_result.ok),
        check_celery_beat() if db.ok else CheckResult("celery_beat", False, "unknown"),
        check_backup_disk(),
        *(_run_extra(check) for check in _extra_checks if db.ok),
    ]


def _run_extra(check: Check) -> CheckResult:
    try:
        return check()
    except Exception:
        return CheckResult(getattr(check, "__name__", "check"), False, "check failed")
