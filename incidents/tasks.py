from celery import shared_task

from incidents import services


@shared_task(name="incidents.sample_health", ignore_result=True)
def sample_health() -> int:
    return len(services.health_sample_record())
