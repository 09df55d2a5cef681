"""Restore drills (into a scratch database) and real restores (swap the database)."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections
from django.utils import timezone
from psycopg import sql

from backups import engine, services
from backups.engine import BackupError
from backups.models import AlertSent, BackupRun, Drill, Event, Generation, Restore
from core import alerts
from core.timeutil import to_jst

# Copied from the live database into the restored one, parents first, so the
# catalogue (including this restore and its pre-restore backup) survives.
CATALOGUE = [Generation, BackupRun, Drill, Restore, Event, AlertSent]


def _stamp() -> str:
    return f"{to_jst(timezone.now()):%Y%m%d%H%M%S}"


def create_database(lock, sd: dict, name: str) -> None:
    collate, ctype = lock.execute(
        "SELECT datcollate, datctype FROM pg_database WHERE datname = %s", [sd["NAME"]]
    ).fetchone()
    lock.execute(
        sql.SQL(
            "CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE {} LC_CTYPE {}"
        ).format(sql.Identifier(name), sql.Literal(collate), sql.Literal(ctype))
    )


def drop_database(lock, name: str) -> None:
    lock.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
    )
    lock.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def drop_leftover_scratch(lock, sd: dict) -> list[str]:
    """Scratch databases a killed drill or restore left behind (never the renamed live one)."""
    names = [
        row[0]
        for row in lock.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s OR datname LIKE %s",
            [f"{sd['NAME']}\\_drill\\_%", f"{sd['NAME']}\\_restore\\_%"],
        ).fetchall()
    ]
    for name in names:
        drop_database(lock, name)
    return names


def _stats_of(sd: dict, dbname: str) -> dict:
    with engine.connect(sd, dbname, autocommit=True) as conn:
        return engine.table_stats(conn)


# --- drill -------------------------------------------------------------------------------


def drill_run(*, identity_path: str | None = None, generation: Generation | None = None) -> Drill:
    """Restore the newest verified generation into a scratch database, compare, drop it."""
    now = timezone.now()
    identity_path = identity_path or getattr(settings, "BACKUP_IDENTITY_FILE", "")
    generation = generation or (
        Generation.objects.filter(status=Generation.Status.VERIFIED).order_by("-started_at").first()
    )

    def skipped(reason: str) -> Drill:
        return Drill.objects.create(
            generation=generation,
            status=Drill.Status.SKIPPED,
            started_at=now,
            finished_at=timezone.now(),
            error=reason,
        )

    if generation is None:
        return skipped("検証済みの世代がありません。")
    if not identity_path:
        return skipped(
            "復号鍵（BACKUP_IDENTITY_FILE）がこのサーバに設定されていないため、訓練できません。"
        )
    sd = engine.db_settings()
    with engine.exclusive_lock(sd) as lock:
        if lock is None:
            return skipped("バックアップまたは復元が実行中のため見送りました。")
        drop_leftover_scratch(lock, sd)
        drill = Drill.objects.create(
            generation=generation, status=Drill.Status.RUNNING, started_at=now
        )
        scratch = f"{sd['NAME']}_drill_{_stamp()}"
        directory = services.generation_path(generation)
        try:
            with engine.identity_file(path=identity_path) as identity:
                problems = services.generation_check(generation)
                if problems:
                    raise BackupError(" ".join(problems))
                engine.check_key(directory=directory, identity=identity, expected=generation.name)
                create_database(lock, sd, scratch)
                started = time.monotonic()
                engine.restore_database(
                    sd=sd,
                    dbname=scratch,
                    source=directory / engine.DB_FILE,
                    identity=identity,
                    workdir=directory,
                )
                members = engine.read_media(
                    source=directory / engine.MEDIA_FILE, identity=identity, workdir=directory
                )
                drill.restore_seconds = time.monotonic() - started
                mismatches = engine.compare_stats(generation.tables, _stats_of(sd, scratch))
                if members != generation.media_files:
                    mismatches.append(f"ファイル数 {members} ≠ 記録 {generation.media_files}")
            drill.tables_checked = len(generation.tables)
            drill.rows_checked = sum(t["rows"] for t in generation.tables.values())
            drill.mismatches = mismatches
            drill.status = Drill.Status.FAILED if mismatches else Drill.Status.PASSED
            if mismatches:
                drill.error = "復元したデータが記録と一致しません。"
        except BackupError as exc:
            drill.status = Drill.Status.FAILED
            drill.error = str(exc)
        finally:
            with contextlib.suppress(Exception):
                drop_database(lock, scratch)
        drill.finished_at = timezone.now()
        drill.save()
    if drill.status == Drill.Status.FAILED:
        services._alert(
            key=f"drill:{drill.pk}",
            component="backup",
            title=f"復元訓練が不合格でした（{generation.name}）",
            detail="\n".join([drill.error, *drill.mismatches[:20]]),
        )
    return drill


# --- restore -----------------------------------------------------------------------------


def restore_preview(generation: Generation) -> dict:
    """What a restore of this generation will do, for the confirmation screen and the command."""
    newer = Generation.objects.filter(started_at__gt=generation.started_at).count()
    return {
        "generation": generation,
        "data_as_of": generation.started_at,
        "lost_after": generation.started_at,
        # Hashing gigabytes belongs to the restore itself, not to showing this page.
        "problems": services.generation_check(generation, hash_files=False),
        "newer_generations": newer,
        "rows": sum(t["rows"] for t in generation.tables.values()),
        "steps": [
            "鍵を確認します（別の鍵なら、ここで中止し何も変更しません）。",
            "復元前バックアップを取ります（今のデータを新しい世代として保存）。",
            f"{generation.name} を新しいデータベースに復元し、件数とチェックサムを照合します。",
            "照合が合えば、全端末の接続を切り、データベースを入れ替えます（旧データベースは名前を変えて残します）。",
            "添付ファイル（MEDIA_ROOT）も同じ時点に戻します（旧フォルダは名前を変えて残します）。",
            "バックアップ台帳（世代・訓練・復元の記録）は復元後も引き継ぎます。",
            "障害管理に記録します。",
        ],
    }


def restore_run(
    *,
    generation: Generation,
    actor: str,
    reason: str,
    identity_path: str | None = None,
    identity_content: bytes | None = None,
    force: bool = False,
    incident_number: str = "",
) -> Restore:
    """Bring the database and files back to ``generation``. Raises BackupError, touching
    nothing, when the generation or the key is wrong; the live database is only swapped
    after the restored copy matched what the backup recorded."""
    if not (reason or "").strip():
        raise ValidationError({"reason": "復元の理由（市の指示）を入力してください。"})
    if generation.removed_at:
        raise BackupError("この世代はすでに削除されています。")
    sd = dict(engine.db_settings())
    live = sd["NAME"]
    stamp = _stamp()
    with engine.identity_file(path=identity_path, content=identity_content) as identity:
        problems = services.generation_check(generation)
        if problems and not force:
            raise BackupError(
                "この世代は検証に失敗しているため復元しません: "
                + " ".join(problems)
                + "（承知の上で行う場合は --force）"
            )
        directory = services.generation_path(generation)
        engine.check_key(directory=directory, identity=identity, expected=generation.name)
        with engine.exclusive_lock(sd) as lock:
            if lock is None:
                raise BackupError(
                    "バックアップ・訓練・復元が実行中です。終わってから実行してください。"
                )
            services.recover_after_crash()
            drop_leftover_scratch(lock, sd)
            restore = Restore.objects.create(
                generation=generation,
                status=Restore.Status.RUNNING,
                requested_by=actor,
                reason=reason.strip(),
                started_at=timezone.now(),
                forced=force and bool(problems),
                incident_number=incident_number,
            )
            pre = services.backup_create(
                kind=Generation.Kind.PRE_RESTORE,
                requested_by=actor,
                label="復元前",
                change_ref=f"復元 {generation.name}",
                lock=lock,
            )
            if pre.status != BackupRun.Status.SUCCEEDED:
                return _fail(restore, f"復元前バックアップに失敗したため中止しました: {pre.error}")
            restore.pre_restore = pre.generation
            restore.save(update_fields=["pre_restore"])
            scratch = f"{live}_restore_{stamp}"
            media_root = Path(settings.MEDIA_ROOT)
            media_new = media_root.parent / f".{media_root.name}.restore-{stamp}"
            try:
                create_database(lock, sd, scratch)
                engine.restore_database(
                    sd=sd,
                    dbname=scratch,
                    source=directory / engine.DB_FILE,
                    identity=identity,
                    workdir=directory,
                )
                mismatches = engine.compare_stats(generation.tables, _stats_of(sd, scratch))
                if mismatches and not force:
                    raise BackupError(
                        "復元したデータが記録と一致しません: " + " / ".join(mismatches[:5])
                    )
                media_new.mkdir(mode=0o750)
                engine.read_media(
                    source=directory / engine.MEDIA_FILE,
                    identity=identity,
                    workdir=directory,
                    extract_to=media_new,
                )
                restore.previous_database = f"{live}_before_restore_{stamp}"
                if media_root.exists():
                    restore.previous_media = str(
                        media_root.parent / f".{media_root.name}.before-restore-{stamp}"
                    )
                restore.save(update_fields=["previous_database", "previous_media"])
                _carry_over_catalogue(sd, scratch)
            except BaseException as exc:
                with contextlib.suppress(Exception):
                    drop_database(lock, scratch)
                shutil.rmtree(media_new, ignore_errors=True)
                return _fail(restore, str(exc))
            _swap_databases(lock, live=live, restored=scratch, previous=restore.previous_database)
            if restore.previous_media:
                os.rename(media_root, restore.previous_media)
            os.rename(media_new, media_root)
    # From here on Django talks to the restored database, which holds the catalogue copy.
    restore = Restore.objects.get(pk=restore.pk)
    restore.status = Restore.Status.SUCCEEDED
    restore.finished_at = timezone.now()
    recorded = alerts.raise_alert(
        alerts.Alert(
            component="backup_restore",
            title=f"データ復元: {generation.name} の時点へ",
            detail=(
                f"{generation.name} の時点に復元しました。実施者 {actor}。理由: {restore.reason}\n"
                f"データの時点 {to_jst(generation.started_at):%Y/%m/%d %H:%M}。"
                f"復元前バックアップ {restore.pre_restore.name if restore.pre_restore else '-'}。"
                f"旧データベース {restore.previous_database}。"
            ),
            at=restore.finished_at,
            level="notice",
            incident_number=incident_number,
        )
    )
    if recorded:
        restore.incident_number = recorded[0][:40]
    restore.save(update_fields=["status", "finished_at", "incident_number"])
    services._event(
        "restore",
        actor=actor,
        generation=generation,
        detail=f"旧データベース {restore.previous_database}",
    )
    return restore


def _fail(restore: Restore, error: str) -> Restore:
    restore.status = Restore.Status.FAILED
    restore.finished_at = timezone.now()
    restore.error = error
    restore.save(update_fields=["status", "finished_at", "error"])
    services._event(
        "restore_failed", actor=restore.requested_by, generation=restore.generation, detail=error
    )
    return restore


def _carry_over_catalogue(sd: dict, scratch: str) -> None:
    tables = [m._meta.db_table for m in CATALOGUE]
    with (
        engine.connect(sd) as source,
        engine.connect(sd, scratch) as target,
    ):
        target.execute(
            sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(sql.Identifier(t) for t in tables))
        )
        for table in tables:
            ident = sql.Identifier(table)
            with (
                source.cursor().copy(sql.SQL("COPY {} TO STDOUT").format(ident)) as out,
                target.cursor().copy(sql.SQL("COPY {} FROM STDIN").format(ident)) as into,
            ):
                for data in out:
                    into.write(data)
            target.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({t}, 'id'), coalesce(max(id), 1), "
                    "max(id) IS NOT NULL) FROM {i}"
                ).format(t=sql.Literal(table), i=ident)
            )
        target.commit()


def _swap_databases(lock, *, live: str, restored: str, previous: str) -> None:
    """Cut every connection to the live database and swap names; on failure put it back."""
    connections.close_all()
    lock.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(live)))
    try:
        for attempt in range(10):
            lock.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = ANY(%s) AND pid <> pg_backend_pid()",
                [[live, restored]],
            )
            try:
                lock.execute(
                    sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                        sql.Identifier(live), sql.Identifier(previous)
                    )
                )
                break
            except Exception:
                if attempt == 9:
                    raise
                time.sleep(0.5)
        try:
            lock.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(restored), sql.Identifier(live)
                )
            )
        except Exception:
            lock.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(previous), sql.Identifier(live)
                )
            )
            raise
    except BaseException:
        lock.execute(
            sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(live))
        )
        raise


def generation_by_name(name: str) -> Generation:
    try:
        return Generation.objects.get(name=name)
    except Generation.DoesNotExist:
        raise BackupError(f"世代 {name} は台帳にありません。") from None


def restored_at(restore: Restore) -> datetime | None:
    return restore.finished_at
