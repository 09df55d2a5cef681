from celery import shared_task
from django.conf import settings


@shared_task(acks_late=True, ignore_result=True)
def nightly_backup() -> int | None:
    from backups.models import Generation
    from backups.services import backup_create

    return backup_create(kind=Generation.Kind.NIGHTLY).pk


@shared_task(acks_late=True, ignore_result=True)
def backup_on_request(
    kind: str, requested_by: str, label: str = "", change_ref: str = "", force_window: bool = False
) -> int | None:
    from backups.services import WindowConfirmationRequired, backup_create

    try:
        return backup_create(
            kind=kind,
            requested_by=requested_by,
            label=label,
            change_ref=change_ref,
            force_window=force_window,
        ).pk
    except WindowConfirmationRequired:
        return None


@shared_task(acks_late=True, ignore_result=True)
def verify_backups() -> int:
    from pathlib import Path

    from backups.services import generations_verify

    identity = getattr(settings, "BACKUP_IDENTITY_FILE", "") or None
    outcomes = generations_verify(identity=Path(identity) if identity else None)
    return sum(1 for o in outcomes if o.problems)


@shared_task(acks_late=True, ignore_result=True)
def restore_drill() -> int:
    from backups.restore import drill_run

    return drill_run().pk


@shared_task(ignore_result=True)
def missed_night_check() -> bool:
    from backups.services import missed_night_check as check

    return check()
