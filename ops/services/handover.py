"""引継ぎ用の全データ出力（神戸 6.1）: request → approve (a second city admin) → start →
the Celery job writes the archive → download (logged).

One export at a time: starting takes the row lock, and a partial unique index on the running
state refuses a second running export even when two starts race. The job writes
``.handover-<id>-<attempt>-<random>.zip.partial`` and renames it only when complete, so a
half-written archive is never offered; a restart (after a failure, or when the worker died)
is a new attempt that starts over, and a task of an older attempt does nothing.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core import progress as core_progress
from core.audit import client_ip, log_access
from core.models import AccessLog
from core.outbox import outbox_enqueue
from core.timeutil import to_jst
from ops.models.handover import HandoverDownload, HandoverExport
from ops.services import handover_archive as archive

logger = logging.getLogger(__name__)

Status = HandoverExport.Status
TASK_NAME = "ops.handover_export_run"
# A running export whose worker holds no lock and reported nothing for this long is dead.
STALE_AFTER = timedelta(minutes=5)
PROGRESS_EVERY_SECONDS = 1.0


def _queue() -> str:
    """The Celery queue of the job ("" = the default); tests point it at a live worker."""
    return getattr(settings, "HANDOVER_QUEUE", "")


def progress_key(export: HandoverExport) -> str:
    return f"handover:{export.pk}:{export.attempt}"


def archive_path(export: HandoverExport) -> Path | None:
    if not export.file_name:
        return None
    return Path(settings.HANDOVER_DIR) / export.file_name


def _locked(export_id: int) -> HandoverExport:
    return HandoverExport.objects.select_for_update().get(pk=export_id)


def _save(export: HandoverExport, actor: User | None, fields: list[str]) -> None:
    export._history_user = actor
    export.save(update_fields=fields)


# --- request, approve, cancel ------------------------------------------------------------


@transaction.atomic
def handover_request(*, actor: User, encoding: str, reason: str) -> HandoverExport:
    if encoding not in HandoverExport.Encoding.values:
        raise ValidationError(
            {"encoding": "文字コードは UTF-8（BOM付き）か CP932 を選んでください。"}
        )
    if not (reason or "").strip():
        raise ValidationError({"reason": "目的・理由を入力してください。"})
    export = HandoverExport(
        encoding=encoding,
        reason=reason.strip(),
        requested_by=actor,
        requested_at=timezone.now(),
    )
    export._history_user = actor
    export.full_clean()
    export.save()
    return export


@transaction.atomic
def handover_approve(*, export: HandoverExport, actor: User) -> HandoverExport:
    export = _locked(export.pk)
    if export.status != Status.REQUESTED:
        raise ValidationError(f"この申請は{export.get_status_display()}のため承認できません。")
    if export.requested_by_id == actor.pk:
        raise ValidationError(
            "申請者本人は承認できません。別のシステム管理者（市）が承認してください。"
        )
    export.status = Status.APPROVED
    export.approved_by = actor
    export.approved_at = timezone.now()
    _save(export, actor, ["status", "approved_by", "approved_at"])
    return export


@transaction.atomic
def handover_cancel(*, export: HandoverExport, actor: User) -> HandoverExport:
    export = _locked(export.pk)
    if export.status not in (Status.REQUESTED, Status.APPROVED):
        raise ValidationError(f"この出力は{export.get_status_display()}のため取り消せません。")
    export.status = Status.CANCELLED
    export.cancelled_by = actor
    export.cancelled_at = timezone.now()
    _save(export, actor, ["status", "cancelled_by", "cancelled_at"])
    return export


# --- start and restart ---------------------------------------------------------------------


def _refuse_if_another_runs(export: HandoverExport) -> None:
    other = HandoverExport.objects.filter(status=Status.RUNNING).exclude(pk=export.pk).first()
    if other is not None:
        raise ValidationError(
            f"別の引継ぎデータの出力（#{other.pk}）が実行中です。"
            "同時に実行できるのは一つだけです。終わってから開始してください。"
        )


def _begin_attempt(export: HandoverExport, actor: User) -> HandoverExport:
    now = timezone.now()
    export.status = Status.RUNNING
    export.attempt += 1
    export.started_by = actor
    export.started_at = now
    export.heartbeat_at = now
    export.finished_at = None
    export.error = ""
    export.summary = ""
    export.progress_done = 0
    export.progress_total = 0
    export.progress_table = ""
    fields = [
        "status",
        "attempt",
        "started_by",
        "started_at",
        "heartbeat_at",
        "finished_at",
        "error",
        "summary",
        "progress_done",
        "progress_total",
        "progress_table",
    ]
    try:
        with transaction.atomic():
            _save(export, actor, fields)
    except IntegrityError:
        # Another export was started at the same moment and committed first.
        raise ValidationError(
            "別の引継ぎデータの出力が実行中です。同時に実行できるのは一つだけです。"
        ) from None
    outbox_enqueue(task_name=TASK_NAME, args=[export.pk, export.attempt], queue=_queue())
    return export


@transaction.atomic
def handover_start(*, export: HandoverExport, actor: User) -> HandoverExport:
    export = _locked(export.pk)
    if export.status == Status.RUNNING:
        raise ValidationError("この引継ぎデータの出力はすでに実行中です。")
    if export.status != Status.APPROVED:
        raise ValidationError(
            f"この出力は{export.get_status_display()}のため開始できません（承認後に開始できます）。"
        )
    _refuse_if_another_runs(export)
    return _begin_attempt(export, actor)


def is_stalled(export: HandoverExport, *, now: datetime | None = None) -> bool:
    """A running export nobody is writing: no progress for STALE_AFTER and no session holds
    the export lock (the worker died or the job was lost)."""
    if export.status != Status.RUNNING:
        return False
    now = now or timezone.now()
    last = export.heartbeat_at or export.started_at or export.requested_at
    if now - last < STALE_AFTER:
        return False
    return not archive.lock_is_held_elsewhere()


@transaction.atomic
def handover_restart(*, export: HandoverExport, actor: User) -> HandoverExport:
    """Start over (a new attempt, a new file) after a failure or a dead worker."""
    export = _locked(export.pk)
    if export.status == Status.RUNNING:
        if not is_stalled(export):
            raise ValidationError(
                "この出力は実行中です。進捗が止まってから"
                f"{int(STALE_AFTER.total_seconds() // 60)}分たつまでやり直せません。"
            )
    elif export.status != Status.FAILED:
        raise ValidationError(f"この出力は{export.get_status_display()}のためやり直せません。")
    _refuse_if_another_runs(export)
    return _begin_attempt(export, actor)


# --- the job -----------------------------------------------------------------------------


class _Progress:
    def __init__(self, export: HandoverExport):
        self.export = export
        self.last = 0.0

    def __call__(self, table: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY_SECONDS and done < total:
            return
        self.last = now
        HandoverExport.objects.filter(pk=self.export.pk, attempt=self.export.attempt).update(
            progress_done=done,
            progress_total=total,
            progress_table=table,
            heartbeat_at=timezone.now(),
        )
        core_progress.report(progress_key(self.export), done=done, total=total)


def _remove_partials(export: HandoverExport) -> None:
    for stale in Path(settings.HANDOVER_DIR).glob(f".handover-{export.pk}-*.partial"):
        stale.unlink(missing_ok=True)


def _final_name(export: HandoverExport) -> str:
    return f"handover-{export.pk}-{to_jst(timezone.now()):%Y%m%d-%H%M%S}.zip"


def _summary(result: archive.ExportResult, seconds: float) -> str:
    lines = [
        f"{result.tables:,} 表 {result.rows:,} 行、添付ファイル {result.files:,} 件"
        f"（{result.files_bytes / 1024**2:,.1f} MB）を {seconds:,.0f} 秒で出力しました。"
    ]
    if result.missing_files:
        lines.append(
            f"参照先のファイルが見つからない添付が {result.missing_files:,} 件あります"
            "（files.csv に state=missing として記載）。"
        )
    if result.missing_tables:
        lines.append(
            "データベースに存在しない表（データなし）: " + "、".join(result.missing_tables)
        )
    return "\n".join(lines)


def handover_export_execute(*, export_id: int, attempt: int) -> HandoverExport:
    """The Celery job: write the archive of attempt ``attempt``. Idempotent: a task of an
    older attempt, of a finished export, or arriving while another session writes it, does
    nothing."""
    export = HandoverExport.objects.get(pk=export_id)
    if export.status != Status.RUNNING or export.attempt != attempt:
        return export
    with archive.raw_connection() as conn:
        if not archive.try_lock(conn):
            logger.info("handover export #%s: another session holds the lock", export_id)
            return export
        export.refresh_from_db()
        if export.status != Status.RUNNING or export.attempt != attempt:
            return export
        started = time.monotonic()
        partial = None
        try:
            directory = archive.handover_dir()
            _remove_partials(export)
            partial = (
                directory / f".handover-{export.pk}-{attempt}-{secrets.token_hex(4)}.zip.partial"
            )
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.close(fd)
            result = archive.export_archive(
                conn,
                dest=partial,
                encoding=export.encoding,
                export_id=export.pk,
                progress=_Progress(export),
            )
            archive.fsync_file(partial)
            name = _final_name(export)
            final = directory / name
            os.replace(partial, final)
            size = final.stat().st_size
            digest = archive.file_sha256(final)
        except Exception as exc:
            if partial is not None:
                partial.unlink(missing_ok=True)
            expected = isinstance(exc, archive.HandoverError | OSError)
            message = str(exc) if expected else f"{type(exc).__name__}: {exc}"
            _finish_failed(export, attempt, message)
            if not expected:
                logger.exception("handover export #%s failed", export_id)
            return HandoverExport.objects.get(pk=export_id)
    with transaction.atomic():
        export = _locked(export_id)
        export.status = Status.DONE
        export.finished_at = timezone.now()
        export.file_name = name
        export.size = size
        export.sha256 = digest
        export.tables_count = result.tables
        export.rows_count = result.rows
        export.files_count = result.files
        export.progress_done = result.rows
        export.progress_total = result.rows
        export.progress_table = ""
        export.summary = _summary(result, time.monotonic() - started)
        _save(
            export,
            None,
            [
                "status",
                "finished_at",
                "file_name",
                "size",
                "sha256",
                "tables_count",
                "rows_count",
                "files_count",
                "progress_done",
                "progress_total",
                "progress_table",
                "summary",
            ],
        )
    core_progress.report(progress_key(export), done=result.rows, total=result.rows)
    return export


def _finish_failed(export: HandoverExport, attempt: int, message: str) -> None:
    with transaction.atomic():
        export = _locked(export.pk)
        if export.attempt != attempt:
            return
        export.status = Status.FAILED
        export.finished_at = timezone.now()
        export.error = message[:5000]
        _save(export, None, ["status", "finished_at", "error"])


# --- after it is done ---------------------------------------------------------------------


@transaction.atomic
def handover_download_record(*, export: HandoverExport, request) -> HandoverDownload:
    """Log one download (our own log, and the system's read log: the file holds everything)."""
    if not export.has_file:
        raise ValidationError("ダウンロードできる出力ファイルがありません。")
    path = archive_path(export)
    if path is None or not path.is_file():
        raise ValidationError("出力ファイルが見つかりません。管理者に連絡してください。")
    actor = request.user
    download = HandoverDownload(
        export=export, user=actor, downloaded_at=timezone.now(), ip=client_ip(request)
    )
    download._history_user = actor
    download.save()
    log_access(
        request=request,
        action=AccessLog.Action.EXPORT,
        object_type="ops.handoverexport",
        object_id=export.pk,
        detail=f"引継ぎデータ一式 {export.file_name}（SHA-256 {export.sha256[:16]}…）",
    )
    return download


@transaction.atomic
def handover_file_remove(*, export: HandoverExport, actor: User) -> HandoverExport:
    """Delete the archive once it has been handed over (the record and its log stay)."""
    export = _locked(export.pk)
    if not export.has_file:
        raise ValidationError("削除できる出力ファイルがありません。")
    path = archive_path(export)
    if path is not None:
        path.unlink(missing_ok=True)
    export.file_removed_at = timezone.now()
    export.file_removed_by = actor
    _save(export, actor, ["file_removed_at", "file_removed_by"])
    return export
