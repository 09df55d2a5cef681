"""reports models, one module per part."""

from reports.models.meetings import *  # noqa: F403
from reports.models.national import *  # noqa: F403
from reports.models.pack import *  # noqa: F403
from reports.models.statistics import *  # noqa: F403
