from celery import shared_task

from core import outbox, request_log


@shared_task(name="core.drain_outbox", ignore_result=True)
def drain_outbox() -> int:
    return outbox.outbox_drain()


@shared_task(name="core.flush_request_log")
def flush_request_log() -> int:
    return request_log.flush_buffer()


@shared_task(name="core.maintain_request_log")
def maintain_request_log() -> dict:
    from datetime import timedelta

    from core.timeutil import now_jst

    today = now_jst().date()
    created = request_log.ensure_partitions()
    rolled = request_log.rollup_range(start=today - timedelta(days=2), end=today)
    dropped = request_log.drop_expired_partitions()
    return {"created": created, "rolled_up_rows": rolled, "dropped": dropped}
