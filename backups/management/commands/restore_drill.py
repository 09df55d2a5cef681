from django.core.management.base import BaseCommand, CommandError

from backups.models import Drill
from backups.restore import drill_run


class Command(BaseCommand):
    help = (
        "最新の検証済み世代を一時データベースに復元し、件数とチェックサムを照合する（復元訓練）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--identity", default=None, help="age の秘密鍵ファイル（省略時は BACKUP_IDENTITY_FILE）"
        )

    def handle(self, *args, identity, **options):
        drill = drill_run(identity_path=identity)
        name = drill.generation.name if drill.generation else "-"
        if drill.status == Drill.Status.PASSED:
            self.stdout.write(
                f"合格: {name} を {drill.restore_seconds:,.1f} 秒で復元し、"
                f"{drill.tables_checked} 表 {drill.rows_checked:,} 行の件数と抽出チェックサムが一致しました。"
            )
            return
        self.stdout.write(f"{drill.get_status_display()}: {name} {drill.error}")
        for line in drill.mismatches[:50]:
            self.stdout.write(f"  {line}")
        raise CommandError("復元訓練は合格しませんでした。")
