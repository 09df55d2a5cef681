"""Taking, keeping, checking and releasing generations; alerts when they go wrong."""

from __future__ import annotations

import contextlib
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from backups import engine
from backups.engine import BackupError
from backups.models import AlertSent, BackupRun, Event, Generation
from core import alerts, progress
from core.calendar import current_calendar
from core.profiles import current_profile
from core.timeutil import JST, to_jst

OFFICE_MARGIN = timedelta(hours=4)


class WindowConfirmationRequired(Exception):
    """A manual run inside office hours ±4 h needs the operator to say so."""


def actor_label(user) -> str:
    if user is None:
        return ""
    number = getattr(user, "employee_number", "") or getattr(user, "username", "")
    name = getattr(user, "name", "") or ""
    return f"{number} {name}".strip()


def backup_dir() -> Path:
    return Path(settings.BACKUP_DIR)


def generation_path(generation: Generation) -> Path:
    return backup_dir() / generation.name


def keep_generations() -> int:
    configured = getattr(settings, "BACKUP_GENERATIONS", None)
    return max(1, int(configured or current_profile().backup_generations))


# --- the backup window -------------------------------------------------------------------


def window_status(now: datetime) -> tuple[bool, str]:
    """(open, why-not): closed during any business day's desk hours widened by 4 h.

    For Sendai that leaves weekdays 21:15–04:30 and all of a long weekend.
    """
    cal = current_calendar()
    local = to_jst(now)
    for day in (local.date() - timedelta(days=1), local.date(), local.date() + timedelta(days=1)):
        hours = cal.business_hours(day)
        if hours is None:
            continue
        opens = datetime.combine(day, hours[0], JST) - OFFICE_MARGIN
        closes = datetime.combine(day, hours[1], JST) + OFFICE_MARGIN
        if opens <= local < closes:
            return False, (
                f"業務時間帯とその前後4時間（{opens:%m/%d %H:%M}〜{closes:%m/%d %H:%M}）です。"
                "端末の応答に影響するため、通常は夜間に実行します。"
            )
    return True, ""


# --- taking a generation ---------------------------------------------------------------


def backup_create(
    *,
    kind: str,
    requested_by: str = "",
    label: str = "",
    change_ref: str = "",
    force_window: bool = False,
    now: datetime | None = None,
    lock=None,
) -> BackupRun:
    """Take one generation; returns the run (succeeded, failed or skipped), never raises for a
    failed backup: the run records why, and the alert goes out."""
    now = now or timezone.now()
    open_now, why = window_status(now)
    forced = False
    if not open_now and kind != Generation.Kind.PRE_RESTORE:
        if kind == Generation.Kind.NIGHTLY:
            run = BackupRun.objects.create(
                kind=kind,
                status=BackupRun.Status.FAILED,
                started_at=now,
                finished_at=now,
                error=f"バックアップ時間帯の外のため実行しませんでした。{why}スケジュールを確認してください。",
            )
            _alert_failure(run)
            return run
        if not force_window:
            raise WindowConfirmationRequired(why)
        forced = True
    sd = engine.db_settings()
    lock_cm = contextlib.nullcontext(lock) if lock is not None else engine.exclusive_lock(sd)
    with lock_cm as held:
        if held is None:
            return BackupRun.objects.create(
                kind=kind,
                status=BackupRun.Status.SKIPPED,
                started_at=now,
                finished_at=timezone.now(),
                requested_by=requested_by,
                summary="別のバックアップ・復元訓練・復元が実行中のため見送りました。",
            )
        if lock is None:
            recover_after_crash()
        run = BackupRun.objects.create(
            kind=kind,
            status=BackupRun.Status.RUNNING,
            started_at=timezone.now(),
            requested_by=requested_by,
            forced_in_office_hours=forced,
        )
        if forced:
            _event("force_window", actor=requested_by, detail=why)
        try:
            generation = _take_generation(
                held,
                sd,
                run,
                kind=kind,
                label=label,
                change_ref=change_ref,
                requested_by=requested_by,
            )
        except Exception as exc:
            run.status = BackupRun.Status.FAILED
            run.finished_at = timezone.now()
            run.error = str(exc) if isinstance(exc, BackupError) else f"{type(exc).__name__}: {exc}"
            run.save(update_fields=["status", "finished_at", "error"])
            _alert_failure(run)
            if not isinstance(exc, BackupError | OSError):
                raise
            return run
        expired = retention_apply()
        run.status = BackupRun.Status.SUCCEEDED
        run.finished_at = timezone.now()
        run.generation = generation
        run.summary = _summary(generation, expired)
        run.save(update_fields=["status", "finished_at", "generation", "summary"])
        progress.report(f"backup:{run.pk}", done=1, total=1)
        if kind == Generation.Kind.NIGHTLY:
            _alert_recovered("backup", generation)
        return run


