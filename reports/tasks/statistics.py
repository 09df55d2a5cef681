"""システム統計情報（資源の計測・月次統計・テンプレート）."""

from celery import shared_task

__all__ = ["resource_sample", "resource_samples_purge", "statistics_report_build"]


@shared_task(ignore_result=True)
def resource_sample() -> int:
    """Beat, every 5 minutes: one resource sample per slot (a rerun updates the same row)."""
    from reports.services.statistics import resource_sample_take

    return resource_sample_take().pk


@shared_task(acks_late=True, ignore_result=True)
def statistics_report_build(report_id: int) -> None:
    from reports.services.statistics import report_build

    report_build(report_id=report_id)


@shared_task(ignore_result=True)
def resource_samples_purge() -> int:
    from reports.services.statistics import resource_samples_purge as purge

    return purge()
