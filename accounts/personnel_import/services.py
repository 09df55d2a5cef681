"""The life of one personnel import: upload → check → preview → apply (now or on
its 発令日) or cancel. Every step is a service; views, the admin, the command and
Celery tasks only call these."""

import hashlib
import io
import logging
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from accounts.models import PersonnelImport, User
from accounts.personnel_import.apply import apply_plan
from accounts.personnel_import.plan import Plan, build_plan
from accounts.personnel_import.reader import (
    MAX_BYTES,
    ImportFileError,
    Problem,
    read_personnel_workbook,
)
from core import progress
from core.outbox import outbox_enqueue
from core.timeutil import JST, now_jst

logger = logging.getLogger(__name__)

Status = PersonnelImport.Status
# Up to this many rows the admin waits for the check; larger files go to Celery.
INLINE_ROWS = 300
BLOCKING = (Status.SCHEDULED, Status.APPLYING, Status.APPLIED)


def _progress_key(record: PersonnelImport) -> str:
    # The digest keeps keys apart across databases that reuse ids (tests, restores).
    return f"personnel-import:{record.pk}:{record.sha256[:12]}"


def _problem_dicts(problems: list[Problem]) -> list[dict]:
    return [
        {"sheet": p.sheet, "row": p.row, "column": p.column, "message": p.message, "text": str(p)}
        for p in problems
    ]


def personnel_import_upload(*, data: bytes, filename: str, user: User) -> PersonnelImport:
    """Store the file and check it (inline for small files, else in the background)."""
    if len(data) > MAX_BYTES:
        raise ValidationError("ファイルが大きすぎます（上限10MB）。行を分けて取り込んでください。")
    if not data:
        raise ValidationError("ファイルが空です。")
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        record = PersonnelImport(
            original_name=filename[:255],
            sha256=digest,
            size=len(data),
            uploaded_by=user,
            status=Status.VALIDATING,
        )
        record.file.save(f"{digest[:16]}.xlsx", ContentFile(data), save=False)
        record._history_user = user
        record.save()
        inline = len(data) < 20_000  # ≈ 600 rows: the admin waits for those
        if not inline:
            outbox_enqueue(task_name="accounts.validate_personnel_import", args=[record.pk])
    if inline:
        return personnel_import_validate(import_id=record.pk)
    return record


def _read(record: PersonnelImport):
    with record.file.open("rb") as fh:
        data = fh.read()
    return read_personnel_workbook(data, filename=record.original_name)


def _duplicate_of(record: PersonnelImport) -> PersonnelImport | None:
    return (
        PersonnelImport.objects.filter(sha256=record.sha256, status__in=BLOCKING)
        .exclude(pk=record.pk)
        .order_by("pk")
        .first()
    )


def _check(record: PersonnelImport, *, today: date) -> tuple[Plan | None, list[Problem]]:
    duplicate = _duplicate_of(record)
    if duplicate:
        return None, [
            Problem(
                "",
                None,
                None,
                f"同じファイルが既に{duplicate.get_status_display()}です（取込 #{duplicate.pk}）。",
            )
        ]
    try:
        parsed = _read(record)
    except ImportFileError as exc:
        return None, [Problem("", None, None, exc.message)]
    plan = build_plan(parsed, today=today)
    return plan, plan.problems


def personnel_import_validate(*, import_id: int) -> PersonnelImport:
    record = PersonnelImport.objects.get(pk=import_id)
    if record.status != Status.VALIDATING:
        return record  # already checked (a redelivered task)
    plan, problems = _check(record, today=now_jst().date())
    record.problems = _problem_dicts(problems)
    if plan is not None:
        record.preview = plan.to_preview()
        record.row_count = len(plan.staff) + len(plan.org)
        record.effective_date = plan.effective_date
    record.status = Status.INVALID if problems else Status.READY
    record.save(update_fields=["problems", "preview", "row_count", "effective_date", "status"])
    return record


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=JST)


@transaction.atomic
def personnel_import_cancel(*, import_id: int, user: User) -> PersonnelImport:
    record = PersonnelImport.objects.select_for_update().get(pk=import_id)
    if not record.is_pending:
        raise ValidationError(f"この取込は{record.get_status_display()}のため取り消せません。")
    record.status = Status.CANCELLED
    record.cancelled_by, record.cancelled_at = user, timezone.now()
    record._history_user = user
    record.save(update_fields=["status", "cancelled_by", "cancelled_at"])
    return record


