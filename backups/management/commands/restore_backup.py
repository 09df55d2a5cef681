import getpass

from django.core.management.base import BaseCommand, CommandError

from backups.engine import BackupError
from backups.models import Restore
from backups.restore import generation_by_name, restore_preview, restore_run
from core.timeutil import to_jst


class Command(BaseCommand):
    help = "指定した世代に復元する（復元前バックアップを取り、照合してから入れ替えます）。"

    def add_arguments(self, parser):
        parser.add_argument("generation", help="世代名（バックアップ画面・verify_backups に表示）")
        parser.add_argument("--identity", required=True, help="age の秘密鍵ファイル（市が保管）")
        parser.add_argument("--reason", required=True, help="復元の理由（市の指示）")
        parser.add_argument("--by", default="", help="実施者（職員番号 氏名）")
        parser.add_argument("--incident", default="", help="関連する障害番号（経過に記録）")
        parser.add_argument("--force", action="store_true", help="検証に失敗した世代でも試みる")
        parser.add_argument(
            "--confirm",
            default=None,
            help="確認のため世代名をもう一度（省略すると端末で入力を求めます）",
        )

    def handle(self, *args, generation, identity, reason, by, incident, force, confirm, **options):
        try:
            gen = generation_by_name(generation)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        preview = restore_preview(gen)
        self.stdout.write(
            f"世代 {gen.name}（データの時点 {to_jst(gen.started_at):%Y/%m/%d %H:%M}）"
        )
        self.stdout.write(
            f"この時点より後の変更はすべて失われます（後の世代 {preview['newer_generations']} 件は残ります）。"
        )
        if preview["problems"]:
            self.stdout.write("検証の問題: " + " ".join(preview["problems"]))
        for n, step in enumerate(preview["steps"], 1):
            self.stdout.write(f"  {n}. {step}")
        if confirm is None:
            confirm = input("実行するには世代名を入力してください: ").strip()
        if confirm != gen.name:
            raise CommandError("世代名が一致しないため中止しました。何も変更していません。")
        actor = by or getpass.getuser()
        try:
            restore = restore_run(
                generation=gen,
                actor=actor,
                reason=reason,
                identity_path=identity,
                force=force,
                incident_number=incident,
            )
        except BackupError as exc:
            raise CommandError(f"{exc} 何も変更していません。") from exc
        if restore.status != Restore.Status.SUCCEEDED:
            raise CommandError(
                f"復元に失敗しました（本番データベースは変更していません）: {restore.error}"
            )
        self.stdout.write(
            f"復元しました: {gen.name}。復元前バックアップ {restore.pre_restore.name}、"
            f"旧データベース {restore.previous_database}"
            + (f"、旧ファイル {restore.previous_media}" if restore.previous_media else "")
            + f"、障害 {restore.incident_number or '-'}。"
        )
