"""Request accounting: every request leaves one row, cheaply.

On the request path a row is one RPUSH to a Redis list (a fraction of a
millisecond). A beat-driven task moves the list into the monthly-partitioned
``core_requestlog`` table in batches. If Redis is unreachable the row is
written straight to PostgreSQL instead, so nothing is lost and the request
never fails because of accounting.
"""

import json
import logging
import re
import time
import uuid
from datetime import date, datetime, timedelta
from functools import cache

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.timeutil import JST, month_start

logger = logging.getLogger(__name__)

SKIP_REDIS_SECONDS = 5.0
FLUSH_LOCK_ID = 7_342_001  # pg advisory lock id for the flusher
TABLE = "core_requestlog"
PARTITION_RE = re.compile(rf"{TABLE}_y(?P<year>\d{{4}})m(?P<month>\d{{2}})")

_redis_down_until = 0.0

INSERT_SQL = f"""
    INSERT INTO {TABLE} (id, requested_at, user_id, view_name, method, status, duration_us)
    SELECT * FROM unnest(
        %s::uuid[], %s::timestamptz[], %s::bigint[], %s::varchar[],
        %s::varchar[], %s::smallint[], %s::integer[]
    )
    ON CONFLICT DO NOTHING
"""  # noqa: S608 - table name is a constant


@cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_connect_timeout=0.2, socket_timeout=0.2)


def redis_client() -> redis.Redis:
    return _client(settings.REDIS_URL)


def make_row(*, user_id, view_name, method, status, duration_us, at=None) -> dict:
    return {
        "i": uuid.uuid4().hex,
        "t": at if at is not None else time.time(),
        "u": user_id,
        "v": (view_name or "")[:200],
        "m": method[:10],
        "s": status,
        "d": duration_us,
    }


def record(**fields) -> None:
    """Buffer one request row; fall back to a direct insert while Redis is down."""
    global _redis_down_until
    row = make_row(**fields)
    if time.monotonic() >= _redis_down_until:
        try:
            redis_client().rpush(
                settings.REQUEST_LOG_BUFFER_KEY, json.dumps(row, separators=(",", ":"))
            )
            return
        except (redis.RedisError, OSError) as exc:
            _redis_down_until = time.monotonic() + SKIP_REDIS_SECONDS
            logger.warning("request log buffer unavailable, writing directly: %s", exc)
    _insert_rows([row])


def _insert_rows(rows: list[dict]) -> int:
    if not rows:
        return 0
    cols = (
        [r["i"] for r in rows],
        [datetime.fromtimestamp(r["t"], tz=JST) for r in rows],
        [r["u"] for r in rows],
        [r["v"] for r in rows],
        [r["m"] for r in rows],
        [r["s"] for r in rows],
        [r["d"] for r in rows],
    )
    with connection.cursor() as cur:
        cur.execute(INSERT_SQL, cols)
        return cur.rowcount


def flush_buffer(*, batch: int | None = None, max_batches: int = 100) -> int:
    """Move buffered rows into PostgreSQL. Safe to run concurrently and to retry.

    Rows are inserted before they are trimmed from Redis; a crash in between
    re-inserts them next time and ON CONFLICT drops the duplicates.
    """
    batch = batch or settings.REQUEST_LOG_FLUSH_BATCH
    client = redis_client()
    key = settings.REQUEST_LOG_BUFFER_KEY
    moved = 0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [FLUSH_LOCK_ID])
        if not cur.fetchone()[0]:
            return 0
    try:
        for _ in range(max_batches):
            raw = client.lrange(key, 0, batch - 1)
            if not raw:
                break
            rows = []
            for item in raw:
                try:
                    rows.append(json.loads(item))
                except ValueError:
                    logger.error("dropping malformed request log entry: %r", item[:200])
            with transaction.atomic():
                _insert_rows(rows)
            client.ltrim(key, len(raw), -1)
            moved += len(rows)
            if len(raw) < batch:
                break
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", [FLUSH_LOCK_ID])
    return moved


# --- partitions -------------------------------------------------------------


def partition_name(month: date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def _bounds(month: date) -> tuple[datetime, datetime]:
    lo = datetime(month.year, month.month, 1, tzinfo=JST)
    nxt = _next_month(month)
    return lo, datetime(nxt.year, nxt.month, 1, tzinfo=JST)


def existing_partitions() -> list[str]:
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.relname FROM pg_inherits i
            JOIN pg_class c ON c.oid = i.inhrelid
            JOIN pg_class p ON p.oid = i.inhparent
            WHERE p.relname = %s ORDER BY c.relname
            """,
            [TABLE],
        )
        return [r[0] for r in cur.fetchall()]


def ensure_partitions(*, now: datetime | None = None, months_ahead: int = 2) -> list[str]:
    """Create monthly partitions from this month to ``months_ahead`` ahead.

    Rows that already fell into the default partition for such a month are
    moved into the new partition in the same transaction.
    """
    now = now or timezone.now()
    month = month_start(now)
    have = set(existing_partitions())
    created = []
    for _ in range(months_ahead + 1):
        name = partition_name(month)
        if name not in have:
            lo, hi = _bounds(month)
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(
                    f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
                )
                cur.execute(
                    f"""
                    WITH moved AS (
                        DELETE FROM {TABLE}_default
                        WHERE requested_at >= %s AND requested_at < %s RETURNING *
                    ) INSERT INTO {name} SELECT * FROM moved
                    """,  # noqa: S608 - names are generated here, not user input
                    [lo, hi],
                )
                cur.execute(
                    f"ALTER TABLE {TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
                    [lo, hi],
                )
            created.append(name)
        month = _next_month(month)
    return created


def drop_expired_partitions(
    *, now: datetime | None = None, keep_months: int | None = None
) -> list[str]:
    """Drop raw monthly partitions older than the retention period.

    Only months whose days are all rolled up into RequestDailyStat are dropped.
    """
    keep_months = keep_months or settings.REQUEST_LOG_RETENTION_MONTHS
    now = now or timezone.now()
    cutoff = month_start(now)
    for _ in range(keep_months):
        cutoff = (cutoff - timedelta(days=1)).replace(day=1)
    dropped = []
    for name in existing_partitions():
        found = PARTITION_RE.fullmatch(name)
        if not found:
            continue
        month = date(int(found["year"]), int(found["month"]), 1)
        if _next_month(month) <= cutoff:
            rollup_range(start=month, end=_next_month(month))
            with connection.cursor() as cur:
                cur.execute(f"DROP TABLE {name}")
            dropped.append(name)
    return dropped


# --- daily roll-up ----------------------------------------------------------


def rollup_range(*, start: date, end: date) -> int:
    """(Re)compute RequestDailyStat for days in [start, end). Idempotent."""
    lo = datetime(start.year, start.month, start.day, tzinfo=JST)
    hi = datetime(end.year, end.month, end.day, tzinfo=JST)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM core_requestdailystat WHERE day >= %s AND day < %s", [start, end])
        cur.execute(
            f"""
            INSERT INTO core_requestdailystat
                (day, view_name, status_class, requests, users,
                 total_duration_us, max_duration_us, over_3s)
            SELECT (requested_at AT TIME ZONE 'Asia/Tokyo')::date, view_name, status / 100,
                   count(*), count(DISTINCT user_id), sum(duration_us), max(duration_us),
                   count(*) FILTER (WHERE duration_us > 3000000)
            FROM {TABLE}
            WHERE requested_at >= %s AND requested_at < %s
            GROUP BY 1, 2, 3
            """,  # noqa: S608 - constant table name
            [lo, hi],
        )
        return cur.rowcount
