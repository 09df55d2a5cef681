import getpass

from django.core.management.base import BaseCommand, CommandError

from backups.models import BackupRun, Generation
from backups.services import WindowConfirmationRequired, backup_create


class Command(BaseCommand):
    help = "今すぐバックアップを取る（--label 変更前/変更後 --change 変更番号 でシステムバックアップ）。"

    def add_arguments(self, parser):
        parser.add_argument("--label", choices=["変更前", "変更後"], default="")
        parser.add_argument("--change", default="", help="変更番号（変更管理の参照）")
        parser.add_argument("--by", default="", help="依頼者（職員番号 氏名）")
        parser.add_argument(
            "--force-window",
            action="store_true",
            help="業務時間帯（前後4時間を含む）でも実行する（依頼者を記録します）",
        )

    def handle(self, *args, label, change, by, force_window, **options):
        if label and not change:
            raise CommandError("システムバックアップには --change（変更番号）を指定してください。")
        kind = Generation.Kind.SYSTEM if label else Generation.Kind.MANUAL
        if force_window and not by:
            raise CommandError("業務時間帯に強制する場合は --by で依頼者を記録してください。")
        by = by or f"{getpass.getuser()}（コマンド）"
        try:
            run = backup_create(
                kind=kind,
                requested_by=by,
                label=label,
                change_ref=change,
                force_window=force_window,
            )
        except WindowConfirmationRequired as exc:
            raise CommandError(
                f"{exc} 実行するなら --force-window --by を付けてください。"
            ) from exc
        if run.status == BackupRun.Status.SKIPPED:
            self.stdout.write(run.summary)
            raise CommandError("見送りました。")
        if run.status != BackupRun.Status.SUCCEEDED:
            raise CommandError(f"バックアップに失敗しました: {run.error}")
        self.stdout.write(run.summary)
