"""Load synthetic demo data: every app may provide ``<app>.demo.seed(*, stdout)``.

Idempotent: running it twice changes nothing. All data is made up.
"""

import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "架空の自治体のデモデータを投入します（何度実行しても同じ結果になります）。"

    def handle(self, *args, **options):
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            with transaction.atomic():
                module.seed(stdout=self.stdout)
