"""データ抽出依頼: the job that runs an approved request, and the nightly expiry."""

from celery import shared_task

__all__ = ["extraction_expire", "extraction_run"]


@shared_task(name="ops.extraction_run", ignore_result=True)
def extraction_run(request_id: int) -> str | None:
    from ops.services.extraction import extraction_execute

    extraction = extraction_execute(request_id=request_id)
    return extraction.status if extraction else None


@shared_task(name="ops.extraction_expire", ignore_result=True)
def extraction_expire() -> int:
    from ops.services.extraction import extraction_expire_due

    return extraction_expire_due()
