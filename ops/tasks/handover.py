"""引継ぎ用の全データ出力（神戸 6.1）."""

from celery import shared_task

__all__ = ["handover_export_run"]


@shared_task(name="ops.handover_export_run", acks_late=True, ignore_result=True)
def handover_export_run(export_id: int, attempt: int) -> str:
    """Write the archive of one attempt; a redelivered or outdated task does nothing."""
    from ops.services.handover import handover_export_execute

    return handover_export_execute(export_id=export_id, attempt=attempt).status
