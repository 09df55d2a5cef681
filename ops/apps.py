import importlib

from django.apps import AppConfig

AREAS = ("registry", "routine", "extraction", "handover")


class OpsConfig(AppConfig):
    name = "ops"
    verbose_name = "運用管理"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from accounts import roles
        from core.navigation import NavItem, register

        register(
            NavItem(
                "ops_status",
                _("システム状態"),
                "ops:status",
                frozenset({roles.VENDOR_OPERATOR, roles.VENDOR_MANAGER, roles.CITY_ADMIN}),
                order=500,
            )
        )
        # Each area's views module lists its own menu entries (NAV_ITEMS).
        for area in AREAS:
            views = importlib.import_module(f"ops.views.{area}")
            for item in getattr(views, "NAV_ITEMS", ()):
                register(item)
