"""Attach the change-ledger triggers (SLA #27) to every table with simple-history.

Runs by itself after every ``migrate`` (post_migrate); by hand after restoring a database
without triggers, or with --check to list tables that lack them (exit status 1).
"""

from django.core.management.base import BaseCommand, CommandError

from sla.computations.history import change_ledger_install, change_ledger_status


class Command(BaseCommand):
    help = "変更台帳（SLA #27）のトリガーを履歴のある全ての表に設定します。"

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default")
        parser.add_argument("--check", action="store_true", help="設定せず、不足を表示する")

    def handle(self, *args, database, check, **options):
        if not check:
            created = change_ledger_install(using=database)
            for name in created:
                self.stdout.write(f"created {name}")
        status = change_ledger_status(using=database)
        missing = [table for table, n in status.items() if n < 3]
        self.stdout.write(
            f"{len(status) - len(missing)}/{len(status)} tables have the ledger triggers"
        )
        if missing:
            for table in missing:
                self.stdout.write(f"missing: {table}")
            if check:
                raise CommandError("some tables have no change-ledger triggers")
