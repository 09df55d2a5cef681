"""定例報告会議・議事録: beat tasks."""

from celery import shared_task

__all__ = ["meetings_send_deadline_warnings"]


@shared_task(name="reports.meetings_send_deadline_warnings", ignore_result=True)
def meetings_send_deadline_warnings() -> int:
    from reports.services import meetings as services

    return services.send_deadline_warnings()
