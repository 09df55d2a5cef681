"""データ抽出依頼: request, approve or reject, run (as a background job), expire, download.

The job runs the reviewed definition (core.extracts) **as the requester**: the owning
app's access rule decides which rows there are, the requester's roles which columns
(checked again at run time: a scope or role may have changed since the request). The
file goes under MEDIA_ROOT/extracts/ with a random name and is deleted when it expires.
Every download writes one read-log row per case in the file (core.audit).
"""

from __future__ import annotations

import csv
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core import extracts, progress
from core.audit import client_ip, log_access_many
from core.concurrency import update_with_version
from core.models import AccessLog
from core.outbox import outbox_enqueue
from core.timeutil import to_jst
from ops.models import ExtractionDownload, ExtractionRequest
from ops.selectors import extraction as selectors

logger = logging.getLogger(__name__)

Status = ExtractionRequest.Status
TASK_RUN = "ops.extraction_run"
DEFAULT_EXPIRY_DAYS = 7
PURPOSE_MIN_CHARS = 5
XLSX_MAX_ROWS = 1_048_575  # Excel's sheet limit, less the header
CELL_LIMIT = 32_767
LOG_BATCH = 2_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def expiry_days() -> int:
    return int(getattr(settings, "OPS_EXTRACT_EXPIRY_DAYS", DEFAULT_EXPIRY_DAYS))


def extracts_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "extracts"


def _definition(code: str) -> extracts.ExtractDefinition:
    try:
        return extracts.get(code)
    except extracts.UnknownDefinition:
        raise ValidationError({"definition": f"抽出定義「{code}」は登録されていません。"}) from None


def _requester_problem(user) -> str:
    if not user.is_active:
        return "依頼者が利用停止（退職・休職等）のため実行できません。"
    if not selectors.can_request(user):
        return "依頼者の役割が変わり、データ抽出を依頼できる役割ではなくなりました。"
    return ""


# --- request, approve, reject ----------------------------------------------------------


@transaction.atomic
def extraction_request_create(
    *,
    requester,
    definition_code: str,
    parameters: dict,
    columns: list[str] | None,
    output_format: str,
    purpose: str,
) -> ExtractionRequest:
    """Save a request after every check the definition makes (parameters, the columns the
    requester's roles may see, and e.g. that every named case is one they may open);
    with any error nothing is saved."""
    if not selectors.can_request(requester):
        raise PermissionDenied
    definition = _definition(definition_code)
    errors: dict[str, list] = {}
    purpose = (purpose or "").strip()
    if len(purpose) < PURPOSE_MIN_CHARS:
        errors["purpose"] = [f"利用目的を具体的に入力してください（{PURPOSE_MIN_CHARS}文字以上）。"]
    if output_format not in ExtractionRequest.Format.values:
        errors["output_format"] = ["出力形式を選んでください。"]
    try:
        prepared = definition.prepare(requester=requester, params=parameters, columns=columns)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        else:
            errors.setdefault("__all__", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    extraction = ExtractionRequest(
        definition_code=definition.code,
        definition_title=definition.title,
        definition_revision=definition.revision,
        parameters=prepared.params,
        columns=prepared.column_keys,
        output_format=output_format,
        purpose=purpose,
        requested_by=requester,
        requested_at=timezone.now(),
        object_type=definition.object_type,
    )
    extraction._history_user = requester
    extraction.full_clean()
    extraction.save()
    return extraction


def _decide(*, extraction, approver, expected_version: int, fields: dict) -> ExtractionRequest:
    if not selectors.can_approve(approver):
        raise PermissionDenied
    if extraction.requested_by_id == approver.pk:
        raise ValidationError(
            "自分が依頼したデータ抽出は承認・却下できません。別の管理者に依頼してください。"
        )
    current = ExtractionRequest.objects.get(pk=extraction.pk)
    if current.status != Status.REQUESTED:
        raise ValidationError(
            f"この依頼はすでに「{current.get_status_display()}」のため、承認・却下できません。"
        )
    return update_with_version(
        current,
        expected_version=expected_version,
        fields={**fields, "decided_by": approver, "decided_at": timezone.now()},
    )


@transaction.atomic
def extraction_request_approve(
    *, extraction: ExtractionRequest, approver, expected_version: int, note: str = ""
) -> ExtractionRequest:
    definition = _definition(extraction.definition_code)
    if definition.revision != extraction.definition_revision:
        raise ValidationError(
            "依頼後に抽出定義が改訂されました。却下して、改めて依頼してもらってください。"
        )
    return _decide(
        extraction=extraction,
        approver=approver,
        expected_version=expected_version,
        fields={"status": Status.APPROVED, "decision_note": (note or "").strip()},
    )


@transaction.atomic
def extraction_request_reject(
    *, extraction: ExtractionRequest, approver, expected_version: int, reason: str
) -> ExtractionRequest:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "却下の理由を入力してください。"})
    return _decide(
        extraction=extraction,
        approver=approver,
        expected_version=expected_version,
        fields={"status": Status.REJECTED, "decision_note": reason},
    )


