"""Take saved .eml files into the help desk, exactly as the mailbox poller would."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpdesk.mail import MailError
from helpdesk.mailbox import ingest_mail


class Command(BaseCommand):
    help = "保存したメール（.eml）をヘルプデスクの問合せとして取り込みます。"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE.eml")

    def handle(self, *args, files, **options):
        failed = 0
        for name in files:
            try:
                raw = Path(name).read_bytes()
            except OSError as exc:
                failed += 1
                self.stderr.write(f"{name}: エラー: ファイルを読み込めません（{exc.strerror}）")
                continue
            try:
                result = ingest_mail(raw)
            except MailError as exc:
                failed += 1
                self.stderr.write(f"{name}: エラー: {exc}")
                continue
            number = result.inquiry.number
            if result.duplicate:
                self.stdout.write(f"{name}: 取込済みのメールです（問合せ {number}）")
            elif result.created:
                self.stdout.write(f"{name}: 新しい問合せ {number} を登録しました")
            else:
                self.stdout.write(f"{name}: 問合せ {number} に追加しました")
        if failed:
            raise CommandError(f"{len(files)}件中{failed}件を取り込めませんでした。")
