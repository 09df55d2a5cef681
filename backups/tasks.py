from celery import shared_task
from django.conf import settings

RETRY_AFTER_SECONDS = 15 * 60
MAX_ATTEMPTS = 3


@shared_task(acks_late=True, ignore_result=True)
def nightly_backup(attempt: int = 1) -> int | None:
    """A failed night is tried again while the window lasts, so a bad night is found and
    fixed the same night rather than the next (the recovery point would be lost)."""
    from datetime import timedelta

    from django.utils import timezone

    from backups.models import BackupRun, Generation
    from backups.services import backup_create, window_status

    run = backup_create(kind=Generation.Kind.NIGHTLY)
    retry_at = timezone.now() + timedelta(seconds=RETRY_AFTER_SECONDS)
    if (
        run.status == BackupRun.Status.FAILED
        and attempt < MAX_ATTEMPTS
        and window_status(retry_at + timedelta(hours=1))[0]
    ):
        nightly_backup.apply_async(kwargs={"attempt": attempt + 1}, countdown=RETRY_AFTER_SECONDS)
    return run.pk


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


def restore_payload_key(token: str) -> str:
    """Cache key of a restore's request (with the private key) waiting for the worker."""
    return f"backups:restore:{token}"


@shared_task(acks_late=True, ignore_result=True)
def restore_on_request(restore_token: str) -> int | None:
    """Run a restore the city admin confirmed on the page.

    The key only travels through the cache (10 minutes, read once), never the broker;
    a redelivered task finds nothing and does nothing.
    """
    import logging

    from django.core.cache import cache
    from django.core.exceptions import ValidationError

    from backups import services
    from backups.engine import BackupError
    from backups.models import Generation
    from backups.restore import restore_run

    logger = logging.getLogger(__name__)
    key = restore_payload_key(restore_token)
    payload = cache.get(key)
    cache.delete(key)
    if not payload:
        logger.warning("restore request expired or already taken; nothing done")
        return None
    generation = Generation.objects.filter(pk=payload["generation_id"]).first()
    if generation is None:
        logger.warning("restore request for a generation no longer in the catalogue")
        return None
    try:
        return restore_run(
            generation=generation,
            actor=payload["actor"],
            reason=payload["reason"],
            identity_content=payload["key"],
            force=payload["force"],
            incident_number=payload["incident_number"],
        ).pk
    except (BackupError, ValidationError) as exc:
        detail = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        logger.warning("restore of %s refused: %s", generation.name, detail)
        services._event(
            "restore_refused", actor=payload["actor"], generation=generation, detail=detail
        )
        return None
