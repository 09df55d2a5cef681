"""The moving parts of a generation: pg_dump, age, tar, checksums, atomic files.

Nothing here touches Django models; services.py records what happened.
Every file is written under a ``.partial`` directory, fsynced, re-read for its
SHA-256 and only then renamed into place, so a crash, a kill or a full disk
never leaves something that looks like a generation.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connections

CHUNK = 1024 * 1024
DB_FILE = "db.dump.age"
MEDIA_FILE = "media.tar.age"
KEYCHECK_FILE = "keycheck.age"
MANIFEST_FILE = "manifest.json"
PARTIAL_SUFFIX = ".partial"
LOCK_CLASS = 0x62616B  # "bak": one lock for backups, drills and restores of one database
SAMPLE_ROWS = 100
FULL_HASH_MAX_ROWS = 100_000


class BackupError(Exception):
    """A failure with a message an operator can act on (Japanese)."""


# --- tools and connections -------------------------------------------------------------


def tool(name: str) -> str:
    directory = getattr(settings, "BACKUP_PG_BIN_DIR", "") or ""
    if name == "age":
        found = getattr(settings, "BACKUP_AGE_BIN", "") or shutil.which("age")
    elif directory:
        found = str(Path(directory) / name)
    else:
        found = shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(f"{name} が見つかりません（Debian パッケージを確認してください）。")
    return found


def tool_major(name: str) -> tuple[int, str]:
    try:
        out = subprocess.run(
            [tool(name), "--version"], capture_output=True, text=True, check=True, timeout=30
        )
    except (subprocess.SubprocessError, OSError) as exc:
        raise BackupError(f"{name} --version が失敗しました: {exc}") from exc
    match = re.search(r"(\d+)(?:\.(\d+))?", out.stdout)
    if not match:
        raise BackupError(f"{name} の版が読めません: {out.stdout.strip()}")
    return int(match.group(1)), match.group(0)


def db_settings(alias: str = "default") -> dict:
    return connections[alias].settings_dict


def conninfo(sd: dict, dbname: str | None = None) -> dict:
    info = {"dbname": dbname or sd["NAME"], "user": sd.get("USER") or None}
    if sd.get("HOST"):
        info["host"] = sd["HOST"]
    if sd.get("PORT"):
        info["port"] = str(sd["PORT"])
    if sd.get("PASSWORD"):
        info["password"] = sd["PASSWORD"]
    return {k: v for k, v in info.items() if v}


def pg_env(sd: dict, dbname: str | None = None) -> dict:
    env = dict(os.environ)
    info = conninfo(sd, dbname)
    mapping = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD"}
    for key, var in mapping.items():
        if key in info:
            env[var] = info[key]
    env["PGDATABASE"] = info["dbname"]
    env["PGAPPNAME"] = "childcase-backup"
    return env


def connect(sd: dict, dbname: str | None = None, **kw) -> psycopg.Connection:
    return psycopg.connect(**conninfo(sd, dbname), **kw)


def server_major(conn: psycopg.Connection) -> tuple[int, str]:
    num = int(conn.execute("SHOW server_version_num").fetchone()[0])
    return num // 10000, conn.execute("SHOW server_version").fetchone()[0].split()[0]


def check_dump_version(conn: psycopg.Connection) -> tuple[str, str]:
    server, server_text = server_major(conn)
    dump, dump_text = tool_major("pg_dump")
    if dump < server:
        raise BackupError(
            f"pg_dump の版（{dump_text}）がデータベースサーバ（{server_text}）より古いため"
            f"バックアップできません。postgresql-client-{server} を導入し、"
            "BACKUP_PG_BIN_DIR でその bin ディレクトリを指定してください。"
        )
    return server_text, dump_text


def maintenance_db() -> str:
    return getattr(settings, "BACKUP_MAINTENANCE_DB", "") or "postgres"


@contextlib.contextmanager
def exclusive_lock(sd: dict) -> Iterator[psycopg.Connection | None]:
    """A session advisory lock on its own connection; yields None when another run holds it.

    Held in the maintenance database, keyed by the live database's name, because a
    restore renames the live database and must not be connected to it. The lock
    dies with the connection, so a killed process never leaves it behind.
    """
    conn = connect(sd, maintenance_db(), autocommit=True)
    key = zlib.crc32(sd["NAME"].encode()) & 0x7FFFFFFF
    try:
        got = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, key]).fetchone()[0]
        yield conn if got else None
    finally:
        conn.close()


# --- table statistics (taken in the dump's snapshot; compared after a restore) -----------


def table_stats(conn: psycopg.Connection) -> dict[str, dict]:
    tables = conn.execute(
        """
        SELECT c.relname,
               (SELECT array_agg(a.attname ORDER BY k.ord)
                  FROM pg_index i
                  CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                 WHERE i.indrelid = c.oid AND i.indisprimary)
          FROM pg_class c
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
         ORDER BY c.relname
        """
    ).fetchall()
    stats: dict[str, dict] = {}
    for name, pk in tables:
        ident = psycopg.sql.Identifier(name)
        rows = conn.execute(psycopg.sql.SQL("SELECT count(*) FROM {}").format(ident)).fetchone()[0]
        stats[name] = {"rows": rows, "sample": _sample_hash(conn, ident, pk, rows)}
    return stats


def _sample_hash(conn, ident, pk: list[str] | None, rows: int) -> str:
    from psycopg import sql

    if rows == 0:
        return ""
    if pk:
        order = sql.SQL(", ").join(sql.Identifier(c) for c in pk)
        desc = sql.SQL(", ").join(sql.SQL("{} DESC").format(sql.Identifier(c)) for c in pk)
        query = sql.SQL(
            "SELECT string_agg(x, E'\\n' ORDER BY x) FROM ("
            "(SELECT t::text x FROM {t} t ORDER BY {o} LIMIT {n}) UNION ALL "
            "(SELECT t::text FROM {t} t ORDER BY {o} OFFSET {mid} LIMIT {n}) UNION ALL "
            "(SELECT t::text FROM {t} t ORDER BY {d} LIMIT {n})) s"
        ).format(t=ident, o=order, d=desc, n=sql.Literal(SAMPLE_ROWS), mid=sql.Literal(rows // 2))
    elif rows <= FULL_HASH_MAX_ROWS:
        query = sql.SQL("SELECT string_agg(t::text, E'\\n' ORDER BY t::text) FROM {} t").format(
            ident
        )
    else:
        return ""
    text = conn.execute(query).fetchone()[0] or ""
    return hashlib.sha256(text.encode()).hexdigest()


def compare_stats(expected: dict[str, dict], actual: dict[str, dict]) -> list[str]:
    problems = []
    for name, want in expected.items():
        got = actual.get(name)
        if got is None:
            problems.append(f"{name}: 表がありません")
        elif got["rows"] != want["rows"]:
            problems.append(f"{name}: 行数 {got['rows']:,} ≠ 記録 {want['rows']:,}")
        elif got["sample"] != want["sample"]:
            problems.append(f"{name}: 抽出行のチェックサムが一致しません")
    for name in sorted(set(actual) - set(expected)):
        problems.append(f"{name}: 記録にない表があります")
    return problems


# --- streaming with checksums --------------------------------------------------------------


def _write_all(fd: int, data: bytes) -> None:
    """os.write until done (a test replaces this to inject ENOSPC)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


