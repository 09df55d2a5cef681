from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from backups.services import generations_verify


class Command(BaseCommand):
    help = "全世代のチェックサムと読み取りを再確認する（失敗があれば終了コード 1）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--identity",
            default=None,
            help="age の秘密鍵ファイル。指定すると復号して全体を読み取ります"
            "（省略時は BACKUP_IDENTITY_FILE、それもなければチェックサムのみ）",
        )

    def handle(self, *args, identity, **options):
        identity = identity or getattr(settings, "BACKUP_IDENTITY_FILE", "") or None
        outcomes = generations_verify(identity=Path(identity) if identity else None)
        failed = 0
        for outcome in outcomes:
            g = outcome.generation
            if outcome.problems:
                failed += 1
                self.stdout.write(f"NG  {g.name}  " + " ".join(outcome.problems))
            else:
                self.stdout.write(f"OK  {g.name}  {g.total_bytes / 1024**2:,.1f} MB")
        how = "復号して全体を読み取り" if identity else "チェックサムのみ（鍵なし）"
        self.stdout.write(
            f"{len(outcomes)} 世代を検証（{how}）: 正常 {len(outcomes) - failed}、異常 {failed}"
        )
        if failed:
            raise CommandError(f"{failed} 世代が検証に失敗しました。")
