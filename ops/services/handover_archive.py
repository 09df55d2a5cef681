"""The handover archive (Kobe 6.1): writing it, loading it into an empty database, and
proving the load.

Every table comes from Django's app registry (``apps.get_models(include_auto_created=True)``:
history tables, many-to-many tables, beat schedules, auth … of every installed app); ops
never imports another app. Each table is read in one REPEATABLE READ snapshot through a
server-side cursor, 2,000 rows at a time, and streamed as CSV into its own zip entry, so
memory stays flat whatever the size.

The CSV rules (also in README.txt and manifest.json inside each archive):
- every value is PostgreSQL's own text form of the column (``col::text``): dates
  ``2026-04-01``, times ``2026-04-01 09:30:00+09`` (Asia/Tokyo), booleans ``true``/``false``,
  JSON as written by PostgreSQL; so it loads back exactly with COPY;
- NULL is written as ``\\N``; an empty string is an empty field;
- a text value beginning with ``=``, ``+``, ``-``, ``@``, tab, CR or ``'``, and a text value
  that is exactly ``\\N``, gets one ``'`` in front (spreadsheets then show it as text);
  a loader drops the first character of any field that begins with ``'``. Numbers are
  never prefixed (a negative number is a number);
- RFC 4180 quoting (csv module, QUOTE_MINIMAL, CRLF), so newlines and quotes inside a
  value round-trip;
- UTF-8 with BOM, or CP932 with every value checked: a character CP932 cannot hold stops
  the export with its table, column, row and code point — never a silent ``?``.

A table's content hash is the SHA-256 of its CSV file; the verification writes the loaded
database's tables the same way and compares row counts and hashes with the manifest.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import SuspiciousOperation
from django.db import connections, models
from django.db.utils import load_backend
from django.utils import timezone, translation

FORMAT = "childcase-handover/1"
NULL = "\\N"
QUOTE = "'"
DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 2000
COMPRESS_LEVEL = 6
# Passwords are not handed over (hashes are credentials); the loader writes Django's
# "unusable password" marker, so every user sets a new password on the next system.
UNUSABLE_PASSWORD = "!"  # noqa: S105 - a marker, not a password
# Session-level advisory lock held by the connection that writes an export.
ADVISORY_LOCK_KEY = 0x68616E646F766572  # "handover"
# Types whose text form never begins with a spreadsheet formula character (or is a
# number, where a leading "-" is meant): written as they are.
PLAIN_TYPES = (
    "smallint",
    "integer",
    "bigint",
    "numeric",
    "real",
    "double precision",
    "boolean",
    "date",
    "timestamp with time zone",
    "timestamp without time zone",
    "time without time zone",
    "time with time zone",
    "uuid",
)
SESSION_SETTINGS = (
    "SET TIME ZONE 'Asia/Tokyo'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
    "SET bytea_output = 'hex'",
)
NOT_EXPORTED_TABLES = {
    "django_migrations": "マイグレーションの適用記録（移行先で migrate が作ります）",
}
SESSION_REASON = "ログイン中のセッション（認証に使う秘密の値。引き継ぐと成りすましに使えるため）"
PASSWORD_REASON = (
    "パスワードのハッシュ（認証情報のため引き継ぎません。取り込み時は「使えないパスワード」"
    f"（{UNUSABLE_PASSWORD}）を入れ、移行先で各職員が設定し直します）"
)

README_TEXT = """\
引継ぎデータ一式（児童相談システム）
================================

この zip には、出力時点（一つのスナップショット）でシステムが持つ全データが入っています。

- tables/<テーブル名>.csv … 全アプリの全テーブル（履歴テーブル・コード表・多対多の中間テーブル・
  定期実行の設定・権限などを含む）。1 行目は列名（物理名）、2 行目以降がデータ。行は主キー順。
- files/… … 添付ファイル（データ中のファイル列が参照するもの）。files.csv に一覧（パス・サイズ・
  SHA-256・状態）。見つからなかったファイルは状態「missing」として一覧に残します。
- data_dictionary.csv / data_dictionary.xlsx … データ辞書（テーブル、列、型、日本語名、NULL 可否、
  主キー、コード値と意味、参照先、出力の有無）。
- manifest.json … ファイルごとの行数と SHA-256、列の一覧、出力しなかったテーブル・列とその理由。

