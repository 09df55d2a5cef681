"""SLA results and dashboard (issue 10: all items for one month < 5 s, a fiscal year < 30 s,
the dashboard p95 < 200 ms with cached results).

Inside one transaction that is rolled back at the end (the database is left as it was):
loads the demo SLA catalogues (sla.demo: Sendai's 29 items, Kobe's items) if the profile
has none, then measures on whatever back-office data the database holds — load the volume
first for meaningful figures (``manage.py seed_volume``, ``seed_incident_volume``,
``seed_helpdesk_volume`` and the request-accounting volume of bench/request_accounting.py):

- one month's full computation: ``results_compute`` of every item of the previous month
  (3 runs: the first one cold);
- the twelve months of the dashboard's trend computed once (the cache the dashboard reads);
- with ``--year``: the previous fiscal year as a yearly report computes it (12 months and
  the yearly items);
- the dashboard (/sla/) p95 with this month's results cached, as a vendor operator, through
  Django's test client (the full middleware stack), and the drill-down of an item.

Run it against a scratch database of your own, never the shared development one:

    eval "$(bash scripts/dev.sh env)"
    export DATABASE_URL="${DATABASE_URL%/*}/childcase_bench" REDIS_URL="${REDIS_URL%/*}/14"
    createdb ... (or any database of your own) && .venv/bin/python manage.py migrate
    .venv/bin/python bench/sla_dashboard.py [requests] [--profile sendai|kobe] [--year]

Results go to docs/benchmarks.md by hand, with the machine and the command.
"""

import argparse
import random
import time
from datetime import date

from _common import setup_django, summary_ms

setup_django()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from accounts import roles  # noqa: E402
from accounts.models import User  # noqa: E402
from core.timeutil import now_jst  # noqa: E402
from sla import demo  # noqa: E402
from sla.models import Result  # noqa: E402
from sla.selectors import catalog as catalog_selectors  # noqa: E402
from sla.selectors import results as selectors  # noqa: E402
from sla.services.results import results_compute  # noqa: E402

TARGET_DASHBOARD_MS = 200
TARGET_MONTH_S = 5
TARGET_YEAR_S = 30
SHARED_NAMES = {"childcase"}


class Rollback(Exception):
    pass


def _user(number, role, name):
    user = User.objects.create_user(number, name=name, name_kana="ベンチ")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def time_page(client, paths, n, check):
    for path in paths[:5]:
        client.get(path, secure=True)  # warm-up
    samples, errors = [], 0
    for i in range(n):
        path = paths[i % len(paths)]
        t = time.perf_counter()
        response = client.get(path, secure=True)
        samples.append(time.perf_counter() - t)
        if response.status_code != 200 or check not in response.content.decode():
            errors += 1
    return {**summary_ms(samples), "errors": errors}


def compute_month(profile: str, month: date) -> tuple[float, int]:
    policy = catalog_selectors.policy_for_month(profile, month)
    if policy is None:
        return 0.0, 0
    t = time.perf_counter()
    results = results_compute(policy=policy, start=month, end=selectors.month_last(month))
    return time.perf_counter() - t, len(results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requests", nargs="?", type=int, default=200)
    parser.add_argument("--profile", default=settings.CITY_PROFILE)
    parser.add_argument("--year", action="store_true", help="also the previous fiscal year")
    options = parser.parse_args()
    n, profile, with_year = options.requests, options.profile, options.year
    name = connection.settings_dict["NAME"]
    if name in SHARED_NAMES:
        raise SystemExit(
            f"データベース {name} は共有の開発用データベースです。"
            "DATABASE_URL を自分用のデータベースに向けてから実行してください。"
        )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.CITY_PROFILE = profile
    rng = random.Random(10)
    this_month = now_jst().date().replace(day=1)
    previous = selectors.add_months(this_month, -1)
    lines = []
    pages = {}
    try:
        with transaction.atomic():
            demo.seed()
            operator = _user("bench10001", roles.VENDOR_OPERATOR, "ベンチ 運用担当")

            month_runs = []
            for _ in range(3):
                seconds, count = compute_month(profile, previous)
                month_runs.append(seconds)
            lines.append(
                f"one month ({previous:%Y-%m}, {count} items): "
                + ", ".join(f"{s:.2f} s" for s in month_runs)
                + f" — target < {TARGET_MONTH_S} s: "
                + ("met" if max(month_runs[1:] or month_runs) < TARGET_MONTH_S else "MISSED")
            )

            t = time.perf_counter()
            for month in selectors.last_months(this_month, 12):
                compute_month(profile, month)
            lines.append(f"twelve months for the trend: {time.perf_counter() - t:.2f} s")

            if with_year:
                fiscal = selectors.fiscal_year_of(previous) - (0 if previous.month == 3 else 1)
                start, end = selectors.fiscal_year_bounds(fiscal)
                t = time.perf_counter()
                for month in selectors.months_between(start, end):
                    compute_month(profile, month)
                policy = catalog_selectors.policy_for_month(profile, selectors.month_first(end))
                if policy is not None:
                    results_compute(policy=policy, start=start, end=end)
                seconds = time.perf_counter() - t
                verdict = "met" if seconds < TARGET_YEAR_S else "MISSED"
                lines.append(
                    f"fiscal year {fiscal} (12 months + yearly items): {seconds:.2f} s"
                    f" — target < {TARGET_YEAR_S} s: {verdict}"
                )

            client = Client()
            client.force_login(operator)
            pages["dashboard (this month cached)"] = time_page(
                client, [f"/sla/?profile={profile}"], n, 'id="items"'
            )
            month_results = list(
                Result.objects.filter(
                    item__policy__profile=profile, period_start=this_month
                ).values_list("item_id", flat=True)
            )
            if month_results:
                paths = [
                    f"/sla/dashboard/items/{rng.choice(month_results)}/"
                    f"{this_month.year}-{this_month.month}/"
                    for _ in range(50)
                ]
                pages["drill-down of an item"] = time_page(client, paths, n, 'id="result"')
            raise Rollback
    except Rollback:
        pass
    print(f"profile {profile}; {n} requests per page; everything rolled back afterwards")
    for line in lines:
        print(line)
    worst = 0.0
    for label, r in pages.items():
        worst = max(worst, r["p95"])
        print(
            f"{label:32s} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
            f"p99 {r['p99']:7.1f} ms  max {r['max']:7.1f} ms  errors {r['errors']}"
        )
    verdict = "met" if worst < TARGET_DASHBOARD_MS else "MISSED"
    print(f"worst page p95 {worst:.1f} ms — target < {TARGET_DASHBOARD_MS} ms: {verdict}")


if __name__ == "__main__":
    main()