# --- run -------------------------------------------------------------------------------


@transaction.atomic
def extraction_run_start(
    *, extraction: ExtractionRequest, operator, expected_version: int
) -> ExtractionRequest:
    """Vendor staff press 実行 on an approved (or failed) request; the job is enqueued
    through the outbox in the same transaction."""
    if not selectors.can_run(operator):
        raise PermissionDenied
    current = ExtractionRequest.objects.get(pk=extraction.pk)
    if current.status not in (Status.APPROVED, Status.FAILED):
        raise ValidationError(
            f"この依頼は「{current.get_status_display()}」のため実行できません"
            "（承認済または失敗した依頼だけを実行できます）。"
        )
    updated = update_with_version(
        current,
        expected_version=expected_version,
        fields={
            "status": Status.QUEUED,
            "run_by": operator,
            "queued_at": timezone.now(),
            "started_at": None,
            "finished_at": None,
            "error": "",
            "failure_kind": "",
        },
    )
    progress.report(updated.progress_key, done=0, total=0)
    outbox_enqueue(task_name=TASK_RUN, args=[updated.pk])
    return updated


class _RunRefused(Exception):
    """The request cannot run as it stands (a check failed); recorded as 失敗."""


def extraction_execute(*, request_id: int) -> ExtractionRequest | None:
    """The job: runs a queued request once. A redelivered job finds it done (or running
    under another worker's row lock) and returns; a crashed run left it queued, so the
    redelivery runs it again from the start. The file appears only if the run commits."""
    path: Path | None = None
    try:
        with transaction.atomic():
            extraction = (
                ExtractionRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("requested_by", "decided_by")
                .filter(pk=request_id)
                .first()
            )
            if extraction is None or extraction.status != Status.QUEUED:
                return extraction or ExtractionRequest.objects.filter(pk=request_id).first()
            extraction.started_at = timezone.now()
            definition, prepared = _recheck(extraction)
            path = _new_path(extraction.output_format)
            result = _write(extraction, definition, prepared.columns, path)
            extraction.status = Status.SUCCEEDED
            extraction.finished_at = timezone.now()
            extraction.expires_at = extraction.finished_at + timedelta(days=expiry_days())
            extraction.row_count = result.rows
            extraction.object_count = len(result.object_ids)
            extraction.object_type = definition.object_type
            extraction.object_ids = result.object_ids
            extraction.file.name = f"extracts/{path.name}"
            extraction.file_size = path.stat().st_size
            extraction.file_sha256 = result.sha256
            extraction.version += 1
            extraction._history_user = extraction.run_by
            extraction.save()
            progress.report(extraction.progress_key, done=result.rows, total=result.rows)
            return extraction
    except _RunRefused as exc:
        _unlink(path)
        return _fail(request_id, str(exc), kind=ExtractionRequest.FailureKind.REFUSED)
    except Exception as exc:
        _unlink(path)
        logger.exception("extraction %s failed", request_id)
        return _fail(
            request_id,
            f"処理中にエラーが発生しました（{type(exc).__name__}）。",
            kind=ExtractionRequest.FailureKind.ERROR,
        )


