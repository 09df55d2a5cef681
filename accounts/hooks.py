"""Extension points other apps fill in, so accounts never imports them.

The cases app registers how many open cases each org unit holds; the personnel
import uses it to refuse a transfer that would leave such a unit with no
supervisor, and to list leavers' open work.
"""

from collections.abc import Callable, Iterable

OpenWorkProvider = Callable[[Iterable[int]], dict[int, int]]

_open_work_providers: list[OpenWorkProvider] = []


def register_open_work_provider(provider: OpenWorkProvider) -> None:
    if provider not in _open_work_providers:
        _open_work_providers.append(provider)


def unregister_open_work_provider(provider: OpenWorkProvider) -> None:
    if provider in _open_work_providers:
        _open_work_providers.remove(provider)


def open_work_by_unit(unit_ids: Iterable[int]) -> dict[int, int]:
    """Open items (e.g. cases) per unit id, summed over every provider."""
    unit_ids = list(unit_ids)
    totals: dict[int, int] = {}
    for provider in _open_work_providers:
        for unit_id, count in provider(unit_ids).items():
            totals[unit_id] = totals.get(unit_id, 0) + count
    return {k: v for k, v in totals.items() if v}