def personnel_import_apply(*, import_id: int, user: User) -> PersonnelImport:
    """Apply now when its 発令日 has come, else schedule it for 00:00 JST that day."""
    with transaction.atomic():
        record = PersonnelImport.objects.select_for_update().get(pk=import_id)
        if record.status != Status.READY:
            raise ValidationError(f"この取込は{record.get_status_display()}のため反映できません。")
        if _duplicate_of(record):
            raise ValidationError("同じファイルが既に反映（予約）されています。")
        record.applied_by = user
        record._history_user = user
        today = now_jst().date()
        if record.effective_date and record.effective_date > today:
            record.status = Status.SCHEDULED
            record.scheduled_for = _start_of(record.effective_date)
            record.save(update_fields=["status", "scheduled_for", "applied_by"])
            return record
        record.status = Status.APPLYING
        record.save(update_fields=["status", "applied_by"])
        background = record.row_count > INLINE_ROWS
        if background:
            outbox_enqueue(task_name="accounts.apply_personnel_import", args=[record.pk])
    if background:
        return record
    return personnel_import_execute(import_id=record.pk)


def personnel_import_execute(*, import_id: int) -> PersonnelImport:
    """Re-check against today's data and apply every row in one transaction."""
    record = PersonnelImport.objects.get(pk=import_id)
    if record.status not in (Status.APPLYING, Status.SCHEDULED):
        return record  # done already, or cancelled meanwhile
    key = _progress_key(record)
    actor = record.applied_by or record.uploaded_by
    try:
        with transaction.atomic():
            locked = PersonnelImport.objects.select_for_update().get(pk=import_id)
            if locked.status not in (Status.APPLYING, Status.SCHEDULED):
                return locked
            plan, problems = _check(locked, today=now_jst().date())
            if problems:
                locked.status = Status.INVALID
                locked.problems = _problem_dicts(problems)
                locked.error_message = (
                    "反映直前の再確認でエラーが見つかったため、何も変更していません。"
                )
                locked.save(update_fields=["status", "problems", "error_message"])
                return locked
            total = len(plan.staff) + len(plan.org)
            results = apply_plan(
                plan,
                actor=actor,
                reason=f"人事異動取込 #{locked.pk}",
                progress=lambda done: progress.report(key, done=done, total=total),
            )
            locked.result_file.save(
                f"result-{locked.pk}.xlsx",
                ContentFile(result_workbook(locked, results)),
                save=False,
            )
            locked.status = Status.APPLIED
            locked.applied_at = timezone.now()
            locked.progress_done = total
            locked.preview = {**locked.preview, "results": results}
            locked._history_user = actor
            locked.save()
            return locked
    except Exception as exc:  # the transaction rolled back; say so and keep the record
        logger.exception("personnel import %s failed", import_id)
        PersonnelImport.objects.filter(pk=import_id).update(
            status=Status.FAILED, error_message=f"反映に失敗したため、何も変更していません: {exc}"
        )
        return PersonnelImport.objects.get(pk=import_id)


def personnel_imports_apply_due(*, now: datetime | None = None) -> list[int]:
    """Beat job at 00:00 JST: apply every scheduled import whose day has come."""
    now = now or timezone.now()
    due = list(
        PersonnelImport.objects.filter(status=Status.SCHEDULED, scheduled_for__lte=now)
        .order_by("scheduled_for", "pk")
        .values_list("pk", flat=True)
    )
    applied = []
    for pk in due:
        if personnel_import_execute(import_id=pk).status == Status.APPLIED:
            applied.append(pk)
    return applied


def import_progress(record: PersonnelImport) -> dict:
    if record.status == Status.APPLIED:
        return {"done": record.progress_done, "total": record.progress_done}
    return progress.read(_progress_key(record)) or {"done": 0, "total": record.row_count}


RESULT_HEADERS = ["シート", "行", "職員番号／組織コード", "氏名", "区分", "結果", "内容"]


def result_workbook(record: PersonnelImport, results: list[dict]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "反映結果"
    ws.append([f"人事異動取込 #{record.pk}　{record.original_name}"])
    ws.append(
        [
            f"反映日時 {timezone.localtime(timezone.now()):%Y/%m/%d %H:%M}　反映者 {record.applied_by}"
        ]
    )
    ws.append(RESULT_HEADERS)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for r in results:
        ws.append(
            [r["sheet"], r["row"], r["key"], r.get("name", ""), r["kind"], r["result"], r["detail"]]
        )
    for column, width in zip("ABCDEFG", (8, 6, 20, 18, 10, 10, 60), strict=True):
        ws.column_dimensions[column].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