def _recheck(extraction: ExtractionRequest):
    problem = _requester_problem(extraction.requested_by)
    if problem:
        raise _RunRefused(problem)
    try:
        definition = extracts.get(extraction.definition_code)
    except extracts.UnknownDefinition:
        raise _RunRefused(
            f"抽出定義「{extraction.definition_code}」が登録されていません。"
        ) from None
    if definition.revision != extraction.definition_revision:
        raise _RunRefused("承認後に抽出定義が改訂されたため実行しません。改めて依頼してください。")
    try:
        prepared = definition.prepare(
            requester=extraction.requested_by,
            params=extraction.parameters,
            columns=extraction.columns,
        )
    except ValidationError as exc:
        raise _RunRefused(
            "実行前の確認で依頼者の閲覧範囲・役割に合わない条件が見つかったため実行しません: "
            + " ".join(exc.messages)
        ) from None
    return definition, prepared


def _fail(request_id: int, message: str, *, kind: str) -> ExtractionRequest | None:
    with transaction.atomic():
        extraction = ExtractionRequest.objects.select_for_update().filter(pk=request_id).first()
        if extraction is None or extraction.status != Status.QUEUED:
            return extraction
        extraction.status = Status.FAILED
        extraction.finished_at = timezone.now()
        extraction.error = message[:2000]
        extraction.failure_kind = kind
        extraction.version += 1
        extraction.save(update_fields=["status", "finished_at", "error", "failure_kind", "version"])
    progress.report(extraction.progress_key, done=0, total=0)
    return extraction


def _new_path(output_format: str) -> Path:
    folder = extracts_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{secrets.token_urlsafe(24)}.{output_format}"


def _unlink(path: Path | None) -> None:
    if path is None:
        return
    for p in (path, path.with_name(path.name + ".part")):
        p.unlink(missing_ok=True)


# --- writing the file ------------------------------------------------------------------


@dataclass
class WriteResult:
    rows: int
    object_ids: list
    sha256: str


class _Collector:
    """Counts the rows and keeps the distinct objects read, in order of first row."""

    def __init__(self, rows: Iterable[extracts.ExtractRow]):
        self._rows = rows
        self.count = 0
        self.seen: dict = {}

    def __iter__(self):
        for row in self._rows:
            self.count += 1
            if row.object_id is not None and row.object_id != "":
                self.seen.setdefault(row.object_id, None)
            yield row


