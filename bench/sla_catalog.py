"""SLA catalogue, evidence and improvement plans at contract size (issue 10).

Seeds, inside one transaction that is rolled back at the end (the database is left as it
was): both cities' catalogues (sla.demo) re-versioned every six months over the contract
(10 approved versions for Sendai, 9 for Kobe, ~300 items), three confirmations a month for
every item that takes evidence up to this month, and an improvement plan for half of the
items of every month so far (~500 in every state by the end of 2026). Then it times:

- the selectors the reports call for one month: policy_for_month + items_for_month +
  evidence_by_item + open_plans, for random months of the contracts;
- the pages (Django test client, full middleware, as a city admin): the catalogue index,
  a version with its items, the evidence list of a random month, the plans list (page 1,
  ?status=open, ?page=1–10).

Run it against a scratch database of your own, never the shared development one:

    eval "$(bash scripts/dev.sh env)"
    export DATABASE_URL="${DATABASE_URL%/*}/childcase_bench" REDIS_URL="${REDIS_URL%/*}/14"
    createdb ... (or any empty database) && .venv/bin/python manage.py migrate
    .venv/bin/python bench/sla_catalog.py [requests_per_page]

Target: p95 < 200 ms for every page, < 50 ms for the month selectors.
"""

import random
import sys
import time
from datetime import datetime, timedelta
from datetime import time as dtime

from _common import setup_django, summary_ms

setup_django()

from dateutil.relativedelta import relativedelta  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from simple_history.utils import bulk_create_with_history  # noqa: E402

from accounts import roles  # noqa: E402
from accounts.models import User  # noqa: E402
from core.timeutil import JST, now_jst  # noqa: E402
from sla import demo  # noqa: E402
from sla.models import Evidence, ImprovementPlan, Item, Policy  # noqa: E402
from sla.selectors import catalog as selectors  # noqa: E402
from sla.services.catalog import ITEM_FIELDS  # noqa: E402

PAGE_TARGET_MS = 200
SELECTOR_TARGET_MS = 50
SHARED_NAMES = {"childcase"}


class Rollback(Exception):
    pass


def _user(number, role, name):
    user = User.objects.create_user(number, name=name, name_kana="ベンチ")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def seed(rng: random.Random):
    manager = _user("bench9601", roles.VENDOR_MANAGER, "ベンチ 責任者")
    admin = _user("bench9602", roles.CITY_ADMIN, "ベンチ 管理者")
    if Policy.objects.exists():
        raise SystemExit("SLA の版が既にあります。空のデータベースで実行してください。")
    demo.seed()
    months_by_profile = {}
    for v1 in list(Policy.objects.filter(version=1)):
        source = v1
        start = v1.effective_from + relativedelta(months=6)
        start = start.replace(day=1)
        while start < v1.contract_end:
            source.effective_to = start - timedelta(days=1)
            source.save()
            new = Policy.objects.create(
                profile=v1.profile,
                name=v1.name,
                contract_start=v1.contract_start,
                contract_end=v1.contract_end,
                version=source.version + 1,
                effective_from=start,
                status=Policy.Status.APPROVED,
                approved_by=admin,
                approved_at=datetime.combine(start - timedelta(days=14), dtime(10), JST),
            )
            bulk_create_with_history(
                [
                    Item(policy=new, **{f: getattr(i, f) for f in ITEM_FIELDS})
                    for i in source.items.all()
                ],
                Item,
            )
            source = new
            start += relativedelta(months=6)
        months = []
        m = v1.contract_start.replace(day=1)
        while m <= min(v1.contract_end, now_jst().date()):
            months.append(m)
            m += relativedelta(months=1)
        months_by_profile[v1.profile] = months

    evidence = []
    plans = []
    for profile, months in months_by_profile.items():
        for month in months:
            items = list(selectors.items_for_month(profile, month))
            for item in items:
                if item.measurement in selectors.MANUAL_MEASUREMENTS:
                    for k in range(3):
                        evidence.append(
                            Evidence(
                                item=item,
                                period_start=month,
                                period_end=selectors.month_last(month),
                                met=rng.random() > 0.1,
                                note=f"確認 {k + 1}",
                                confirmed_by=manager,
                                confirmed_at=datetime.combine(
                                    month + relativedelta(months=1, days=k), dtime(10), JST
                                ),
                            )
                        )
                if rng.random() < 0.5:
                    opened = datetime.combine(
                        month + relativedelta(months=1, days=3), dtime(9), JST
                    )
                    status = rng.choice(list(ImprovementPlan.Status.values))
                    plans.append(
                        ImprovementPlan(
                            item=item,
                            period_start=month,
                            opened_at=opened,
                            policy_due=opened.date() + relativedelta(months=1),
                            completion_due=opened.date() + relativedelta(months=3),
                            owner=manager,
                            status=status,
                            cause="原因" if status != "open" else "",
                            policy_text="方針" if status != "open" else "",
                            completed_at=opened + timedelta(days=60)
                            if status == "completed"
                            else None,
                        )
                    )
    bulk_create_with_history(evidence, Evidence, batch_size=1000)
    bulk_create_with_history(plans, ImprovementPlan, batch_size=1000)
    return admin, months_by_profile, len(evidence), len(plans)


