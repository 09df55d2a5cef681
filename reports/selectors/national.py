"""福祉行政報告例の相談統計: the table layout (data, so it can follow the official form)."""

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings

DEFAULT_LAYOUT = Path(__file__).resolve().parent.parent / "layouts" / "national.json"


@lru_cache(maxsize=4)
def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def layout() -> dict:
    """The layout in force: settings.NATIONAL_STATS_LAYOUT (a JSON file) or the built-in one."""
    path = getattr(settings, "NATIONAL_STATS_LAYOUT", "") or str(DEFAULT_LAYOUT)
    return _load(str(path))
