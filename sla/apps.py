import importlib

from django.apps import AppConfig

# Each part's views module lists its own menu entries (NAV_ITEMS).
VIEW_MODULES = ("catalog", "reports", "dashboard")


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = "SLA"

    def ready(self):
        from core.navigation import register

        for name in VIEW_MODULES:
            views = importlib.import_module(f"sla.views.{name}")
            for item in getattr(views, "NAV_ITEMS", ()):
                register(item)
