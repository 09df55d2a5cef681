"""Scripted personnel import: check and preview; --apply to apply or schedule."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import roles
from accounts.models import PersonnelImport, User
from accounts.personnel_import import services

Status = PersonnelImport.Status


class Command(BaseCommand):
    help = "人事異動ファイル（.xlsx）を確認し、反映内容を表示します。--apply で反映（発令日が先なら予約）します。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--apply", action="store_true", help="確認に通ったら反映する（発令日が先なら予約）"
        )
        parser.add_argument("--user", help="実行者の職員番号（省略時は最初の有効なシステム管理者）")

    def _actor(self, number: str | None) -> User:
        qs = User.objects.filter(is_active=True)
        if number:
            user = qs.filter(employee_number=number).first()
            if user is None:
                raise CommandError(f"職員番号 {number} の有効な職員が見つかりません。")
            return user
        user = (
            qs.filter(groups__name=roles.CITY_ADMIN).order_by("employee_number").first()
            or qs.filter(is_superuser=True).order_by("employee_number").first()
        )
        if user is None:
            raise CommandError("実行者が見つかりません。--user で職員番号を指定してください。")
        return user

    def handle(self, *args, file: Path, apply: bool, user: str | None, **options):
        if not file.is_file():
            raise CommandError(f"ファイルが見つかりません: {file}")
        actor = self._actor(user)
        try:
            record = services.personnel_import_upload(
                data=file.read_bytes(), filename=file.name, user=actor
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if record.status == Status.VALIDATING:
            record = services.personnel_import_validate(import_id=record.pk)
        self.stdout.write(
            f"取込 #{record.pk} {record.original_name}: {record.get_status_display()}"
        )
        if record.problems:
            for problem in record.problems:
                self.stdout.write(f"  エラー: {problem['text']}")
            raise CommandError(
                f"エラーが {len(record.problems)} 件あります。何も変更していません。"
            )
        preview = record.preview
        self.stdout.write(f"発令日: {preview.get('effective_date')}")
        for kind, count in preview.get("counts", []):
            if count:
                self.stdout.write(f"  {kind}: {count}")
        for note in preview.get("notes", []):
            self.stdout.write(f"  注意: {note}")
        for c in preview.get("staff", []):
            if not c.get("noop"):
                self.stdout.write(
                    f"  {c['row']}行目 {c['employee_number']} {c['name']} {c['kind']} "
                    f"{c['from_unit'] or ''} → {c['to_unit'] or ''}".rstrip(" →")
                )
        if not apply:
            self.stdout.write("確認のみ（--apply で反映します）。")
            return
        try:
            record = services.personnel_import_apply(import_id=record.pk, user=actor)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        if record.status == Status.APPLYING:
            record = services.personnel_import_execute(import_id=record.pk)
        if record.status == Status.SCHEDULED:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{record.scheduled_for:%Y/%m/%d %H:%M} に反映するよう予約しました。"
                )
            )
        elif record.status == Status.APPLIED:
            self.stdout.write(self.style.SUCCESS("反映しました。"))
        else:
            for problem in record.problems:
                self.stdout.write(f"  エラー: {problem['text']}")
            raise CommandError(
                f"反映できませんでした（{record.get_status_display()}）: {record.error_message}"
            )
