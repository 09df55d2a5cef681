"""SLA computations: every rule of both catalogues for one month and for a fiscal year.

Runs each rule of sla.computations, in process, with the items the catalogue seeds (codes and
rule_params below), for the last full month and for the last full fiscal year (or the
current one to date with --this-year), cold (empty cache) and warm (the closed months of the
request accounting are cached for a day). Targets (issue 10): all items for one month < 5 s,
a fiscal year < 30 s.

    eval "$(bash scripts/dev.sh env)"
    .venv/bin/python bench/sla_computations.py [--reps 3] [--this-year] [--profile kobe]

Needs the back-office volume of the other benchmarks (seed_demo, seed_incident_volume,
seed_helpdesk_volume) and request accounting. On a database of your own (never the shared
development one) synthetic accounting can be loaded first:

    export DATABASE_URL="${DATABASE_URL%/*}/childcase_bench"   # an own, migrated database
    .venv/bin/python bench/sla_computations.py --load-requests 12 --per-day 140000

(12 months × 140,000 requests a day ≈ 50 M rows, the issue's year of accounting; ~4.5 GB.)

--ledger-overhead N measures the change-ledger triggers (#27) on a bulk load: COPY of N rows
into a scratch table with and without the statement-level trigger (the cases volume loader
writes with COPY too), in a transaction that is rolled back.
"""

import argparse
import io
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from _common import setup_django

setup_django()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from core.timeutil import JST, now_jst  # noqa: E402
from sla import computations as C  # noqa: E402
from sla.models import Item, Policy  # noqa: E402

TARGET_S = {"month": 5.0, "year": 30.0}

# (number, code, unit, comparison, target, rule_params): what the catalogue seeds.
SENDAI = [
    ("1", "service_hours", "percent", "ge", "100", {}),
    ("2", "batch_availability", "percent", "ge", "100", {}),
    ("3", "max_stop_office_hours", "hours", "le", "24", {}),
    ("4", "availability", "percent", "ge", "99.5", {}),
    ("5", "response_search", "seconds", "le", "3", {}),
    ("6", "response_update", "seconds", "le", "3", {}),
    ("7", "response_transition", "seconds", "le", "3", {}),
    ("8", "batch_processing_time", "hours", "le", "2", {}),
    ("9", "operations_on_schedule", "percent", "ge", "100", {}),
    ("10", "parameters_current", "percent", "ge", "100", {}),
    ("11", "work_requests_handled", "percent", "ge", "100", {}),
    ("12", "incident_count", "count", "lt", "3", {}),
    ("13", "incident_count", "count", "lt", "1", {"vendor_caused": True}),
    ("14", "onsite_arrival", "percent", "ge", "100", {}),
    ("15", "milestone_time", "minutes", "le", "30", {"milestone": "first_report"}),
    ("16", "milestone_compliance", "percent", "ge", "95", {"milestone": "first_report"}),
    ("17", "milestone_time", "hours", "le", "1", {"milestone": "initial_plan"}),
    ("18", "milestone_compliance", "percent", "ge", "95", {"milestone": "initial_plan"}),
    ("19", "milestone_time", "hours", "le", "48", {"milestone": "full_response"}),
    ("20", "milestone_compliance", "percent", "ge", "95", {"milestone": "full_response"}),
    ("21", "milestone_time", "text", "", None, {"milestone": "recovery"}),
    ("22", "milestone_compliance", "percent", "ge", "95", {"milestone": "recovery"}),
    ("23", "backups_as_planned", "percent", "ge", "100", {}),
    ("24", "recovery_point", "percent", "ge", "100", {}),
    ("25", "users_current", "percent", "ge", "100", {}),
    ("26", "permissions_current", "percent", "ge", "100", {}),
    ("27", "operation_history", "percent", "ge", "100", {}),
    ("28", "virus_definitions_on_time", "days", "le", "7", {}),
    ("29", "patches_on_time", "days", "le", "30", {}),
]
KOBE = [
    ("K1", "service_hours", "percent", "ge", "100", {}),
    ("K2", "response_transition", "seconds", "le", "3", {}),
    ("K3", "availability", "percent", "ge", "99.9", {}),
    ("K4", "interruption_per_incident", "hours", "le", "6", {}),
    ("K5", "milestone_time", "hours", "le", "12", {"milestone": "isolation"}),
    ("K6", "milestone_time", "hours", "le", "3", {"milestone": "notification"}),
]


def items(profile: str) -> list[Item]:
    policy = Policy(profile=profile, name="bench", version=1)
    rows = SENDAI if profile == "sendai" else KOBE
    out = []
    for n, code, unit, cmp, target, rule_params in rows:
        out.append(
            Item(
                policy=policy,
                number=n,
                name=code,
                unit=unit,
                comparison=cmp,
                target_value=Decimal(target) if target else None,
                measurement="computed",
                period="monthly",
                rule=code,
                rule_params=rule_params,
            )
        )
    return out


def periods(this_year: bool):
    now = now_jst()
    month_end = datetime(now.year, now.month, 1, tzinfo=JST)
    month_start = (month_end - timedelta(days=1)).replace(day=1)
    fy = now.year if now.month >= 4 else now.year - 1
    if this_year:
        year = (datetime(fy, 4, 1, tzinfo=JST), datetime(fy + 1, 4, 1, tzinfo=JST))
    else:
        year = (datetime(fy - 1, 4, 1, tzinfo=JST), datetime(fy, 4, 1, tzinfo=JST))
    return {"month": (month_start, month_end), "year": year}


