from celery import shared_task

from incidents import services


@shared_task(name="incidents.sample_health", ignore_result=True)
def sample_health() -> int:
    return len(services.health_sample_record())


@shared_task(name="incidents.send_clock_warnings", ignore_result=True)
def send_clock_warnings() -> int:
    return services.send_clock_warnings()


@shared_task(name="incidents.security_check_failed_logins", ignore_result=True)
def security_check_failed_logins() -> int | None:
    incident = services.security_check_failed_logins()
    return incident.pk if incident else None
