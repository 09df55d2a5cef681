"""System statistics for one month (reports.selectors/services.statistics) at volume: the
figures (SQL aggregates, percentiles, the 12-month trend and anomaly check) and the filled
workbook, with wall time, query count and peak Python memory.

Run against a database of your own, never the shared development one. With --seed it first
fills core_requestlog with N requests a month for the 13 months up to the month measured
(generated in SQL, monthly partitions created, ~300 users, 40 view names, 0.5% errors,
1% logins) and a month of 5-minute resource samples:

    eval "$(bash scripts/dev.sh env)"
    export DATABASE_URL="${DATABASE_URL%/*}/childcase_bench_stats"
    createdb childcase_bench_stats && .venv/bin/python manage.py migrate
    .venv/bin/python bench/reports_statistics.py 2026-10 --seed 1000000

Without --seed it measures whatever the database holds. It runs twice: cold (no closed
month's figures cached yet: 13 months scanned) and warm (the 12 earlier months come from
the cache, as on every run after the first). Target (docs/benchmarks.md):
system statistics for a month < 30 s, memory flat (aggregation stays in PostgreSQL).
"""

import argparse
import time
import tracemalloc
from datetime import date, datetime

from _common import setup_django

SHARED_DEV_DATABASES = {"childcase"}


def seed(month: date, per_month: int) -> None:
    from django.db import connection, transaction

    from core import request_log
    from core.timeutil import JST
    from reports.models import ResourceSample
    from reports.selectors.statistics import month_bounds, next_month, previous_month

    start = month
    for _ in range(12):
        start = previous_month(start)
    m = start
    while m <= month:
        request_log.ensure_partitions(now=datetime(m.year, m.month, 2, tzinfo=JST), months_ahead=0)
        lo, hi = month_bounds(m)
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO core_requestlog
                    (id, requested_at, user_id, view_name, method, status, duration_us)
                SELECT gen_random_uuid(),
                       %s::timestamptz + (random() * extract(epoch FROM %s::timestamptz
                                                             - %s::timestamptz)) * interval '1 s',
                       CASE WHEN i %% 50 = 0 THEN NULL ELSE 1 + (i %% 300) END,
                       CASE WHEN i %% 100 = 0 THEN 'login'
                            ELSE 'bench:view_' || (i %% 40)::text END,
                       CASE WHEN i %% 100 = 0 OR i %% 7 = 0 THEN 'POST' ELSE 'GET' END,
                       CASE WHEN i %% 100 = 0 THEN 302 WHEN i %% 200 = 1 THEN 500 ELSE 200 END,
                       (1000 + random() * random() * 400000)::int
                FROM generate_series(1, %s) AS i
                """,
                [lo, hi, lo, per_month],
            )
        print(f"seeded {m:%Y-%m}: {per_month} rows in {time.perf_counter() - t0:.1f} s")
        m = next_month(m)
    lo, hi = month_bounds(month)
    samples, at = [], lo
    from datetime import timedelta

    while at < hi:
        samples.append(
            ResourceSample(
                slot=at,
                taken_at=at,
                cpu_percent=20.0,
                memory_percent=50.0,
                disk_root_percent=40.0,
                disk_backup_percent=30.0,
                db_bytes=10**9,
            )
        )
        at += timedelta(minutes=5)
    ResourceSample.objects.bulk_create(samples, ignore_conflicts=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE core_requestlog")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("month", help="YYYY-MM")
    parser.add_argument("--seed", type=int, default=0, help="requests per month to generate")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.db import connection, reset_queries

    name = connection.settings_dict["NAME"]
    if name in SHARED_DEV_DATABASES:
        raise SystemExit(f"refusing to run on the shared development database {name!r}")
    year, mon = (int(x) for x in args.month.split("-"))
    month = date(year, mon, 1)
    if args.seed:
        seed(month, args.seed)

    import uuid

    from django.core.cache import cache

    from reports.selectors import statistics as selectors
    from reports.services import statistics as services

    cache.key_prefix = f"bench-{uuid.uuid4().hex[:8]}"  # cold: no month cached yet
    settings.DEBUG = True  # count queries
    for run in ("cold", "warm"):
        reset_queries()
        tracemalloc.start()
        t0 = time.perf_counter()
        figures = selectors.month_figures(month)
        t1 = time.perf_counter()
        content = services.fill_workbook(services.default_template(), figures)
        t2 = time.perf_counter()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"[{run}] system statistics {month:%Y-%m} on {name}: {figures.total_requests} "
            f"requests in the month, {len(figures.functions)} functions, "
            f"{len(figures.anomalies)} anomalies"
        )
        print(
            f"[{run}] figures {t1 - t0:.2f} s, workbook {t2 - t1:.2f} s, total {t2 - t0:.2f} s; "
            f"{len(connection.queries)} queries; peak Python memory {peak / 2**20:.1f} MB; "
            f"xlsx {len(content) / 1024:.0f} KB (target < 30 s)"
        )


if __name__ == "__main__":
    main()
