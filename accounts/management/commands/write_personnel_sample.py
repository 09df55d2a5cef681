from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.demo import SAMPLE_PATH, sample_transfer_workbook


class Command(BaseCommand):
    help = "デモ用の人事異動サンプルファイル（docs/samples/）を書き出します。"

    def handle(self, *args, **options):
        path = Path(settings.BASE_DIR) / SAMPLE_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sample_transfer_workbook())
        self.stdout.write(str(path))