def time_page(client, paths, n, check):
    samples, errors = [], 0
    for i in range(n):
        path = paths[i % len(paths)]
        t = time.perf_counter()
        response = client.get(path)
        samples.append(time.perf_counter() - t)
        if response.status_code != 200 or check not in response.content.decode():
            errors += 1
    return {**summary_ms(samples), "errors": errors}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    name = connection.settings_dict["NAME"]
    if name in SHARED_NAMES:
        raise SystemExit(
            f"データベース {name} は共有の開発用データベースです。"
            "DATABASE_URL を自分用のデータベースに向けてから実行してください。"
        )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    try:
        reverse("sla:catalog_index")
    except NoReverseMatch:  # sla/urls.py not wired yet: mount the catalogue's URLs
        settings.ROOT_URLCONF = "sla.tests.catalog_support"
    rng = random.Random(10)
    results = {}
    try:
        with transaction.atomic():
            t = time.perf_counter()
            admin, months, n_evidence, n_plans = seed(rng)
            seeded = time.perf_counter() - t
            samples = []
            for _ in range(n):
                profile = rng.choice(list(months))
                month = rng.choice(months[profile])
                t = time.perf_counter()
                selectors.policy_for_month(profile, month)
                items = list(selectors.items_for_month(profile, month))
                selectors.evidence_by_item(items, month)
                list(selectors.open_plans(profile=profile, month=month))
                samples.append(time.perf_counter() - t)
            results["month selectors (version, items, evidence, open plans)"] = {
                **summary_ms(samples),
                "errors": 0,
            }
            client = Client()
            client.force_login(admin)
            newest = Policy.objects.filter(profile="sendai").order_by("-version").first()
            evidence_months = [
                f"?profile={p}&month={m:%Y-%m}" for p, ms in months.items() for m in ms
            ]
            pages = {
                "catalogue index": ([reverse("sla:catalog_index")], 'id="profile-sendai"'),
                "version with items": (
                    [reverse("sla:catalog_policy", args=[newest.pk])],
                    'id="items"',
                ),
                "evidence ?month=<random>": (
                    [reverse("sla:catalog_evidence") + q for q in evidence_months],
                    'id="evidence"',
                ),
                "plans (first page)": ([reverse("sla:catalog_plans")], 'id="plan-'),
                "plans ?status=open": ([reverse("sla:catalog_plans") + "?status=open"], "plans"),
                "plans ?page=1–10": (
                    [
                        reverse("sla:catalog_plans") + f"?page={rng.randint(1, 10)}"
                        for _ in range(20)
                    ],
                    'id="plan-',
                ),
            }
            for label, (paths, check) in pages.items():
                results[label] = time_page(client, paths, n, check)
            raise Rollback
    except Rollback:
        pass
    print(
        f"seeded in {seeded:.1f} s: {n_evidence} confirmations, {n_plans} improvement plans (rolled back)"
    )
    worst_page = 0.0
    for label, r in results.items():
        print(
            f"{label:58s} p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}  p99 {r['p99']:7.1f}  "
            f"max {r['max']:7.1f} ms  errors {r['errors']}"
        )
        if not label.startswith("month selectors"):
            worst_page = max(worst_page, r["p95"])
    selector_p95 = results["month selectors (version, items, evidence, open plans)"]["p95"]
    print(
        f"worst page p95 {worst_page:.1f} ms — target < {PAGE_TARGET_MS} ms: "
        f"{'OK' if worst_page < PAGE_TARGET_MS else 'MISSED'}; month selectors p95 "
        f"{selector_p95:.1f} ms — target < {SELECTOR_TARGET_MS} ms: "
        f"{'OK' if selector_p95 < SELECTOR_TARGET_MS else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
