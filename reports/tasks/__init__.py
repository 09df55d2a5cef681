"""reports tasks, one module per part."""

from reports.tasks.meetings import *  # noqa: F403
from reports.tasks.national import *  # noqa: F403
from reports.tasks.pack import *  # noqa: F403
from reports.tasks.statistics import *  # noqa: F403
