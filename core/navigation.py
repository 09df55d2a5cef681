"""The menu: each app registers its entries with the roles that may use them.

The base layout shows a user only the entries of their roles, so a page a role
may not use is not even linked for it (the view still checks access itself).
"""

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    url_name: str
    roles: frozenset[str]  # empty = every signed-in user
    order: int = 100


_registry: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _registry[item.key] = item


def items_for(user) -> list[dict]:
    if not user.is_authenticated:
        return []
    roles = getattr(user, "role_codes", None)
    if roles is None:
        roles = set(user.groups.values_list("name", flat=True))
    visible = []
    for item in sorted(_registry.values(), key=lambda i: (i.order, i.key)):
        if item.roles and not (user.is_superuser or set(roles) & item.roles):
            continue
        visible.append({"key": item.key, "label": item.label, "url": reverse(item.url_name)})
    return visible
