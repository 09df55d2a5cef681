"""ops models, one module per area (see ../shared/architecture.md)."""

from ops.models.extraction import *  # noqa: F403
from ops.models.handover import *  # noqa: F403
from ops.models.registry import *  # noqa: F403
from ops.models.routine import *  # noqa: F403
