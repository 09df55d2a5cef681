import importlib

from django.apps import AppConfig

PARTS = ("meetings", "monthly", "statistics", "pack", "national")


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "報告"

    def ready(self):
        from core.navigation import register

        # Each part's views module lists its own menu entries (NAV_ITEMS).
        for part in PARTS:
            views = importlib.import_module(f"reports.views.{part}")
            for item in getattr(views, "NAV_ITEMS", ()):
                register(item)