def _summary(generation: Generation, expired: list[Generation]) -> str:
    lines = [
        f"世代 {generation.name} を作成し検証しました"
        f"（DB {generation.db_bytes / 1024**2:,.1f} MB、ファイル {generation.media_files:,} 件 "
        f"{generation.media_bytes / 1024**2:,.1f} MB、{generation.duration_seconds:,.0f} 秒）。",
        f"SHA-256 (DB): {generation.db_sha256}",
    ]
    if expired:
        lines.append("保存世代数を超えたため削除: " + "、".join(g.name for g in expired))
    return "\n".join(lines)


def _generation_name(kind: str, at: datetime) -> str:
    base = f"{to_jst(at):%Y%m%d-%H%M%S}-{kind}"
    name, n = base, 1
    while Generation.objects.filter(name=name).exists() or (backup_dir() / name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _recipients() -> list[str]:
    recipients = [r.strip() for r in getattr(settings, "BACKUP_AGE_RECIPIENTS", []) if r.strip()]
    if not recipients:
        raise BackupError(
            "暗号化の公開鍵（BACKUP_AGE_RECIPIENTS）が設定されていません。"
            "暗号化しないバックアップは作りません。"
        )
    return recipients


def _take_generation(lock, sd, run, *, kind, label, change_ref, requested_by) -> Generation:
    recipients = _recipients()
    root = backup_dir()
    root.mkdir(parents=True, exist_ok=True)
    started = timezone.now()
    name = _generation_name(kind, started)
    partial = root / f".{name}{engine.PARTIAL_SUFFIX}"
    partial.mkdir(mode=0o700)
    try:
        server_version, dump_version = engine.check_dump_version(lock)
        # autocommit, so that our BEGIN (not psycopg's implicit one) sets the isolation level.
        snap = engine.connect(sd, autocommit=True)
        try:
            snap.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            snapshot = snap.execute("SELECT pg_export_snapshot()").fetchone()[0]
            # Row counts and sampled checksums come from the very snapshot pg_dump
            # reads, computed while it runs.
            stats: dict = {}
            stats_error: list[BaseException] = []

            def collect():
                try:
                    stats.update(engine.table_stats(snap))
                except BaseException as exc:
                    stats_error.append(exc)

            collector = threading.Thread(target=collect, daemon=True)
            collector.start()
            db = engine.dump_database(
                sd=sd,
                snapshot=snapshot,
                target=partial / engine.DB_FILE,
                recipients=recipients,
                on_progress=lambda n: progress.report(f"backup:{run.pk}", done=n, total=0),
            )
            collector.join()
        finally:
            snap.close()
        if db.errors:
            raise BackupError(" ".join(dict.fromkeys(db.errors)))
        if stats_error:
            raise BackupError(f"表の件数の取得に失敗しました: {stats_error[0]}")
        media = engine.archive_media(
            media_root=Path(settings.MEDIA_ROOT),
            target=partial / engine.MEDIA_FILE,
            recipients=recipients,
        )
        if media.errors:
            raise BackupError(" ".join(dict.fromkeys(media.errors)))
        engine.encrypt_small(
            data=name.encode(), target=partial / engine.KEYCHECK_FILE, recipients=recipients
        )
        # What is on disk must be what was written, byte for byte.
        for file, result in ((engine.DB_FILE, db), (engine.MEDIA_FILE, media)):
            on_disk = engine.sha256_file(partial / file)
            if on_disk != result.sha256:
                raise BackupError(f"{file} を読み戻したチェックサムが書き込み時と一致しません。")
        finished = timezone.now()
        manifest = {
            "format": 1,
            "name": name,
            "kind": kind,
            "label": label,
            "change_ref": change_ref,
            "requested_by": requested_by,
            "started_at": started.isoformat(),
            "finished_at": finished.isoformat(),
            "database": sd["NAME"],
            "server_version": server_version,
            "dump_version": dump_version,
            "recipients": recipients,
            "files": {
                engine.DB_FILE: {"bytes": db.bytes, "sha256": db.sha256},
                engine.MEDIA_FILE: {
                    "bytes": media.bytes,
                    "sha256": media.sha256,
                    "members": media.files,
                },
                engine.KEYCHECK_FILE: {
                    "sha256": engine.sha256_file(partial / engine.KEYCHECK_FILE)
                },
            },
            "tables": stats,
        }
        manifest_sha = engine.write_manifest(partial, manifest)
        engine.publish(partial, root / name)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return _register(manifest, manifest_sha)


def _register(manifest: dict, manifest_sha: str) -> Generation:
    files = manifest["files"]
    generation, _ = Generation.objects.update_or_create(
        name=manifest["name"],
        defaults={
            "kind": manifest["kind"],
            "label": manifest.get("label", ""),
            "change_ref": manifest.get("change_ref", ""),
            "requested_by": manifest.get("requested_by", ""),
            "started_at": datetime.fromisoformat(manifest["started_at"]),
            "finished_at": datetime.fromisoformat(manifest["finished_at"]),
            "status": Generation.Status.VERIFIED,
            "db_bytes": files[engine.DB_FILE]["bytes"],
            "media_bytes": files[engine.MEDIA_FILE]["bytes"],
            "db_sha256": files[engine.DB_FILE]["sha256"],
            "media_sha256": files[engine.MEDIA_FILE]["sha256"],
            "media_files": files[engine.MEDIA_FILE]["members"],
            "manifest_sha256": manifest_sha,
            "server_version": manifest["server_version"],
            "dump_version": manifest["dump_version"],
            "recipients": "\n".join(manifest["recipients"]),
            "tables": manifest["tables"],
            "last_checked_at": timezone.now(),
            "check_error": "",
        },
    )
    return generation


def recover_after_crash() -> dict:
    """Under the lock: remove half-written directories, close runs a crash left open,
    and register complete generations whose row was never written."""
    removed = engine.remove_partials(backup_dir())
    now = timezone.now()
    interrupted = BackupRun.objects.filter(status=BackupRun.Status.RUNNING).update(
        status=BackupRun.Status.FAILED,
        finished_at=now,
        error="中断されました（プロセスの停止）。途中のファイルは削除しました。",
    )
    from backups.models import Drill

    Drill.objects.filter(status=Drill.Status.RUNNING).update(
        status=Drill.Status.FAILED, finished_at=now, error="中断されました（プロセスの停止）。"
    )
    registered = []
    root = backup_dir()
    if root.is_dir():
        known = set(Generation.objects.values_list("name", flat=True))
        for path in sorted(root.iterdir()):
            manifest_path = path / engine.MANIFEST_FILE
            if path.name in known or not manifest_path.is_file():
                continue
            manifest = engine.read_manifest(path)
            _register(manifest, engine.sha256_file(manifest_path))
            registered.append(path.name)
    if removed or interrupted or registered:
        _event(
            "recover",
            detail=f"途中ファイル削除 {len(removed)} 件、中断した実行 {interrupted} 件、登録 {len(registered)} 件",
        )
    return {"removed": removed, "interrupted": interrupted, "registered": registered}


# --- retention and release -------------------------------------------------------------


def retention_apply() -> list[Generation]:
    """Keep the newest N verified nightly/manual generations; run only after a new one verified."""
    keep = keep_generations()
    verified = list(
        Generation.objects.filter(
            status=Generation.Status.VERIFIED,
            kind__in=[Generation.Kind.NIGHTLY, Generation.Kind.MANUAL],
        ).order_by("-started_at", "-pk")
    )
    expired = []
    for generation in verified[keep:]:
        shutil.rmtree(generation_path(generation), ignore_errors=True)
        generation.status = Generation.Status.EXPIRED
        generation.removed_at = timezone.now()
        generation.removed_by = "保存世代数による自動削除"
        generation.save(update_fields=["status", "removed_at", "removed_by"])
        _event("expire", generation=generation, detail=f"保存世代数 {keep}")
        expired.append(generation)
    return expired


def generation_release(*, generation: Generation, actor: str) -> Generation:
    """Release a system (変更前/変更後) or pre-restore backup: its files are deleted."""
    if generation.in_rotation:
        raise BackupError(
            "夜間・手動の世代は保存世代数で管理されます。解放できるのはシステムバックアップです。"
        )
    if generation.removed_at:
        raise BackupError("この世代はすでに削除されています。")
    with transaction.atomic():
        locked = Generation.objects.select_for_update().get(pk=generation.pk)
        shutil.rmtree(generation_path(locked), ignore_errors=True)
        locked.status = Generation.Status.RELEASED
        locked.removed_at = timezone.now()
        locked.removed_by = actor
        locked.save(update_fields=["status", "removed_at", "removed_by"])
        _event("release", actor=actor, generation=locked)
    return locked


# --- verification ------------------------------------------------------------------------


def generation_check(
    generation: Generation, *, identity: Path | None = None, hash_files: bool = True
) -> list[str]:
    """Checksums of every file against the manifest and the database; with the key, a full
    decrypt-and-read of the dump and the archive. ``hash_files=False`` is the quick look a
    page can afford (files present with their recorded sizes, plus the last verification's
    findings); the restore itself always hashes."""
    directory = generation_path(generation)
    if not directory.is_dir():
        return ["世代のディレクトリがありません。"]
    problems = []
    manifest_path = directory / engine.MANIFEST_FILE
    if not manifest_path.is_file():
        return ["マニフェストがありません。"]
    if not hash_files:
        return _quick_check(generation, directory)
    if engine.sha256_file(manifest_path) != generation.manifest_sha256:
        problems.append("マニフェストのチェックサムが記録と一致しません。")
    recorded = {engine.DB_FILE: generation.db_sha256, engine.MEDIA_FILE: generation.media_sha256}
    for file, want in recorded.items():
        path = directory / file
        if not path.is_file():
            problems.append(f"{file} がありません。")
        elif engine.sha256_file(path) != want:
            problems.append(
                f"{file} のチェックサム（SHA-256）が記録と一致しません（破損・改ざん）。"
            )
    if problems or identity is None:
        return problems
    try:
        engine.check_key(directory=directory, identity=identity, expected=generation.name)
        engine.read_database_dump(
            source=directory / engine.DB_FILE, identity=identity, workdir=directory
        )
        members = engine.read_media(
            source=directory / engine.MEDIA_FILE, identity=identity, workdir=directory
        )
        if members != generation.media_files:
            problems.append(
                f"ファイル数 {members} が記録 {generation.media_files} と一致しません。"
            )
    except BackupError as exc:
        problems.append(str(exc))
    return problems


def _quick_check(generation: Generation, directory: Path) -> list[str]:
    problems = []
    recorded = {engine.DB_FILE: generation.db_bytes, engine.MEDIA_FILE: generation.media_bytes}
    for file, size in recorded.items():
        path = directory / file
        if not path.is_file():
            problems.append(f"{file} がありません。")
        elif path.stat().st_size != size:
            problems.append(f"{file} の大きさが記録と一致しません（破損・改ざん）。")
    if generation.status != Generation.Status.VERIFIED and generation.check_error:
        problems.extend(generation.check_error.splitlines())
    return problems


@dataclass
class CheckOutcome:
    generation: Generation
    problems: list[str]


def generations_verify(*, identity: Path | None = None) -> list[CheckOutcome]:
    outcomes = []
    candidates = Generation.objects.filter(removed_at__isnull=True).order_by("started_at")
    for generation in candidates:
        problems = generation_check(generation, identity=identity)
        was_ok = generation.status == Generation.Status.VERIFIED
        if problems:
            missing = any("ありません" in p and "ディレクトリ" in p for p in problems)
            generation.status = Generation.Status.MISSING if missing else Generation.Status.CORRUPT
        else:
            generation.status = Generation.Status.VERIFIED
        generation.last_checked_at = timezone.now()
        generation.check_error = "\n".join(problems)
        generation.save(update_fields=["status", "last_checked_at", "check_error"])
        if problems and was_ok:
            _event("verify_failed", generation=generation, detail=generation.check_error)
            _alert(
                key=f"verify:{generation.name}",
                component="backup",
                title=f"バックアップ世代 {generation.name} の検証に失敗しました",
                detail=generation.check_error,
            )
        outcomes.append(CheckOutcome(generation, problems))
    return outcomes


# --- ledger and alerts -------------------------------------------------------------------


def _event(action: str, *, actor: str = "", generation: Generation | None = None, detail: str = ""):
    Event.objects.create(
        at=timezone.now(),
        actor=actor,
        action=action,
        generation_name=generation.name if generation else "",
        detail=detail,
    )


def alert_recipients() -> list[str]:
    from accounts.selectors import vendor_staff_emails

    staff = vendor_staff_emails()
    extra = list(getattr(settings, "BACKUP_ALERT_EMAILS", []) or [])
    return sorted(set(staff) | set(extra))


def _alert(*, key: str, component: str, title: str, detail: str, level: str = "failure") -> bool:
    """Mail the vendor staff and tell the incidents app, once per key."""
    try:
        with transaction.atomic():
            sent = AlertSent.objects.create(key=key, at=timezone.now())
    except IntegrityError:
        return False
    recorded = alerts.raise_alert(
        alerts.Alert(
            component=component, title=title, detail=detail, at=timezone.now(), level=level
        )
    )
    sent.incident_numbers = ",".join(recorded)[:200]
    sent.save(update_fields=["incident_numbers"])
    recipients = alert_recipients()
    if recipients and level == "failure":
        send_mail(
            subject=f"【バックアップ】{title}",
            message=f"{title}\n\n{detail}\n\n障害: {sent.incident_numbers or '（記録なし）'}\n",
            from_email=None,
            recipient_list=recipients,
            fail_silently=True,
        )
    return True


def _alert_failure(run: BackupRun) -> None:
    _alert(
        key=f"run:{run.pk}",
        component="backup",
        title=f"{run.get_kind_display()}バックアップが失敗しました",
        detail=run.error,
    )


def _alert_recovered(component: str, generation: Generation) -> None:
    alerts.raise_alert(
        alerts.Alert(
            component=component,
            title=f"バックアップ {generation.name} が成功しました",
            detail="検証済みの世代ができました。",
            at=generation.finished_at,
            level="recovered",
        )
    )


def missed_night_check(*, now: datetime | None = None) -> bool:
    """After the window closes: was there a verified nightly generation last night?

    Alerts once per night; returns True when the night was missed.
    """
    now = now or timezone.now()
    local = to_jst(now)
    night = local.date() - timedelta(days=1) if local.hour < 12 else local.date()
    window_start = datetime.combine(night, current_profile().backup_window[0], JST) - timedelta(
        hours=1
    )
    if now < window_start:
        return False
    done = Generation.objects.filter(
        kind=Generation.Kind.NIGHTLY,
        started_at__gte=window_start,
        started_at__lte=now,
    ).exists()
    if done:
        return False
    _alert(
        key=f"missed:{night.isoformat()}",
        component="backup",
        title=f"{night:%Y/%m/%d} 夜のバックアップがありません",
        detail="夜間バックアップの検証済み世代が作られていません。実行履歴と beat を確認してください。",
    )
    return True
