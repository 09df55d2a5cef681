from celery import shared_task

from cases import services


@shared_task(name="cases.escalate_overdue_safety_checks")
def escalate_overdue_safety_checks() -> int:
    return services.escalate_overdue_safety_checks()
