"""Jobs of the reports part: a report's generation and the nightly recomputation of results."""

from celery import shared_task

__all__ = ["change_ledger_compact", "report_generate", "results_nightly"]

REPORT_GENERATE_TASK = "sla.tasks.reports.report_generate"
RESULTS_NIGHTLY_TASK = "sla.tasks.reports.results_nightly"


@shared_task(name=REPORT_GENERATE_TASK, acks_late=True, ignore_result=True)
def report_generate(job_id: int) -> str | None:
    """Compute, seal and write one report (sla.services.reports.report_job_execute);
    a finished job delivered again does nothing."""
    from sla.services.reports import report_job_execute

    job = report_job_execute(job_id=job_id)
    return job.status if job else None


@shared_task(name=RESULTS_NIGHTLY_TASK, acks_late=True, ignore_result=True)
def results_nightly() -> int:
    """01:00 JST: recompute the current and the previous month of every profile."""
    from sla.services.results import results_nightly as run

    return run()


@shared_task(acks_late=True, ignore_result=True)
def change_ledger_compact() -> int:
    """00:40 JST: roll yesterday's per-statement ledger rows (#27) into one row per table
    and day, so the history-coverage check stays a read of a few rows per day."""
    from sla.computations.history import change_ledger_compact as compact

    return compact()
