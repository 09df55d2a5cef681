"""Celery beat scheduler that also proves beat is alive.

/healthz reads the heartbeat; it is written by the beat process itself, so a
stopped beat shows up even while workers are fine.
"""

import logging
import time

from django.db import close_old_connections
from django.utils import timezone
from django_celery_beat.schedulers import DatabaseScheduler

HEARTBEAT_EVERY = 60.0
logger = logging.getLogger(__name__)


def beat_heartbeat_write(*, name: str = "beat") -> None:
    from core.models import Heartbeat

    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})


class HeartbeatScheduler(DatabaseScheduler):
    _last_beat = 0.0

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self._last_beat >= HEARTBEAT_EVERY:
            try:
                close_old_connections()
                beat_heartbeat_write()
                self._last_beat = now
            except Exception:  # the schedule must keep running even if the DB blips
                logger.exception("could not write beat heartbeat")
        interval = super().tick(*args, **kwargs)
        return min(interval, HEARTBEAT_EVERY)
