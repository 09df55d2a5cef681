"""Operational alerts raised by one app and handled by another.

Backups (and later other jobs) raise an alert when something the SLA counts
went wrong; the incidents app registers a handler that opens a monitoring
incident or adds to one. Core knows neither side, so the import arrows of
../shared/architecture.md stay as drawn.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    # Stable key of the thing that failed ("backup", "backup_drill"); handlers
    # use it to add to an open incident instead of opening a second one.
    component: str
    title: str
    detail: str
    at: datetime
    # "failure" opens or adds to an incident; "notice" only records an event
    # (e.g. a restore done on the city's instruction) on the incident given.
    level: str = "failure"
    incident_number: str = ""


Handler = Callable[[Alert], str | None]
_handlers: list[Handler] = []


def register(handler: Handler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def unregister(handler: Handler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def raise_alert(alert: Alert) -> list[str]:
    """Pass the alert to every handler; returns what they recorded (e.g. incident numbers).

    A failing handler is logged and never hides the alert from the others.
    """
    recorded: list[str] = []
    for handler in list(_handlers):
        try:
            result = handler(alert)
        except Exception:
            logger.exception("alert handler %r failed for %s", handler, alert.component)
            continue
        if result:
            recorded.append(result)
    return recorded