文字コード: tables/*.csv と files.csv は {encoding_label}。この README とデータ辞書は常に
UTF-8（BOM付き）です。CP932 を選んだ出力では、CP932 で正確に表せない文字（𠮷 などの
CP932 にない文字と、読み戻すと別の文字になる 〜(U+301C)・−(U+2212)・‖・¢・£・¬）が
一つでもあれば、表・列・行・文字を示して出力を止めます（? などへの置き換えはしません）。
改行は CRLF、区切りはカンマ、値の引用は RFC 4180（値の中の改行・カンマ・ダブルクォートは
"…" で囲み、" は "" にします）。

値の表し方（取り込むときはこの逆を行ってください）:
1. NULL（値なし）は \\N と書きます。空の文字列は空欄です。
2. 先頭が = + - @ タブ CR ' のいずれかで始まる文字の値、および \\N という文字そのものの値は、
   表計算ソフトで式として実行されないよう、先頭に ' を 1 文字付けています。
   取り込むときは「' で始まる欄は先頭の 1 文字を取り除く」だけで元の値に戻ります
   （数値の列には付けません。負の数は -5 のままです）。
3. 値は PostgreSQL の文字表現です。日時は Asia/Tokyo の時刻とオフセット
   （例 2026-04-01 09:30:00+09）、日付は 2026-04-01、真偽は true / false、JSON はそのまま。

出力しなかったもの:
{excluded}

検証: manifest.json の各ファイルの SHA-256 はファイルの内容そのもののハッシュです。
このシステムの `manage.py import_handover <zip> --database-url <移行先>` は、空のデータベースに
migrate でスキーマを作り、全テーブルを取り込み、取り込んだデータを同じ規則で書き出して
行数と SHA-256 が一致することを確かめます。
"""


class HandoverError(Exception):
    """An export or import that cannot go on; the message is for the page, in Japanese."""


# --- what is exported ---------------------------------------------------------------------


@dataclass
class Column:
    name: str
    db_type: str
    not_null: bool
    generated: bool = False
    field: models.Field | None = None

    @property
    def plain(self) -> bool:
        base = self.db_type.split("(")[0].strip()
        return base in PLAIN_TYPES and not self.db_type.endswith("[]")

    def as_manifest(self) -> dict:
        return {
            "name": self.name,
            "type": self.db_type,
            "kind": "plain" if self.plain else "text",
            "generated": self.generated,
        }


@dataclass
class Table:
    name: str
    model: type[models.Model] | None
    columns: list[Column]
    pk: list[str]
    omitted: dict[str, dict] = field(default_factory=dict)  # column -> {"fill", "reason"}

    @property
    def file(self) -> str:
        return f"tables/{self.name}.csv"

    @property
    def pk_index(self) -> int:
        names = [c.name for c in self.columns]
        return names.index(self.pk[0]) if self.pk and self.pk[0] in names else 0


@dataclass
class Plan:
    tables: list[Table]
    excluded: list[dict]  # {"table", "reason"} — not written at all
    missing: list[str]  # models whose table does not exist in this database
    excluded_columns: list[dict]
    file_columns: list[tuple[str, str, object]]  # (table, column, storage)


def _introspect(cur) -> dict[str, dict[str, Column]]:
    cur.execute(
        """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               a.attgenerated <> ''
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
          AND c.relkind IN ('r', 'p') AND NOT c.relispartition
        ORDER BY c.relname, a.attnum
        """
    )
    found: dict[str, dict[str, Column]] = {}
    for table, column, db_type, not_null, generated in cur.fetchall():
        found.setdefault(table, {})[column] = Column(column, db_type, not_null, generated)
    return found


def _pk_columns(opts) -> list[str]:
    fields = getattr(opts, "pk_fields", None) or [opts.pk]
    return [f.column for f in fields]


def build_plan(cur) -> Plan:
    """Every concrete model of every installed app whose table exists, in table-name order."""
    db = _introspect(cur)
    tables: dict[str, Table] = {}
    excluded, missing, excluded_columns, file_columns = [], [], [], []
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or opts.db_table in tables:
            continue
        if issubclass(model, AbstractBaseSession):
            excluded.append({"table": opts.db_table, "reason": SESSION_REASON})
            continue
        if opts.db_table not in db:
            missing.append(opts.db_table)
            continue
        present = db[opts.db_table]
        columns, omitted = [], {}
        for f in opts.local_concrete_fields:
            if f.column not in present:
                raise HandoverError(
                    f"表 {opts.db_table} に列 {f.column} がありません。"
                    "マイグレーションを適用してから出力してください。"
                )
            column = present[f.column]
            column.field = f
            if issubclass(model, AbstractBaseUser) and f.name == "password":
                omitted[f.column] = {"fill": UNUSABLE_PASSWORD, "reason": PASSWORD_REASON}
                excluded_columns.append(
                    {"table": opts.db_table, "column": f.column, "reason": PASSWORD_REASON}
                )
                continue
            columns.append(column)
            if isinstance(f, models.FileField):
                file_columns.append((opts.db_table, f.column, f.storage))
        tables[opts.db_table] = Table(
            name=opts.db_table,
            model=model,
            columns=columns,
            pk=_pk_columns(opts),
            omitted=omitted,
        )
    for name in sorted(set(db) - set(tables) - {e["table"] for e in excluded}):
        excluded.append(
            {"table": name, "reason": NOT_EXPORTED_TABLES.get(name, "アプリのモデルにない表")}
        )
    return Plan(
        tables=[tables[name] for name in sorted(tables)],
        excluded=excluded,
        missing=sorted(missing),
        excluded_columns=excluded_columns,
        file_columns=file_columns,
    )


def plan_from_manifest(manifest: dict) -> list[Table]:
    tables = []
    for entry in manifest["tables"]:
        columns = [
            Column(c["name"], c["type"], False, c.get("generated", False)) for c in entry["columns"]
        ]
        tables.append(
            Table(
                name=entry["table"],
                model=None,
                columns=columns,
                pk=entry["pk"],
                omitted=entry.get("omitted", {}),
            )
        )
    return tables


# --- connections --------------------------------------------------------------------------


def _wrapper(settings_dict: dict, alias: str):
    cfg = connections.configure_settings({"default": dict(settings_dict)})["default"]
    return load_backend(cfg["ENGINE"]).DatabaseWrapper(cfg, alias)


def settings_for_url(database_url: str) -> dict:
    import environ

    return environ.Env.db_url_config(database_url)


@contextlib.contextmanager
def raw_connection(settings_dict: dict | None = None, *, alias: str = "handover") -> Iterator:
    """A psycopg connection of its own (never the request's or the task's ORM connection):
    its long snapshot transaction must not hide the progress the job writes meanwhile.
    Connection parameters come from Django's backend for the same settings."""
    import psycopg

    wrapper = (
        connections.create_connection("default")
        if settings_dict is None
        else _wrapper(settings_dict, alias)
    )
    conn = psycopg.connect(**wrapper.get_connection_params(), autocommit=True)
    try:
        for statement in SESSION_SETTINGS:
            conn.execute(statement)
        yield conn
    finally:
        conn.close()


def try_lock(conn) -> bool:
    return bool(conn.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY]).fetchone()[0])


def lock_is_held_elsewhere() -> bool:
    """True while some session writes an export (its worker is alive)."""
    with raw_connection(alias="handover_probe") as conn:
        if try_lock(conn):
            conn.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
            return False
        return True


@contextlib.contextmanager
def snapshot(conn) -> Iterator:
    import psycopg

    conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    conn.read_only = True
    with conn.transaction():
        yield conn


# --- writing one table --------------------------------------------------------------------


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def select_sql(table: Table) -> str:
    exprs = []
    for c in table.columns:
        col = f"{_q(c.name)}::text"
        if c.plain:
            exprs.append(f"COALESCE({col}, '{NULL}')")
        else:
            exprs.append(
                f"CASE WHEN {col} IS NULL THEN '{NULL}' "
                f"WHEN {col} = '{NULL}' OR left({col}, 1) IN "
                "('=', '+', '-', '@', E'\\t', E'\\r', '''') "
                f"THEN '''' || {col} ELSE {col} END"
            )
    order = ", ".join(_q(c) for c in table.pk)
    return f"SELECT {', '.join(exprs)} FROM {_q(table.name)} ORDER BY {order}"  # noqa: S608 - identifiers quoted by _q


def neutralise(value: str | None) -> str:
    """The same rule as select_sql, for values written from Python (dictionary, files.csv)."""
    if value is None:
        return NULL
    if value == NULL or value[:1] in (*DANGEROUS_FIRST, QUOTE):
        return QUOTE + value
    return value


def restore_value(value: str) -> str | None:
    if value == NULL:
        return None
    if value[:1] == QUOTE:
        return value[1:]
    return value


def _codec(encoding: str) -> tuple[str, bytes]:
    if encoding == "utf-8-sig":
        return "utf-8", b"\xef\xbb\xbf"
    if encoding == "cp932":
        return "cp932", b""
    raise HandoverError(f"文字コード {encoding} には対応していません。")


def first_unholdable(value: str, codec: str) -> str | None:
    """The first character the codec cannot hold *exactly*: CP932 cannot encode 𠮷, and
    Python's cp932 writes 〜 (U+301C), − (U+2212), ‖, ¢, £, ¬ as bytes that read back as
    other characters (～ U+FF5E …) — a silent change we refuse like a missing character."""
    for char in value:
        try:
            if char.encode(codec).decode(codec) != char:
                return char
        except UnicodeError:
            return char
    return None


def encode_exact(text: str, codec: str) -> bytes:
    """Encode, or raise UnicodeError when the bytes would not read back as ``text``."""
    data = text.encode(codec)
    if codec != "utf-8" and data.decode(codec) != text:
        raise UnicodeError("does not round-trip")
    return data


def unholdable_message(char: str, where: str) -> str:
    return (
        f"{where}の文字「{char}」(U+{ord(char):04X}) は CP932 で表せません。"
        "UTF-8（BOM付き）で出力し直すか、データを直してから出力してください。"
    )


def _not_encodable(table: Table, rows: list, codec: str) -> HandoverError:
    for row in rows:
        for column, value in zip(table.columns, row, strict=True):
            char = first_unholdable(value, codec)
            if char is not None:
                key = restore_value(row[table.pk_index])
                pk = ",".join(table.pk)
                return HandoverError(
                    unholdable_message(char, f"{table.name}.{column.name}（{pk}={key}）")
                )
    return HandoverError("CP932 で表せない文字があります。")  # pragma: no cover


@dataclass
class Written:
    rows: int = 0
    bytes: int = 0
    sha256: str = ""


def write_table(
    conn,
    table: Table,
    *,
    encoding: str,
    out=None,
    on_chunk: Callable[[int], None] | None = None,
) -> Written:
    """Stream one table as CSV into ``out`` (a binary file; None = only count and hash)."""
    codec, bom = _codec(encoding)
    digest = hashlib.sha256()
    written = Written()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")

    def emit(data: bytes):
        digest.update(data)
        written.bytes += len(data)
        if out is not None:
            out.write(data)

    writer.writerow([c.name for c in table.columns])
    emit(bom + buf.getvalue().encode(codec))
    with conn.cursor(name="handover_rows") as cur:
        cur.itersize = CHUNK_ROWS
        cur.execute(select_sql(table))
        while True:
            rows = cur.fetchmany(CHUNK_ROWS)
            if not rows:
                break
            buf.seek(0)
            buf.truncate()
            writer.writerows(rows)
            try:
                data = encode_exact(buf.getvalue(), codec)
            except UnicodeError:
                raise _not_encodable(table, rows, codec) from None
            emit(data)
            written.rows += len(rows)
            if on_chunk:
                on_chunk(len(rows))
    written.sha256 = digest.hexdigest()
    return written


# --- the archive --------------------------------------------------------------------------


@dataclass
class ExportResult:
    tables: int = 0
    rows: int = 0
    files: int = 0
    files_bytes: int = 0
    missing_files: int = 0
    missing_tables: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


def estimate_rows(conn, plan: Plan) -> int:
    """Row count to expect, for the progress bar: exact for small tables, the planner's
    estimate for big ones (an exact count would read every big table twice)."""
    total = 0
    for table in plan.tables:
        row = conn.execute(
            "SELECT COALESCE(NULLIF(c.reltuples, -1), 0)::bigint + COALESCE(("
            " SELECT SUM(GREATEST(p.reltuples, 0))::bigint FROM pg_inherits i"
            " JOIN pg_class p ON p.oid = i.inhrelid WHERE i.inhparent = c.oid), 0)"
            " FROM pg_class c WHERE c.oid = %s::regclass",
            [_q(table.name)],
        ).fetchone()
        estimate = int(row[0] or 0)
        if estimate < 100_000:
            count_sql = f"SELECT count(*) FROM {_q(table.name)}"  # noqa: S608 - identifiers quoted by _q
            estimate = conn.execute(count_sql).fetchone()[0]
        total += estimate
    return total


def _choices_text(f: models.Field | None) -> str:
    if f is None or not f.choices:
        return ""
    return "; ".join(f"{value}={label}" for value, label in f.flatchoices)


def _relation_text(f: models.Field | None) -> str:
    if f is None or not f.is_relation or f.related_model is None:
        return ""
    target = f.related_model._meta
    return f"{target.db_table}.{f.target_field.column}"


DICTIONARY_HEADER = [
    "テーブル",
    "テーブル名（日本語）",
    "モデル",
    "列",
    "型",
    "日本語名",
    "NULL可",
    "主キー",
    "コード値と意味",
    "参照先（テーブル.列）",
    "先頭に ' を付ける対象",
    "出力",
    "説明",
]


def dictionary_rows(plan: Plan) -> Iterator[list[str]]:
    with translation.override("ja"):
        for table in plan.tables:
            opts = table.model._meta
            label = str(opts.verbose_name)
            model = opts.label
            pk = set(table.pk)
            by_name = {c.name: c for c in table.columns}
            for f in opts.local_concrete_fields:
                column = by_name.get(f.column)
                omitted = table.omitted.get(f.column)
                yield [
                    table.name,
                    label,
                    model,
                    f.column,
                    column.db_type if column else "",
                    str(f.verbose_name),
                    "いいえ" if (column and column.not_null) or not f.null else "はい",
                    "はい" if f.column in pk else "",
                    _choices_text(f),
                    _relation_text(f),
                    "" if column is None else ("なし" if column.plain else "あり"),
                    "出力" if column else "出力しない",
                    omitted["reason"] if omitted else str(f.help_text or ""),
                ]
        for entry in plan.excluded:
            yield [
                entry["table"],
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "出力しない",
                entry["reason"],
            ]


def _readme(plan: Plan, encoding: str) -> str:
    label = "UTF-8（BOM付き）" if encoding == "utf-8-sig" else "CP932（Shift_JIS）"
    lines = [f"- テーブル {e['table']}: {e['reason']}" for e in plan.excluded]
    lines += [f"- 列 {e['table']}.{e['column']}: {e['reason']}" for e in plan.excluded_columns]
    if plan.missing:
        lines.append(
            "- このデータベースに存在しなかったテーブル（データなし）: " + "、".join(plan.missing)
        )
    return README_TEXT.format(encoding_label=label, excluded="\n".join(lines) or "- なし")


def _zip_write_bytes(zf: zipfile.ZipFile, name: str, data: bytes) -> dict:
    with zf.open(name, "w", force_zip64=True) as out:
        out.write(data)
    return {"file": name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _dictionary_files(zf, plan: Plan, encoding: str) -> list[dict]:
    """The dictionary is documentation written by this system (labels hold 〜 and the
    like): always UTF-8 with BOM, whatever the tables' encoding."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(DICTIONARY_HEADER)
    rows = list(dictionary_rows(plan))
    writer.writerows([[neutralise(v) for v in row] for row in rows])
    data = "\ufeff".encode() + buf.getvalue().encode()
    entries = [_zip_write_bytes(zf, "data_dictionary.csv", data)]

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("データ辞書")
    sheet.append(DICTIONARY_HEADER)
    for row in rows:
        sheet.append([neutralise(v) if v else v for v in row])
    notes = wb.create_sheet("説明")
    for line in _readme(plan, encoding).splitlines():
        notes.append([neutralise(line) if line else line])
    xlsx = io.BytesIO()
    wb.save(xlsx)
    entries.append(_zip_write_bytes(zf, "data_dictionary.xlsx", xlsx.getvalue()))
    return entries


def _safe_member(name: str) -> str | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return "files/" + str(path)


def _file_names(conn, plan: Plan) -> Iterator[tuple[str, object]]:
    """Every distinct file name referenced by a file column, per storage, sorted."""
    by_storage: dict[int, tuple[object, list[tuple[str, str]]]] = {}
    for table, column, storage in plan.file_columns:
        by_storage.setdefault(id(storage), (storage, []))[1].append((table, column))
    for storage, columns in by_storage.values():
        union = " UNION ".join(
            f"SELECT {_q(c)}::text AS name FROM {_q(t)} WHERE {_q(c)} <> ''"  # noqa: S608 - identifiers quoted by _q
            for t, c in columns
        )
        with conn.cursor(name="handover_files") as cur:
            cur.itersize = CHUNK_ROWS
            cur.execute(f"SELECT name FROM ({union}) u ORDER BY name")  # noqa: S608 - identifiers quoted by _q
            for (name,) in cur:
                yield name, storage


def _write_files(zf, conn, plan: Plan, encoding: str, result: ExportResult) -> dict:
    codec, bom = _codec(encoding)
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as listing:
        writer = csv.writer(listing, lineterminator="\r\n")
        writer.writerow(["path", "bytes", "sha256", "state"])
        for name, storage in _file_names(conn, plan):
            member = _safe_member(name)
            state, size, digest = "ok", 0, ""
            try:
                if member is None:
                    raise SuspiciousOperation(name)
                source = storage.open(name, "rb")
            except (OSError, SuspiciousOperation):
                state = "missing"
                result.missing_files += 1
            else:
                sha = hashlib.sha256()
                with source, zf.open(member, "w", force_zip64=True) as out:
                    while chunk := source.read(1024 * 1024):
                        sha.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
                digest = sha.hexdigest()
                result.files += 1
                result.files_bytes += size
            writer.writerow([neutralise(name), size, digest, state])
        listing.seek(0)
        sha = hashlib.sha256()
        total = 0
        with zf.open("files.csv", "w", force_zip64=True) as out:
            out.write(bom)
            sha.update(bom)
            total += len(bom)
            while chunk := listing.read(256 * 1024):
                try:
                    data = encode_exact(chunk, codec)
                except UnicodeError:
                    char = first_unholdable(chunk, codec) or "?"
                    raise HandoverError(unholdable_message(char, "添付ファイル名")) from None
                out.write(data)
                sha.update(data)
                total += len(data)
    return {"file": "files.csv", "bytes": total, "sha256": sha.hexdigest()}


def export_archive(
    conn,
    *,
    dest: Path,
    encoding: str,
    export_id: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ExportResult:
    """Write the whole database as one zip at ``dest``; ``conn`` is a raw_connection()."""
    result = ExportResult()
    done = 0
    with snapshot(conn):
        with conn.cursor() as cur:
            plan = build_plan(cur)
        total = estimate_rows(conn, plan)
        server_version = conn.execute("SHOW server_version").fetchone()[0]
        if progress:
            progress("", 0, total)
        with zipfile.ZipFile(
            dest, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
        ) as zf:
            documents = [
                _zip_write_bytes(zf, "README.txt", ("\ufeff" + _readme(plan, encoding)).encode())
            ]
            documents += _dictionary_files(zf, plan, encoding)
            entries = []
            for table in plan.tables:
                if progress:
                    progress(table.name, done, total)

                def on_chunk(n, table=table):
                    nonlocal done
                    done += n
                    if progress:
                        progress(table.name, done, total)

                with zf.open(table.file, "w", force_zip64=True) as out:
                    written = write_table(
                        conn, table, encoding=encoding, out=out, on_chunk=on_chunk
                    )
                entries.append(
                    {
                        "table": table.name,
                        "model": table.model._meta.label,
                        "file": table.file,
                        "pk": table.pk,
                        "columns": [c.as_manifest() for c in table.columns],
                        "omitted": table.omitted,
                        "rows": written.rows,
                        "bytes": written.bytes,
                        "sha256": written.sha256,
                    }
                )
                result.tables += 1
                result.rows += written.rows
            files_entry = _write_files(zf, conn, plan, encoding, result)
            manifest = {
                "format": FORMAT,
                "export_id": export_id,
                "created_at": timezone.localtime().isoformat(),
                "encoding": encoding,
                "null_marker": NULL,
                "quote_prefix": QUOTE,
                "prefixed_when_text_begins_with": [*DANGEROUS_FIRST, QUOTE],
                "line_terminator": "\r\n",
                "time_zone": "Asia/Tokyo",
                "postgresql": server_version,
                "snapshot": "REPEATABLE READ (one transaction for every table)",
                "tables": entries,
                "excluded_tables": plan.excluded,
                "excluded_columns": plan.excluded_columns,
                "missing_tables": plan.missing,
                "files": {
                    **files_entry,
                    "count": result.files,
                    "missing": result.missing_files,
                    "content_bytes": result.files_bytes,
                },
                "documents": documents,
                "totals": {"tables": result.tables, "rows": result.rows},
            }
            with zf.open("manifest.json", "w", force_zip64=True) as out:
                out.write(json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    result.missing_tables = plan.missing
    result.manifest = manifest
    return result


def file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1024 * 1024):
            sha.update(chunk)
    return sha.hexdigest()


# --- reading it back ----------------------------------------------------------------------


def read_manifest(zf: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except KeyError:
        raise HandoverError(
            "manifest.json がありません。引継ぎデータの zip ではありません。"
        ) from None
    if manifest.get("format") != FORMAT:
        raise HandoverError(f"形式 {manifest.get('format')} には対応していません。")
    return manifest


@dataclass
class Mismatch:
    table: str
    expected_rows: int
    rows: int | None
    expected_sha256: str
    sha256: str | None

    def __str__(self):
        if self.rows is None:
            return f"{self.table}: 取り込み先に表がありません"
        return (
            f"{self.table}: 行数 {self.expected_rows:,} → {self.rows:,}、"
            f"SHA-256 {'一致' if self.sha256 == self.expected_sha256 else '不一致'}"
        )


def verify_database(conn, manifest: dict) -> list[Mismatch]:
    """Write every table of the manifest from ``conn`` the export's way; compare."""
    mismatches = []
    with snapshot(conn):
        with conn.cursor() as cur:
            present = _introspect(cur)
        for table, entry in zip(plan_from_manifest(manifest), manifest["tables"], strict=True):
            if table.name not in present:
                mismatches.append(Mismatch(table.name, entry["rows"], None, entry["sha256"], None))
                continue
            written = write_table(conn, table, encoding=manifest["encoding"])
            if written.rows != entry["rows"] or written.sha256 != entry["sha256"]:
                mismatches.append(
                    Mismatch(
                        table.name, entry["rows"], written.rows, entry["sha256"], written.sha256
                    )
                )
    return mismatches


@dataclass
class ImportResult:
    tables: int = 0
    rows: int = 0
    files: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)


def _reset_sequences(cur, table: Table, columns: list[str]) -> None:
    for column in columns:
        seq = cur.execute(
            "SELECT pg_get_serial_sequence(%s, %s)", [_q(table.name), column]
        ).fetchone()[0]
        if seq:
            cur.execute(
                f"SELECT setval(%s, COALESCE(MAX({_q(column)}), 1), MAX({_q(column)}) IS NOT NULL)"  # noqa: S608 - identifiers quoted by _q
                f" FROM {_q(table.name)}",
                [seq],
            )


def _check_same_schema(manifest: dict, tables: list[Table], present: dict) -> list[str]:
    """The target must have this archive's schema: every table and column, nothing more
    (except tables the source did not have yet, which are left empty). Returns those."""
    problems = []
    for t in tables:
        archived = {c.name for c in t.columns} | set(t.omitted)
        missing = archived - set(present[t.name])
        extra = set(present[t.name]) - archived
        if missing:
            problems.append(f"表 {t.name} に列 {', '.join(sorted(missing))} がありません")
        if extra:
            problems.append(f"表 {t.name} に出力元にない列 {', '.join(sorted(extra))} があります")
    not_in_source = set(manifest.get("missing_tables", []))
    known = {t.name for t in tables} | {e["table"] for e in manifest["excluded_tables"]}
    extra_tables = sorted(set(present) - known - not_in_source)
    if extra_tables:
        problems.append("出力元にない表があります: " + "、".join(extra_tables))
    if problems:
        raise HandoverError(
            "取り込み先のスキーマが出力元と違います（出力したときと同じ版のシステムで "
            "migrate してください）: " + "。".join(problems) + "。"
        )
    return sorted(set(present) & not_in_source)


def _with_partitions(cur, names: list[str]) -> list[str]:
    rows = cur.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " JOIN pg_class p ON p.oid = i.inhparent"
        " WHERE p.relname = ANY(%s) AND p.relnamespace = c.relnamespace"
        " AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
        [names],
    ).fetchall()
    return [*names, *sorted(r[0] for r in rows)]


def import_archive(
    conn,
    archive: Path,
    *,
    media_root: Path | None = None,
    force: bool = False,
    log: Callable[[str], None] = lambda _msg: None,
) -> ImportResult:
    """Load the archive into the (migrated) database behind ``conn``: in one transaction,
    TRUNCATE every table of the archive, COPY each one in, set the sequences; then verify."""
    csv.field_size_limit(sys.maxsize)
    result = ImportResult()
    with zipfile.ZipFile(archive) as zf:
        manifest = read_manifest(zf)
        tables = plan_from_manifest(manifest)
        with conn.cursor() as cur:
            present = _introspect(cur)
            missing = [t.name for t in tables if t.name not in present]
            if missing:
                raise HandoverError(
                    "取り込み先に次の表がありません（migrate を済ませてください）: "
                    + "、".join(missing)
                )
            empty_too = _check_same_schema(manifest, tables, present)
            users = get_user_model()._meta.db_table
            if not force and users in present:
                # A migrated database holds only users nobody can log in as (guardian's
                # AnonymousUser has an unusable "!…" password); a live one has real users.
                count_sql = f"SELECT count(*) FROM {_q(users)} WHERE password NOT LIKE '!%'"  # noqa: S608 - identifiers quoted by _q
                count = cur.execute(count_sql).fetchone()[0]
                if count:
                    raise HandoverError(
                        f"取り込み先にログインできる職員が {count} 人登録されています。"
                        "引継ぎデータは空のデータベースにだけ取り込みます。"
                    )
        encoding = manifest["encoding"]
        _codec(encoding)  # an encoding this code knows
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            # The rows are the source's, triggers and all: an insert trigger (a change
            # ledger, a search column) firing again would add or alter rows. Foreign keys
            # (internal constraint triggers) stay on and are checked at COMMIT.
            names = [t.name for t in tables] + empty_too
            relations = _with_partitions(cur, names)
            for name in relations:
                cur.execute(f"ALTER TABLE {_q(name)} DISABLE TRIGGER USER")
            cur.execute("TRUNCATE " + ", ".join(_q(n) for n in names) + " RESTART IDENTITY")
            for table in tables:
                load = [c for c in table.columns if not c.generated]
                keep = [i for i, c in enumerate(table.columns) if not c.generated]
                fills = list(table.omitted.items())
                names = [c.name for c in load] + [name for name, _ in fills]
                fill_values = [spec["fill"] for _, spec in fills]
                rows = 0
                with (
                    zf.open(f"tables/{table.name}.csv") as raw,
                    io.TextIOWrapper(raw, encoding=encoding, newline="") as text,
                ):
                    reader = csv.reader(text)
                    header = next(reader)
                    if header != [c.name for c in table.columns]:
                        raise HandoverError(f"{table.name}.csv の見出しが manifest と違います。")
                    copy_sql = (
                        f"COPY {_q(table.name)} ({', '.join(_q(n) for n in names)}) FROM STDIN"
                    )
                    with cur.copy(copy_sql) as copy:
                        for row in reader:
                            values = [restore_value(row[i]) for i in keep]
                            copy.write_row([*values, *fill_values])
                            rows += 1
                _reset_sequences(cur, table, table.pk)
                result.tables += 1
                result.rows += rows
                log(f"{table.name}: {rows:,} 行")
            # Check the foreign keys now (pending checks forbid ALTER TABLE), then put the
            # triggers back for the system's own use.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name in relations:
                cur.execute(f"ALTER TABLE {_q(name)} ENABLE TRIGGER USER")
        if media_root is not None:
            result.files = _extract_files(zf, Path(media_root))
    result.mismatches = verify_database(conn, manifest)
    return result


def _extract_files(zf: zipfile.ZipFile, media_root: Path) -> int:
    count = 0
    root = media_root.resolve()
    for info in zf.infolist():
        if not info.filename.startswith("files/") or info.is_dir():
            continue
        member = _safe_member(info.filename[len("files/") :])
        if member is None:
            continue
        target = (root / member[len("files/") :]).resolve()
        if root not in target.parents:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
        count += 1
    return count


def handover_dir() -> Path:
    path = Path(settings.HANDOVER_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def migrate_database(database_url: str) -> None:
    """Create the schema in the target by running this code's migrations there.

    A separate process with DATABASE_URL pointing at the target: data migrations write
    through the default database alias, so running them in-process against a second alias
    would write their rows into the live database.
    """
    import subprocess

    env = {**os.environ, "DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "migrate", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise HandoverError(f"取り込み先の migrate に失敗しました: {done.stderr[-2000:]}")


def same_database(settings_dict: dict, other: dict) -> bool:
    keys = ("NAME", "HOST", "PORT")
    return all(str(settings_dict.get(k) or "") == str(other.get(k) or "") for k in keys)
