"""定例報告会議 報告書（図表7-1）."""

from celery import shared_task

__all__ = ["monthly_report_build"]


@shared_task(name="reports.monthly_report_build", acks_late=True, ignore_result=True)
def monthly_report_build(report_id: int) -> None:
    """Idempotent: a report that is no longer queued or running is left as it is."""
    from reports.services.monthly import monthly_report_build as build

    build(report_id=report_id)
