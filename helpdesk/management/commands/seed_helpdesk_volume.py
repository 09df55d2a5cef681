"""Load years of synthetic help-desk work (inquiries, slips, FAQ), for benchmarks.

    manage.py seed_demo
    manage.py seed_helpdesk_volume [--inquiries 100000] [--slips 10000] [--faqs 2000]
                                   [--years 5] [--seed 2026] [--force] [--no-vacuum]

The generator lives in helpdesk.volume. All names and texts are made up.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from helpdesk.volume import HelpdeskVolumeLoader, VolumeError


class Command(BaseCommand):
    help = (
        "性能測定用に、架空のヘルプデスクの数年分の記録（既定: 問合せ10万件、連絡票1万件と対応策、"
        "FAQ 2,000件）を PostgreSQL の COPY で一括投入します。先に seed_demo が必要です。"
        "番号は年度ごとの既存の最大連番の続きから振ります。"
        "一括投入のため変更履歴（simple-history）の行は作成しません。最後に ANALYZE（と VACUUM）を行います。"
        "投入済みのときは中止します（--force で追加投入）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--inquiries", type=int, default=100_000, help="問合せ件数")
        parser.add_argument(
            "--slips", type=int, default=10_000, help="連絡票の件数（問合せから起票）"
        )
        parser.add_argument("--faqs", type=int, default=2_000, help="FAQの件数")
        parser.add_argument("--years", type=int, default=5, help="年度数（今年度まで）")
        parser.add_argument("--seed", type=int, default=2026, help="乱数の種")
        parser.add_argument(
            "--force", action="store_true", help="投入済みでも追加で投入する（番号は続きから）"
        )
        parser.add_argument(
            "--no-vacuum", action="store_true", help="投入後の VACUUM を省略する（ANALYZE は行う）"
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            loader = HelpdeskVolumeLoader(
                inquiries=options["inquiries"],
                slips=options["slips"],
                faqs=options["faqs"],
                years=options["years"],
                seed=options["seed"],
                force=options["force"],
                stdout=self.stdout,
            )
            counts = loader.run()
        except VolumeError as exc:
            raise CommandError(str(exc)) from exc
        if not options["no_vacuum"] and not connection.in_atomic_block:
            loader.vacuum()
        total = ", ".join(f"{label} {n:,}" for label, n in counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"投入完了 {time.perf_counter() - started:.1f} 秒: {total}")
        )
