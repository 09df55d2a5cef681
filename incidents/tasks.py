from celery import shared_task

from incidents import services


@shared_task(name="incidents.sample_health", ignore_result=True)
def sample_health() -> int:
    return len(services.health_sample_record())


@shared_task(name="incidents.send_clock_warnings", ignore_result=True)
def send_clock_warnings() -> int:
    return services.send_clock_warnings()
