"""ops tasks, one module per area (see ../shared/architecture.md)."""

from ops.tasks.extraction import *  # noqa: F403
from ops.tasks.handover import *  # noqa: F403
from ops.tasks.registry import *  # noqa: F403
from ops.tasks.routine import *  # noqa: F403
