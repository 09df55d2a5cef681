"""SLA #27 operation history captured for every data update — measured, not assumed.

A change ledger counts what really changed: statement-level AFTER INSERT / UPDATE / DELETE
triggers (with transition tables, counting rows) on every table whose model keeps
simple-history append one row per statement to ``sla_changeledgerentry`` (table, time,
rows inserted / updated / deleted). One small insert per statement, so a bulk COPY of a
million rows costs one ledger row (plus PostgreSQL's transition tuplestore).

The rule compares, table by table, the rows changed in the period (ledger) with the history
rows recorded in it (history_date, by type + ~ -): a ``QuerySet.update()``, a raw SQL
write or a bulk load without ``*_with_history`` changes rows without history and shows up
as a table below 100 %. Coverage = Σ min(changed, recorded) ÷ Σ changed, per operation.

The triggers are (re)attached after every ``migrate`` (post_migrate, see sla/models.py) and by
``manage.py sla_install_change_ledger``; ``change_ledger_compact`` rolls entries of finished
days into ``sla_changeledgerday`` (run nightly; the rule reads both tables).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.apps import apps
from django.db import connections, transaction

from core.timeutil import JST, now_jst, to_jst
from sla.computations import DATA_MISSING, MET, MISSED, NO_EVENTS, Outcome, Row, rule
from sla.computations._common import dec, effective_end, judge_item, not_started, params
from sla.computations._common import now as _now

LEDGER = "sla_changeledgerentry"
LEDGER_DAY = "sla_changeledgerday"
TRIGGER_PREFIX = "sla_ledger_"
OPS = (("insert", "INSERT", "NEW", "inserted"), ("update", "UPDATE", "NEW", "updated"),
       ("delete", "DELETE", "OLD", "deleted"))  # fmt: skip

FUNCTIONS_SQL = "\n".join(
    f"""
CREATE OR REPLACE FUNCTION sla_ledger_{op}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    SELECT count(*) INTO n FROM sla_ledger_rows;
    IF n > 0 THEN
        INSERT INTO {LEDGER} (table_name, at, inserted, updated, deleted)
        VALUES (TG_TABLE_NAME, clock_timestamp(),
                {"n" if col == "inserted" else "0"},
                {"n" if col == "updated" else "0"},
                {"n" if col == "deleted" else "0"});
    END IF;
    RETURN NULL;
END $$;"""  # noqa: S608 - constant table name
    for op, _event, _ref, col in OPS
)
DROP_FUNCTIONS_SQL = "\n".join(
    f"DROP FUNCTION IF EXISTS sla_ledger_{op}() CASCADE;" for op, *_ in OPS
)


def tracked_tables() -> dict[str, str]:
    """{table: its history table} for every concrete model with simple-history."""
    found = {}
    for model in apps.get_models():
        manager = getattr(model._meta, "simple_history_manager_attribute", None)
        if not manager or model._meta.proxy or not model._meta.managed:
            continue
        found[model._meta.db_table] = getattr(model, manager).model._meta.db_table
    return dict(sorted(found.items()))


def change_ledger_install(*, using: str = "default") -> list[str]:
    """Create the trigger functions and attach the missing triggers. Returns the triggers
    created; does nothing where the ledger table does not exist (yet)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cur:
        existing_tables = set(connection.introspection.table_names(cur))
        if LEDGER not in existing_tables:
            return []
        cur.execute(
            """
            SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE t.tgname LIKE %s AND NOT t.tgisinternal
            """,
            [f"{TRIGGER_PREFIX}%"],
        )
        have = set(cur.fetchall())
        cur.execute(
            "SELECT count(*) FROM pg_proc WHERE proname = ANY(%s)",
            [[f"sla_ledger_{op}" for op, *_ in OPS]],
        )
        created = []
        with transaction.atomic(using=using):
            if cur.fetchone()[0] < len(OPS):
                cur.execute(FUNCTIONS_SQL)
            for table in tracked_tables():
                if table not in existing_tables:
                    continue
                for op, event, ref, _col in OPS:
                    name = f"{TRIGGER_PREFIX}{op}"
                    if (table, name) in have:
                        continue
                    q = connection.ops.quote_name
                    cur.execute(
                        f"CREATE TRIGGER {name} AFTER {event} ON {q(table)} "
                        f"REFERENCING {ref} TABLE AS sla_ledger_rows "
                        f"FOR EACH STATEMENT EXECUTE FUNCTION sla_ledger_{op}()"
                    )
                    created.append(f"{table}.{name}")
    return created


