"""National consultation statistics (福祉行政報告例) for a fiscal year: every table
of the layout, then the publication .xlsx, timed end to end (no HTTP).

Needs the synthetic volume (`manage.py seed_demo && manage.py seed_volume`); run it
against a database holding it, never the shared development database, e.g.

    eval "$(bash scripts/dev.sh env)"
    DATABASE_URL="${DATABASE_URL%/*}/childcase_h3" .venv/bin/python bench/reports_national.py [fiscal_year] [runs]

The volume generator records no 援助・措置 (Measure), so the "dealt with", abuse and
placement tables would be timed on nothing. ``--seed-measures`` first adds synthetic
decisions (note 'bench:reports_national', replaced on each run; one for ~85 % of the
cases received from three months before the year to its end, a second one for every
fifth) with one INSERT … SELECT; ``--drop-measures`` removes them again.

Target: national tables for a fiscal year < 10 s. Prints the time of each run, the
SQL query count and the peak Python memory (tracemalloc), and checks that every run
gives the same numbers.
"""

import sys
import time
import tracemalloc

from _common import setup_django

setup_django()

from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from core.timeutil import fiscal_year, now_jst  # noqa: E402
from reports.services import national  # noqa: E402

TARGET_S = 10.0


def snapshot(report):
    return [(t.key, [(r.label, r.cells) for r in t.rows], t.column_totals) for t in report.tables]


BENCH_NOTE = "bench:reports_national"
SEED_SQL = """
WITH leaf AS (
    SELECT c.id, row_number() OVER (ORDER BY c."order", c.code) - 1 AS i,
           count(*) OVER () AS n
    FROM cases_code c JOIN cases_codelist l ON l.id = c.code_list_id
    WHERE l.key = 'enjo' AND c.group_id IS NOT NULL
),
picked AS (
    SELECT s.id, (s.received_at AT TIME ZONE 'Asia/Tokyo')::date AS received_on
    FROM cases_consultation s
    WHERE s.received_at >= %(start)s AND s.received_at < %(end)s AND s.id %% 20 < 17
)
INSERT INTO cases_measure (consultation_id, code_id, decided_on, start_on, facility, note)
SELECT p.id,
       (SELECT leaf.id FROM leaf
        WHERE leaf.i = CASE WHEN p.id %% 10 < 7 THEN p.id %% 2 ELSE p.id %% leaf.n END),
       p.received_on + (p.id %% 60)::int + k.extra,
       p.received_on + (p.id %% 60)::int + k.extra,
       '', %(note)s
FROM picked p
CROSS JOIN LATERAL (SELECT 0 AS extra UNION ALL SELECT 90 WHERE p.id %% 5 = 0) k
"""


def seed_measures(period, *, insert=True):
    from datetime import timedelta

    from dateutil.relativedelta import relativedelta

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_measure WHERE note = %s", [BENCH_NOTE])
        removed = cursor.rowcount
        if not insert:
            print(f"removed {removed} synthetic decisions")
            return
        start = period.start - relativedelta(months=3)
        end = period.end + timedelta(days=1)
        cursor.execute(
            SEED_SQL,
            {
                "start": f"{start:%Y-%m-%d} 00:00+09:00",
                "end": f"{end:%Y-%m-%d} 00:00+09:00",
                "note": BENCH_NOTE,
            },
        )
        print(f"synthetic decisions: removed {removed}, added {cursor.rowcount}")
        cursor.execute("ANALYZE cases_measure")


def main():
    flags = {a for a in sys.argv[1:] if a.startswith("--")}
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    fy = int(args[0]) if args else fiscal_year(now_jst()) - 1
    runs = int(args[1]) if len(args) > 1 else 3
    period = national.period_for(kind="year", fiscal_year=fy)
    if "--drop-measures" in flags:
        seed_measures(period, insert=False)
        return
    if "--seed-measures" in flags:
        seed_measures(period)
    user = User.objects.order_by("pk").first()
    results = []
    first = None
    for i in range(runs):
        reset_queries()
        tracemalloc.start()
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            report = national.national_tables(period=period)
            t_tables = time.perf_counter() - t0
            data = national.national_workbook(report, publication=True, user=user)
            t_all = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        snap = snapshot(report)
        first = first or snap
        same = snap == first
        results.append(t_all)
        totals = {t.key: t.total for t in report.tables}
        print(
            f"run {i + 1}: tables {t_tables:.2f} s, tables + xlsx {t_all:.2f} s, "
            f"{len(queries)} queries, xlsx {len(data) // 1024} KiB, "
            f"peak Python memory {peak / 2**20:.1f} MiB, same numbers: {same}"
        )
        print(f"  totals {period.label}: {totals}")
    best, worst = min(results), max(results)
    verdict = "met" if worst < TARGET_S else "MISSED"
    print(
        f"{period.label}: best {best:.2f} s, worst {worst:.2f} s (target < {TARGET_S:.0f} s: {verdict})"
    )


if __name__ == "__main__":
    main()