def run_all(its, start, end):
    per_rule, states = {}, {}
    t0 = time.perf_counter()
    for it in its:
        t = time.perf_counter()
        out = C.get(it.rule).compute(it, start, end)
        per_rule[it.number] = time.perf_counter() - t
        states[it.number] = (it.rule, out.state, out.value_text or str(out.value))
    return time.perf_counter() - t0, per_rule, states


def bench(profile: str, reps: int, this_year: bool):
    its = items(profile)
    for name, (start, end) in periods(this_year).items():
        cache.key_prefix = f"bench-{uuid.uuid4().hex[:8]}"
        cold, per_rule, states = run_all(its, start, end)
        warm = [run_all(its, start, end)[0] for _ in range(reps)]
        verdict = "OK" if cold < TARGET_S[name] else "SLOW"
        print(
            f"{profile} {name} {start:%Y-%m-%d}–{end:%Y-%m-%d}: cold {cold:.2f} s, "
            f"warm median {statistics.median(warm):.2f} s (target < {TARGET_S[name]:.0f} s) {verdict}"
        )
        for number, seconds in sorted(per_rule.items(), key=lambda kv: -kv[1])[:8]:
            rule, state, text = states[number]
            print(f"   #{number:<3} {rule:<26} {seconds * 1000:8.0f} ms  {state:<12} {text}")


# --- synthetic request accounting (own database only) -------------------------------------


def refuse_shared_database():
    name = settings.DATABASES["default"]["NAME"]
    if name in ("childcase",) or not name:
        raise SystemExit(f"refusing to load synthetic data into the shared database {name!r}")


def load_requests(months: int, per_day: int):
    """Synthetic rows: 70 % screen transitions, 15 % searches, 15 % updates, log-normal
    durations (~0.2 s median, ~1 % over 3 s), over office hours mostly."""
    refuse_shared_database()
    from core.request_log import ensure_partitions

    today = now_jst().date()
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    d = first
    while d < today:
        ensure_partitions(now=datetime(d.year, d.month, 1, tzinfo=JST), months_ahead=0)
        d = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    d = first
    t0 = time.perf_counter()
    while d < today:
        lo = datetime(d.year, d.month, d.day, tzinfo=JST)
        with connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO core_requestlog
                    (id, requested_at, user_id, view_name, method, status, duration_us)
                SELECT gen_random_uuid(),
                       %s + make_interval(secs => 8 * 3600 + (random() * 36000)),
                       (random() * 400)::bigint,
                       (ARRAY['cases:detail','cases:dashboard','helpdesk:inquiry',
                              'cases:search','helpdesk:search','cases:note_add'])[
                            1 + floor(random() * 6)::int],
                       CASE WHEN random() < 0.15 THEN 'POST' ELSE 'GET' END,
                       200,
                       LEAST(exp(ln(200000) + 0.9 * sqrt(-2 * ln(random())) * cos(2 * pi() * random())), 2e9)::int
                FROM generate_series(1, %s)
                """,
                [lo, per_day],
            )
        d += timedelta(days=1)
    print(f"loaded {(today - first).days * per_day:,} requests in {time.perf_counter() - t0:.0f} s")


# --- change-ledger overhead on a bulk COPY ------------------------------------------------


def ledger_overhead(rows: int):
    buf = io.StringIO()
    for i in range(rows):
        # about the width of a progress note (cases.volume writes 50-800 characters)
        buf.write(f"{i}\t{'経過記録の本文（合成データ）' * 20}{i}\t2026-05-01\n")
    data = buf.getvalue()

    def copy(with_trigger: bool) -> float:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE sla_bench_copy (n int PRIMARY KEY, body text, day date)")
            if with_trigger:
                cur.execute(
                    "CREATE TRIGGER sla_ledger_insert AFTER INSERT ON sla_bench_copy "
                    "REFERENCING NEW TABLE AS sla_ledger_rows FOR EACH STATEMENT "
                    "EXECUTE FUNCTION sla_ledger_insert()"
                )
            t = time.perf_counter()
            with cur.copy("COPY sla_bench_copy (n, body, day) FROM STDIN") as c:
                c.write(data)
            elapsed = time.perf_counter() - t
            transaction.set_rollback(True)
        return elapsed

    copy(False)  # warm up
    plain, ledger = [], []
    for _ in range(5):  # interleaved, so load from elsewhere hits both alike
        plain.append(copy(False))
        ledger.append(copy(True))
    p, led = statistics.median(plain), statistics.median(ledger)
    print(
        f"COPY {rows:,} rows: {p * 1000:.0f} ms without, {led * 1000:.0f} ms with the ledger "
        f"trigger (+{(led - p) / p * 100:.1f} %)"
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--this-year", action="store_true")
    ap.add_argument("--profile", default=settings.CITY_PROFILE, choices=["sendai", "kobe"])
    ap.add_argument("--load-requests", type=int, metavar="MONTHS")
    ap.add_argument("--per-day", type=int, default=140_000)
    ap.add_argument("--ledger-overhead", type=int, metavar="ROWS")
    args = ap.parse_args()
    if args.ledger_overhead:
        ledger_overhead(args.ledger_overhead)
        return
    if args.load_requests:
        load_requests(args.load_requests, args.per_day)
    bench(args.profile, args.reps, args.this_year)


if __name__ == "__main__":
    sys.exit(main())