def change_ledger_status(*, using: str = "default") -> dict[str, int]:
    """{table: number of ledger triggers attached} for every tracked table that exists."""
    connection = connections[using]
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
            WHERE t.tgname LIKE %s AND NOT t.tgisinternal GROUP BY 1
            """,
            [f"{TRIGGER_PREFIX}%"],
        )
        counts = dict(cur.fetchall())
        existing = set(connection.introspection.table_names(cur))
    return {table: counts.get(table, 0) for table in tracked_tables() if table in existing}


def change_ledger_compact(*, before: date | None = None) -> int:
    """Roll the ledger entries of JST days before ``before`` (default: yesterday) into
    one row per table and day. Idempotent and safe to run concurrently."""
    before = before or now_jst().date() - timedelta(days=1)
    cutoff = datetime.combine(before, datetime.min.time(), JST)
    with transaction.atomic(), connections["default"].cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(7342027)")
        cur.execute(
            f"""
            WITH moved AS (DELETE FROM {LEDGER} WHERE at < %s RETURNING *)
            INSERT INTO {LEDGER_DAY} (table_name, day, inserted, updated, deleted)
            SELECT table_name, (at AT TIME ZONE 'Asia/Tokyo')::date,
                   sum(inserted), sum(updated), sum(deleted)
            FROM moved GROUP BY 1, 2
            ON CONFLICT (table_name, day) DO UPDATE SET
                inserted = {LEDGER_DAY}.inserted + EXCLUDED.inserted,
                updated = {LEDGER_DAY}.updated + EXCLUDED.updated,
                deleted = {LEDGER_DAY}.deleted + EXCLUDED.deleted
            """,  # noqa: S608 - constant table names
            [cutoff],
        )
        return cur.rowcount


# --- the rule ----------------------------------------------------------------------------------


def _ledger_counts(start: datetime, end: datetime) -> dict[str, list[int]]:
    """{table: [inserted, updated, deleted]} in [start, end): raw entries plus the day rows of
    the JST days that begin inside the period (whole days for month and year periods)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    first = to_jst(start).date()
    if to_jst(start) != datetime.combine(first, datetime.min.time(), JST):
        first += timedelta(days=1)
    last = to_jst(end - timedelta(microseconds=1)).date()
    with connections["default"].cursor() as cur:
        cur.execute(
            f"""
            SELECT table_name, sum(inserted), sum(updated), sum(deleted) FROM (
                SELECT table_name, inserted, updated, deleted FROM {LEDGER}
                WHERE at >= %s AND at < %s
                UNION ALL
                SELECT table_name, inserted, updated, deleted FROM {LEDGER_DAY}
                WHERE day >= %s AND day <= %s
            ) x GROUP BY 1
            """,  # noqa: S608 - constant table names
            [start, end, first, last],
        )
        for table, i, u, d in cur.fetchall():
            counts[table] = [int(i), int(u), int(d)]
    return counts


def _history_counts(tables: dict[str, str], start: datetime, end: datetime) -> dict:
    """{table: [+, ~, -]} history rows recorded in [start, end)."""
    if not tables:
        return {}
    q = connections["default"].ops.quote_name
    parts, args = [], []
    for table, hist in tables.items():
        parts.append(
            f"SELECT %s, history_type, count(*) FROM {q(hist)} "  # noqa: S608 - model tables
            "WHERE history_date >= %s AND history_date < %s GROUP BY 2"
        )
        args += [table, start, end]
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    with connections["default"].cursor() as cur:
        cur.execute(" UNION ALL ".join(parts), args)
        for table, kind, n in cur.fetchall():
            out[table]["+~-".index(kind)] += n
    return out


@rule("operation_history", "データ更新の操作履歴の取得（変更台帳との照合）")
def compute_operation_history(item, start: datetime, end: datetime) -> Outcome:
    """rule_params: ignore_tables (tables whose changes are known to be outside the screens,
    listed as excluded with the reason given: {"table": "reason"})."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    ignore = dict(params(item).get("ignore_tables", {}))
    status = change_ledger_status()
    tables = {t: h for t, h in tracked_tables().items() if t in status}
    ledger = _ledger_counts(start, stop_at)
    history = _history_counts(
        {t: h for t, h in tables.items() if ledger.get(t) and any(ledger[t])}, start, stop_at
    )
    rows, excluded = [], []
    changed_total = covered_total = 0
    for table in tables:
        if status.get(table, 0) < len(OPS):
            rows.append(Row(f"{table}", "変更台帳のトリガーなし", False, "", "計測できない表"))
            continue
        changed = ledger.get(table)
        if not changed or not any(changed):
            continue
        recorded = history.get(table, [0, 0, 0])
        if table in ignore:
            excluded.append((table, str(ignore[table])))
            continue
        covered = sum(min(c, r) for c, r in zip(changed, recorded, strict=True))
        n = sum(changed)
        changed_total += n
        covered_total += covered
        share = dec(covered * 100 / n, 2)
        rows.append(
            Row(
                table,
                f"変更 {n}行（追加{changed[0]}・更新{changed[1]}・削除{changed[2]}）／"
                f"履歴 {sum(recorded)}行（{share}%）",
                covered == n,
                "",
                "" if covered == n else "履歴のない変更あり",
            )
        )
    missing_triggers = [t for t in tables if status.get(t, 0) < len(OPS)]
    rows.sort(key=lambda r: (r.ok is not False, r.label))
    if changed_total == 0:
        if missing_triggers:
            return Outcome(
                state=DATA_MISSING,
                rows=rows,
                detail="変更台帳のトリガーがない表があり、データ変更を計測できません（データ欠損）。",
            )
        return Outcome(
            state=NO_EVENTS,
            excluded=excluded,
            detail="期間内に履歴の対象となる表のデータ変更はありません。",
        )
    value = dec(covered_total * 100 / changed_total, 2)
    state = judge_item(item, value, default=("ge", 100))
    if missing_triggers and state == MET:
        state = MISSED
    gaps = [r.label for r in rows if r.ok is False]
    return Outcome(
        state=state,
        value=value,
        value_text=f"{value}%（変更 {changed_total}行、履歴なしの表 {len(gaps)}）",
        in_scope=changed_total,
        excluded=excluded,
        rows=rows,
        detail=(
            "履歴を持つ表ごとに、変更台帳（トリガーで数えた追加・更新・削除の行数）と期間内に"
            "記録された操作履歴の行数を操作の種類ごとに照合し、履歴のある変更の割合を示した。"
        ),
    )
