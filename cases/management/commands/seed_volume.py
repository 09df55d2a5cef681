"""Load a synthetic big city's twenty years of case records, for benchmarks.

    manage.py seed_demo
    manage.py seed_volume [--children 200000] [--consultations 300000]
                          [--notes 3000000] [--years 20] [--seed 2026] [--force]

The generator lives in cases.volume. All names, addresses and texts are made up.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cases.volume import VolumeError, VolumeLoader


class Command(BaseCommand):
    help = (
        "性能測定用に、架空の政令市20年分の相談記録（既定: 児童20万人、相談30万件、経過記録300万件）を"
        "PostgreSQL の COPY で一括投入します。先に seed_demo が必要です。"
        "一括投入のため変更履歴（simple-history）の行は作成しません。最後に ANALYZE（と VACUUM）を行います。"
        "投入済みのときは中止します（--force で追加投入）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--children", type=int, default=200_000, help="児童数")
        parser.add_argument("--consultations", type=int, default=300_000, help="相談件数")
        parser.add_argument("--notes", type=int, default=3_000_000, help="経過記録の件数")
        parser.add_argument("--years", type=int, default=20, help="年度数（今年度まで）")
        parser.add_argument("--seed", type=int, default=2026, help="乱数の種")
        parser.add_argument(
            "--force", action="store_true", help="投入済みでも追加で投入する（受付番号は続きから）"
        )
        parser.add_argument(
            "--no-vacuum", action="store_true", help="投入後の VACUUM を省略する（ANALYZE は行う）"
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            loader = VolumeLoader(
                children=options["children"],
                consultations=options["consultations"],
                notes=options["notes"],
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
