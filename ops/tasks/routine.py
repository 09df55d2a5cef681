"""定常運用の予定と実績、パラメータ変更管理、研修."""

from celery import shared_task

__all__ = ["routine_daily"]


@shared_task(name="ops.tasks.routine.routine_daily", acks_late=True, ignore_result=True)
def routine_daily() -> int:
    """00:30 JST: occurrences for the next 60 days, and yesterday's undone ones as 未実施.
    Idempotent: run it twice and nothing more is created."""
    from datetime import timedelta

    from django.utils import timezone

    from core.timeutil import now_jst
    from ops.services.routine import HORIZON_DAYS, occurrences_generate, occurrences_mark_missed

    today = now_jst().date()
    created = occurrences_generate(until=today + timedelta(days=HORIZON_DAYS), since=today)
    occurrences_mark_missed(now=timezone.now())
    return created
