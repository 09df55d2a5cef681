"""Notices shown at the top of every page (e.g. an ongoing service stop).

Apps register providers; core knows nothing about what they say.
"""

from collections.abc import Callable

Provider = Callable[[object], list[str]]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def banners_for(user) -> list[str]:
    if not user.is_authenticated:
        return []
    found: list[str] = []
    for provider in _providers:
        found.extend(provider(user))
    return found