def _write(extraction, definition, columns, path: Path) -> WriteResult:
    key = extraction.progress_key
    rows = _Collector(
        definition.rows(
            requester=extraction.requested_by,
            params=extraction.parameters,
            progress=lambda done, total: progress.report(key, done=done, total=total),
        )
    )
    partial = path.with_name(path.name + ".part")
    if extraction.output_format == ExtractionRequest.Format.CSV:
        _write_csv(partial, columns, rows)
    else:
        _write_xlsx(partial, extraction, definition, columns, rows)
    partial.replace(path)
    return WriteResult(rows=rows.count, object_ids=list(rows.seen), sha256=_sha256(path))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def neutralise(text: str) -> str:
    """A cell that a spreadsheet would read as a formula is kept as text."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{to_jst(value):%Y/%m/%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y/%m/%d}"
    return str(value)


def _write_csv(path: Path, columns, rows) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow([c.label for c in columns])
        for row in rows:
            writer.writerow([neutralise(_plain(row.values.get(c.key))) for c in columns])


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
DATETIME_FORMAT = "yyyy/mm/dd hh:mm"
DATE_FORMAT = "yyyy/mm/dd"


def _xlsx_text(value: str) -> str:
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > CELL_LIMIT:
        value = value[: CELL_LIMIT - 1] + "…"
    return value


def _xlsx_cell(ws, value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=to_jst(value).replace(tzinfo=None))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if isinstance(value, bool):
        return "はい" if value else ""
    if isinstance(value, int | float):
        return value
    text = _xlsx_text(str(value))
    if not text.startswith("="):
        return text  # a plain value: far cheaper than a cell object in write-only mode
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"  # "=…" is text here, never a formula
    cell.quotePrefix = True
    return cell


def _write_xlsx(path: Path, extraction, definition, columns, rows) -> None:
    wb = Workbook(write_only=True)
    wb.properties.title = definition.title
    ws = wb.create_sheet(title="抽出結果")
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    ws.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(ws, value=column.label)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        header.append(cell)
    ws.append(header)
    count = 0
    for row in rows:
        count += 1
        if count > XLSX_MAX_ROWS:
            raise _RunRefused(
                f"行数が Excel の上限（{XLSX_MAX_ROWS:,}行）を超えます。CSV 形式で依頼してください。"
            )
        ws.append([_xlsx_cell(ws, row.values.get(c.key)) for c in columns])
    about = wb.create_sheet(title="抽出条件")
    for label, value in _about_lines(extraction, definition, count):
        about.append([label, _xlsx_text(value)])
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 80
    wb.save(path)


def _about_lines(extraction, definition, rows: int) -> list[tuple[str, str]]:
    lines = [
        ("抽出定義", f"{definition.title}（{definition.code} 版{definition.revision}）"),
        ("依頼番号", f"#{extraction.pk}"),
    ]
    lines += selectors.parameter_rows(extraction)
    requester, approver = extraction.requested_by, extraction.decided_by
    lines += [
        ("依頼者", f"{requester.name}（{requester.employee_number}）"),
        ("依頼日時", _plain(extraction.requested_at)),
        ("利用目的", extraction.purpose),
        ("承認", f"{approver.name} {_plain(extraction.decided_at)}" if approver else ""),
        ("作成日時", _plain(timezone.now())),
        ("行数", f"{rows:,}"),
        ("定義の説明", definition.description),
    ]
    return [(k, neutralise(v)) for k, v in lines]


# --- expiry ----------------------------------------------------------------------------


def extraction_expire_due(*, now: datetime | None = None) -> int:
    """Delete the files whose download period has ended and mark them 期限切れ."""
    now = now or timezone.now()
    expired = 0
    for pk in selectors.due_for_expiry(now).values_list("pk", flat=True):
        with transaction.atomic():
            extraction = (
                ExtractionRequest.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, status=Status.SUCCEEDED, expires_at__lte=now)
                .first()
            )
            if extraction is None:
                continue
            name = extraction.file.name
            extraction.status = Status.EXPIRED
            extraction.expired_at = now
            extraction.file.name = ""
            extraction.version += 1
            extraction.save(update_fields=["status", "expired_at", "file", "version"])
            if name:
                transaction.on_commit(lambda name=name: _delete_media(name))
            expired += 1
    return expired


def _delete_media(name: str) -> None:
    (Path(settings.MEDIA_ROOT) / name).unlink(missing_ok=True)


# --- download --------------------------------------------------------------------------


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str
    content_type: str


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@transaction.atomic
def extraction_download(*, extraction: ExtractionRequest, user, request) -> Download:
    """Check, then log a read of every object in the file and the download itself."""
    check = selectors.download_check(user, extraction)
    if not check.allowed:
        raise PermissionDenied(check.reason)
    path = Path(settings.MEDIA_ROOT) / extraction.file.name
    if not path.is_file():
        raise PermissionDenied("結果ファイルが見つかりません。事業者に再実行を依頼してください。")
    ids = list(extraction.object_ids)
    detail = f"データ抽出 #{extraction.pk} {extraction.definition_title}"
    for start in range(0, len(ids), LOG_BATCH):
        log_access_many(
            request=request,
            action=AccessLog.Action.EXPORT,
            object_type=extraction.object_type or "extraction",
            object_ids=ids[start : start + LOG_BATCH],
            detail=detail,
        )
    ExtractionDownload.objects.create(
        request=extraction,
        user=user,
        at=timezone.now(),
        ip=client_ip(request),
        object_count=len(ids),
    )
    stamp = f"{to_jst(extraction.finished_at):%Y%m%d}" if extraction.finished_at else ""
    filename = f"データ抽出_{extraction.pk}_{extraction.definition_title}_{stamp}.{extraction.output_format}"
    return Download(
        path=path,
        filename=filename.replace("/", "／"),
        content_type=CONTENT_TYPES.get(extraction.output_format, "application/octet-stream"),
    )
