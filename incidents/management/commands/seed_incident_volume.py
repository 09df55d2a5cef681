"""Load years of synthetic incidents, health samples and planned stops, for benchmarks.

    manage.py seed_demo
    manage.py seed_incident_volume [--years 10] [--incidents 500] [--sample-years 5]
                                   [--planned-stops 30] [--seed 2026] [--force] [--no-vacuum]

The generator lives in incidents.volume. All titles are made up.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from incidents.volume import IncidentVolumeLoader, VolumeError


class Command(BaseCommand):
    help = (
        "性能測定用に、架空の障害（既定: 10年で500件、停止区間・契約上の時計つき）、"
        "構成要素 database の1分ごとの稼働監視の記録（既定: 5年分、約260万行、COPY で投入）、"
        "承認済みの計画停止（約30件）を投入します。先に seed_demo が必要です。"
        "障害番号は年度ごとの既存の最大連番の続きから振ります。"
        "一括投入のため変更履歴（simple-history）の行は作成しません。"
        "投入済みのときは中止します（--force で追加投入）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--years", type=int, default=10, help="障害を散らす年数")
        parser.add_argument("--incidents", type=int, default=500, help="障害の件数")
        parser.add_argument(
            "--sample-years", type=int, default=5, help="稼働監視の記録の年数（1分ごと）"
        )
        parser.add_argument(
            "--planned-stops", type=int, default=None, help="計画停止の件数（既定: 年数×3）"
        )
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
            loader = IncidentVolumeLoader(
                years=options["years"],
                incidents=options["incidents"],
                sample_years=options["sample_years"],
                planned_stops=options["planned_stops"],
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
