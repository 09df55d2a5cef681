"""Enqueue Celery jobs through a database outbox.

``outbox_enqueue`` stores the job in the caller's transaction and tries to
publish it right after commit. With the broker down the row stays pending and
``outbox_drain`` (run by beat every minute) publishes it when the broker is
back. Delivery is at least once: tasks are idempotent by rule.
"""

import logging
from typing import Any

from celery import Celery, current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import KombuError

from core.models import OutboxMessage

logger = logging.getLogger(__name__)

PUBLISH_ERRORS = (KombuError, OSError, ConnectionError)


def _publish(message: OutboxMessage, app: Celery) -> None:
    options: dict[str, Any] = {"task_id": message.task_id, "retry": False}
    if message.queue:
        options["queue"] = message.queue
    app.send_task(message.task_name, args=message.args, kwargs=message.kwargs, **options)


def outbox_enqueue(
    *,
    task_name: str,
    args: list | tuple = (),
    kwargs: dict | None = None,
    queue: str = "",
    app: Celery | None = None,
) -> OutboxMessage:
    message = OutboxMessage.objects.create(
        task_name=task_name, args=list(args), kwargs=kwargs or {}, queue=queue
    )
    transaction.on_commit(lambda: outbox_send(message_id=message.pk, app=app))
    return message


def outbox_send(*, message_id: int, app: Celery | None = None) -> bool:
    """Publish one pending message; returns True when it reached the broker."""
    app = app or current_app
    message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return False
    try:
        _publish(message, app)
    except PUBLISH_ERRORS as exc:
        OutboxMessage.objects.filter(pk=message_id).update(
            attempts=F("attempts") + 1, last_error=str(exc)[:2000]
        )
        logger.warning("broker unavailable, job %s kept in the outbox: %s", message.task_id, exc)
        return False
    OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )
    return True


def outbox_drain(*, limit: int = 500, app: Celery | None = None) -> int:
    """Publish pending messages, oldest first; stops at the first broker error."""
    app = app or current_app
    sent = 0
    with transaction.atomic():
        pending = list(
            OutboxMessage.objects.filter(sent_at__isnull=True)
            .order_by("created_at", "pk")
            .select_for_update(skip_locked=True)[:limit]
        )
        for message in pending:
            try:
                _publish(message, app)
            except PUBLISH_ERRORS as exc:
                OutboxMessage.objects.filter(pk=message.pk).update(
                    attempts=F("attempts") + 1, last_error=str(exc)[:2000]
                )
                logger.warning("broker still unavailable; %d jobs wait", len(pending) - sent)
                break
            message.sent_at = timezone.now()
            message.attempts += 1
            message.last_error = ""
            message.save(update_fields=["sent_at", "attempts", "last_error"])
            sent += 1
    return sent
