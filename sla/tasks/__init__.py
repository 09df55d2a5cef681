"""sla tasks, one module per part (catalog, reports)."""

from sla.tasks.catalog import *  # noqa: F403

try:
    from sla.tasks.reports import *  # noqa: F403
except ModuleNotFoundError as exc:  # the reports part not there yet
    if exc.name != "sla.tasks.reports":
        raise
