"""Jobs of the catalogue part: improvement-plan reminders."""

from celery import shared_task

__all__ = ["catalog_plan_reminders"]

PLAN_REMINDERS_TASK = "sla.tasks.catalog.plan_reminders"


@shared_task(name=PLAN_REMINDERS_TASK, acks_late=True, ignore_result=True)
def catalog_plan_reminders() -> int:
    """Daily (08:30 JST): reminders before and at each improvement-plan due date, each sent
    exactly once (safe to run twice)."""
    from sla.services.catalog import improvement_plan_reminders_send

    return improvement_plan_reminders_send()
