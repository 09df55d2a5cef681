"""Load a handover archive into an empty database and prove the load (Kobe 6.1)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from ops.services import handover_archive as archive_module


class Command(BaseCommand):
    help = (
        "引継ぎデータの zip を空のデータベースに取り込み、全テーブルの行数と SHA-256 が"
        "出力元と一致することを確かめる（migrate → TRUNCATE → COPY → 連番の再設定 → 照合）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="引継ぎデータの zip")
        parser.add_argument(
            "--database-url",
            required=True,
            help="取り込み先（例 postgres://user@host:5432/childcase_next）。稼働中のDBは不可",
        )
        parser.add_argument(
            "--media-root", type=Path, default=None, help="添付ファイル（files/）の展開先"
        )
        parser.add_argument(
            "--no-migrate",
            action="store_true",
            help="取り込み先の migrate を省く（済んでいる場合）",
        )
        parser.add_argument(
            "--force", action="store_true", help="取り込み先に職員が登録済みでも取り込む"
        )

    def handle(self, *args, archive: Path, database_url, media_root, no_migrate, force, **opts):
        if not archive.is_file():
            raise CommandError(f"{archive} がありません。")
        target = archive_module.settings_for_url(database_url)
        if archive_module.same_database(target, connections["default"].settings_dict):
            raise CommandError(
                "稼働中のデータベースには取り込めません。空のデータベースを指定してください。"
            )
        try:
            if not no_migrate:
                self.stdout.write("取り込み先に migrate を実行しています…")
                archive_module.migrate_database(database_url)
            with archive_module.raw_connection(target, alias="handover_target") as conn:
                result = archive_module.import_archive(
                    conn,
                    archive,
                    media_root=media_root,
                    force=force,
                    log=self.stdout.write,
                )
        except archive_module.HandoverError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.tables:,} 表 {result.rows:,} 行、添付ファイル {result.files:,} 件を取り込みました。"
        )
        if result.mismatches:
            for mismatch in result.mismatches:
                self.stderr.write(str(mismatch))
            raise CommandError(f"{len(result.mismatches)} 表が出力元と一致しません。")
        self.stdout.write(self.style.SUCCESS("全テーブルの行数と SHA-256 が出力元と一致しました。"))