@dataclass
class StreamResult:
    bytes: int = 0
    sha256: str = ""
    errors: list[str] = field(default_factory=list)


class _Pump(threading.Thread):
    """Copies a pipe to sinks, hashing; on any error kills every process of the stage."""

    def __init__(self, source, sinks, procs, result: StreamResult, on_chunk=None):
        super().__init__(daemon=True)
        self.source, self.sinks, self.procs = source, sinks, procs
        self.result, self.on_chunk = result, on_chunk
        self.hash = hashlib.sha256()

    def run(self):
        try:
            while chunk := self.source.read(CHUNK):
                self.hash.update(chunk)
                self.result.bytes += len(chunk)
                for sink in self.sinks:
                    if isinstance(sink, int):
                        _write_all(sink, chunk)
                    else:
                        sink.write(chunk)
                if self.on_chunk:
                    self.on_chunk(self.result.bytes)
        except OSError as exc:
            self.result.errors.append(_describe_os_error(exc))
            for proc in self.procs:
                with contextlib.suppress(OSError):
                    proc.kill()
        finally:
            for sink in self.sinks:
                if not isinstance(sink, int):
                    with contextlib.suppress(OSError):
                        sink.close()
            self.result.sha256 = self.hash.hexdigest()


def _describe_os_error(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ENOSPC:
        return "バックアップ先のディスクが一杯です（No space left on device）。"
    if exc.errno == errno.EPIPE:
        return "下流の処理が途中で終了しました（broken pipe）。"
    return f"書き込みに失敗しました: {exc.strerror or exc}"


def _age_encrypt_cmd(recipients: list[str]) -> list[str]:
    cmd = [tool("age")]
    for r in recipients:
        cmd += ["-r", r]
    return cmd


def _stderr_text(path: Path) -> str:
    try:
        return path.read_text(errors="replace").strip()[-1000:]
    except OSError:
        return ""


def dump_database(
    *, sd: dict, snapshot: str, target: Path, recipients: list[str], on_progress=None
) -> StreamResult:
    """pg_dump -Fc | (age → target, pg_restore -f /dev/null): encrypts and reads it all once.

    pg_restore reads the very bytes that are encrypted, to the end, so a dump
    that would not restore never becomes a generation.
    """
    out = StreamResult()
    errdir = target.parent
    with (
        open(errdir / "pg_dump.err", "wb") as dump_err,
        open(errdir / "pg_restore.err", "wb") as check_err,
        open(errdir / "age.err", "wb") as age_err,
    ):
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        age = subprocess.Popen(
            _age_encrypt_cmd(recipients),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=age_err,
        )
        check = subprocess.Popen(
            [tool("pg_restore"), "--file", os.devnull],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=check_err,
        )
        dump = subprocess.Popen(
            [tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--no-password"],
            stdout=subprocess.PIPE,
            stderr=dump_err,
            env=pg_env(sd),
        )
        procs = [dump, age, check]
        plain = StreamResult()
        feed = _Pump(dump.stdout, [age.stdin, check.stdin], procs, plain, on_progress)
        drain = _Pump(age.stdout, [fd], procs, out)
        feed.start()
        drain.start()
        feed.join()
        drain.join()
        codes = {"pg_dump": dump.wait(), "age": age.wait(), "pg_restore": check.wait()}
        try:
            if not out.errors:
                os.fsync(fd)
        except OSError as exc:
            out.errors.append(_describe_os_error(exc))
        finally:
            os.close(fd)
    out.errors = plain.errors + out.errors
    if codes["pg_dump"] != 0:
        reason = _stderr_text(errdir / "pg_dump.err") or f"終了コード {codes['pg_dump']}"
        if codes["pg_dump"] < 0:
            reason = f"pg_dump が強制終了されました（シグナル {-codes['pg_dump']}）。"
        out.errors.append(f"pg_dump が失敗しました: {reason}")
    if codes["age"] != 0 and not out.errors:
        out.errors.append(f"暗号化（age）が失敗しました: {_stderr_text(errdir / 'age.err')}")
    if codes["pg_restore"] != 0 and not out.errors:
        out.errors.append(
            f"読み戻し検証（pg_restore）が失敗しました: {_stderr_text(errdir / 'pg_restore.err')}"
        )
    for name in ("pg_dump.err", "pg_restore.err", "age.err"):
        with contextlib.suppress(OSError):
            (errdir / name).unlink()
    out.plain_sha256 = plain.sha256  # type: ignore[attr-defined]
    return out


class _HashingWriter:
    def __init__(self, raw):
        self.raw, self.hash, self.bytes = raw, hashlib.sha256(), 0

    def write(self, data):
        self.hash.update(data)
        self.bytes += len(data)
        self.raw.write(data)
        return len(data)

    def flush(self):
        self.raw.flush()


def archive_media(*, media_root: Path, target: Path, recipients: list[str]) -> StreamResult:
    """tar of MEDIA_ROOT (sorted, regular files only) | age → target."""
    out = StreamResult()
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with open(target.parent / "age-media.err", "wb") as age_err:
        age = subprocess.Popen(
            _age_encrypt_cmd(recipients),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=age_err,
        )
        drain = _Pump(age.stdout, [fd], [age], out)
        drain.start()
        files = 0
        writer = _HashingWriter(age.stdin)
        try:
            with tarfile.open(fileobj=writer, mode="w|") as tar:
                if media_root.is_dir():
                    for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                        tar.add(path, arcname=str(path.relative_to(media_root)), recursive=False)
                        files += 1
            age.stdin.close()
        except OSError as exc:
            out.errors.append(_describe_os_error(exc))
            age.kill()
        drain.join()
        code = age.wait()
    try:
        if not out.errors:
            os.fsync(fd)
    except OSError as exc:
        out.errors.append(_describe_os_error(exc))
    finally:
        os.close(fd)
    with contextlib.suppress(OSError):
        (target.parent / "age-media.err").unlink()
    if code != 0 and not out.errors:
        out.errors.append("ファイルの暗号化（age）が失敗しました。")
    out.files = files  # type: ignore[attr-defined]
    out.plain_sha256 = writer.hash.hexdigest()  # type: ignore[attr-defined]
    return out


def encrypt_small(*, data: bytes, target: Path, recipients: list[str]) -> None:
    result = subprocess.run(_age_encrypt_cmd(recipients), input=data, capture_output=True)
    if result.returncode != 0:
        raise BackupError(f"暗号化（age）が失敗しました: {result.stderr.decode(errors='replace')}")
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _write_all(fd, result.stdout)
        os.fsync(fd)
    except OSError as exc:
        raise BackupError(_describe_os_error(exc)) from exc
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(directory: Path, manifest: dict) -> str:
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    fd = os.open(directory / MANIFEST_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    except OSError as exc:
        raise BackupError(_describe_os_error(exc)) from exc
    finally:
        os.close(fd)
    return hashlib.sha256(data).hexdigest()


def read_manifest(directory: Path) -> dict:
    return json.loads((directory / MANIFEST_FILE).read_text())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(partial: Path, final: Path) -> None:
    """Atomic rename of the finished directory; then the parent's entry is made durable."""
    fsync_dir(partial)
    os.rename(partial, final)
    fsync_dir(final.parent)


def remove_partials(backup_dir: Path) -> list[str]:
    removed = []
    if not backup_dir.is_dir():
        return removed
    for path in backup_dir.iterdir():
        if path.name.endswith(PARTIAL_SUFFIX):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


# --- decryption, verification and restore ----------------------------------------------


@contextlib.contextmanager
def identity_file(*, path: str | Path | None = None, content: bytes | None = None):
    """A key file readable only by us; content given at restore time never touches BACKUP_DIR."""
    if path:
        if not Path(path).is_file():
            raise BackupError(f"復号鍵ファイルがありません: {path}")
        yield Path(path)
        return
    if not content:
        raise BackupError("復号鍵（age の秘密鍵）を指定してください。")
    with tempfile.TemporaryDirectory(prefix="childcase-key-") as tmp:
        key = Path(tmp) / "identity.txt"
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
        yield key


def decrypt_small(*, source: Path, identity: Path) -> bytes:
    result = subprocess.run(
        [tool("age"), "--decrypt", "-i", str(identity), str(source)], capture_output=True
    )
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip()
        if "no identity matched" in message:
            raise BackupError("復号鍵がこの世代の暗号化の宛先と一致しません（別の鍵です）。")
        raise BackupError(f"復号できません: {message[-300:]}")
    return result.stdout


def check_key(*, directory: Path, identity: Path, expected: str) -> None:
    if decrypt_small(source=directory / KEYCHECK_FILE, identity=identity).decode() != expected:
        raise BackupError("鍵確認ファイルの内容が世代名と一致しません。")


def _decrypting(source: Path, identity: Path, stderr) -> subprocess.Popen:
    return subprocess.Popen(
        [tool("age"), "--decrypt", "-i", str(identity), str(source)],
        stdout=subprocess.PIPE,
        stderr=stderr,
    )


def _pipe_errors(age, consumer, age_err: Path, consumer_err: Path, what: str) -> None:
    age_code, consumer_code = age.wait(), consumer.wait()
    if age_code != 0:
        raise BackupError(f"復号に失敗しました（改ざん・破損の可能性）: {_stderr_text(age_err)}")
    if consumer_code != 0:
        raise BackupError(f"{what}が失敗しました: {_stderr_text(consumer_err)}")


def read_database_dump(*, source: Path, identity: Path, workdir: Path) -> None:
    """Decrypt and read the whole dump (pg_restore to /dev/null)."""
    age_err, rest_err = workdir / "age-verify.err", workdir / "restore-verify.err"
    with open(age_err, "wb") as e1, open(rest_err, "wb") as e2:
        age = _decrypting(source, identity, e1)
        check = subprocess.Popen(
            [tool("pg_restore"), "--file", os.devnull], stdin=age.stdout, stderr=e2
        )
        age.stdout.close()
        try:
            _pipe_errors(age, check, age_err, rest_err, "ダンプの読み取り")
        finally:
            age_err.unlink(missing_ok=True)
            rest_err.unlink(missing_ok=True)


def restore_database(*, sd: dict, dbname: str, source: Path, identity: Path, workdir: Path):
    age_err, rest_err = workdir / "age-restore.err", workdir / "pg_restore.err"
    with open(age_err, "wb") as e1, open(rest_err, "wb") as e2:
        age = _decrypting(source, identity, e1)
        restore = subprocess.Popen(
            [tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", dbname],
            stdin=age.stdout,
            stderr=e2,
            env=pg_env(sd, dbname),
        )
        age.stdout.close()
        try:
            _pipe_errors(age, restore, age_err, rest_err, "データベースの復元")
        finally:
            age_err.unlink(missing_ok=True)
            rest_err.unlink(missing_ok=True)


def _extract_safely(tar: tarfile.TarFile, member: tarfile.TarInfo, root: Path) -> None:
    """Regular files only, never outside ``root`` (Debian 12's Python 3.11.2 predates
    tarfile's extraction filters)."""
    if not member.isfile():
        return
    target = (root / member.name).resolve()
    if member.name.startswith("/") or not target.is_relative_to(root.resolve()):
        raise BackupError(f"アーカイブに不正なパスがあります: {member.name}")
    target.parent.mkdir(parents=True, exist_ok=True)
    source = tar.extractfile(member)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(CHUNK):
            out.write(chunk)
    os.utime(target, (member.mtime, member.mtime))


def read_media(*, source: Path, identity: Path, workdir: Path, extract_to: Path | None = None):
    """Decrypt the media tar and read every member (extracting when asked); returns the count."""
    age_err = workdir / "age-media-read.err"
    count = 0
    with open(age_err, "wb") as e1:
        age = _decrypting(source, identity, e1)
        try:
            with tarfile.open(fileobj=age.stdout, mode="r|") as tar:
                for member in tar:
                    if extract_to is not None:
                        _extract_safely(tar, member, extract_to)
                    elif member.isfile():
                        fh = tar.extractfile(member)
                        while fh.read(CHUNK):
                            pass
                    count += 1
        except tarfile.TarError as exc:
            age.kill()
            age.wait()
            raise BackupError(f"ファイルのアーカイブが読めません: {exc}") from exc
        finally:
            age.stdout.close()
        code = age.wait()
    try:
        if code != 0:
            raise BackupError(
                f"復号に失敗しました（改ざん・破損の可能性）: {_stderr_text(age_err)}"
            )
    finally:
        age_err.unlink(missing_ok=True)
    return count
