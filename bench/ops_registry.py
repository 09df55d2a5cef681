"""Registry and security pages at a realistic size (issue 9: registry pages p95 < 100 ms).

Seeds, inside one transaction that is rolled back at the end (the database is left as it
was): 500 software items installed in 2 environments (1,000 versions), 40 servers with
12 virus definitions each (480, a tenth still open), 2,000 patches (verification,
decisions and application spread over two years, ~150 still open), 60 licences,
40 documents, 200 releases and 100 malware detections. Then it times the pages in
process with Django's test client (the full middleware stack, as a vendor operator):

- registry home: first page, a random software page (?page=1–10), a name filter;
- security: open patches (default), ?state=all&page=1–40, ?state=overdue;
- SLA #28/#29 for one month (selectors, no HTTP).

Run it against a scratch database of your own, never the shared development one:

    eval "$(bash scripts/dev.sh env)"
    export DATABASE_URL="${DATABASE_URL%/*}/childcase_bench" REDIS_URL="${REDIS_URL%/*}/14"
    createdb ... (or any empty database) && .venv/bin/python manage.py migrate
    .venv/bin/python bench/ops_registry.py [requests_per_page]

Target: p95 < 100 ms for every page.
"""

import random
import sys
import time
from datetime import timedelta

from _common import setup_django, summary_ms

setup_django()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts import roles  # noqa: E402
from accounts.models import User  # noqa: E402
from ops.models.registry import (  # noqa: E402
    Document,
    Environment,
    InstalledVersion,
    Licence,
    MalwareDetection,
    Patch,
    Release,
    Server,
    SoftwareItem,
    VirusDefinitionUpdate,
)
from ops.selectors import registry as selectors  # noqa: E402

TARGET_MS = 100
SHARED_NAMES = {"childcase"}


class Rollback(Exception):
    pass


def seed(rng: random.Random):
    today = timezone.localdate()
    prod, _ = Environment.objects.get_or_create(
        code="production", defaults={"name": "本番", "kind": "production"}
    )
    stg, _ = Environment.objects.get_or_create(
        code="staging", defaults={"name": "検証・保守", "kind": "staging", "order": 10}
    )
    categories = ["os"] * 50 + ["middleware"] * 50 + ["library"] * 395 + ["product"] * 5
    items = SoftwareItem.objects.bulk_create(
        [
            SoftwareItem(
                name=f"bench-package-{i:04d}",
                category=categories[i],
                source="manual",
                vendor=rng.choice(["Debian", "PSF", "PostgreSQL", "Redis", "自社", ""]),
                support_ends_on=today + timedelta(days=rng.randint(-100, 2000))
                if i % 5 == 0
                else None,
            )
            for i in range(500)
        ]
    )
    versions = []
    for item in items:
        major, minor = rng.randint(1, 9), rng.randint(0, 20)
        versions.append(
            InstalledVersion(software=item, environment=prod, installed_version=f"{major}.{minor}")
        )
        bump = rng.random() < 0.1
        versions.append(
            InstalledVersion(
                software=item,
                environment=stg,
                installed_version=f"{major}.{minor + 1 if bump else minor}",
            )
        )
    InstalledVersion.objects.bulk_create(versions)
    servers = Server.objects.bulk_create(
        [
            Server(environment=prod if i < 30 else stg, name=f"bench-srv{i:02d}", role="AP")
            for i in range(40)
        ]
    )
    definitions = []
    for server in servers:
        for week in range(12):
            released = today - timedelta(days=7 * week + rng.randint(0, 3))
            applied = (
                None
                if week == 0 and rng.random() < 0.4
                else released + timedelta(days=rng.randint(0, 9))
            )
            if applied and applied > today:
                applied = None
            definitions.append(
                VirusDefinitionUpdate(
                    server=server,
                    definition_version=f"{released:%Y.%m.%d}-{week}",
                    released_on=released,
                    applied_on=applied,
                )
            )
    VirusDefinitionUpdate.objects.bulk_create(definitions)
    patches = []
    for i in range(2000):
        released = today - timedelta(days=rng.randint(0, 730))
        age = (today - released).days
        patch = Patch(
            software=rng.choice(items[:100]),
            identifier=f"BENCH-{i:05d}",
            title=f"セキュリティ修正 {i}",
            released_on=released,
        )
        if age > 20 or rng.random() < 0.3:
            patch.verified_on = released + timedelta(days=min(age, rng.randint(1, 14)))
            patch.verification_result = "ok"
        roll = rng.random()
        if (age > 40 and roll < 0.9) or (age <= 40 and roll < 0.3):
            if rng.random() < 0.15:
                patch.decision, patch.decision_reason = "not_applicable", "該当機能を使わない"
            else:
                patch.decision = "apply"
                applied = released + timedelta(days=rng.randint(15, 40))
                patch.applied_on = min(applied, today)
                if patch.verified_on is None or patch.verified_on > patch.applied_on:
                    patch.unverified_reason = "緊急対応"
        patches.append(patch)
    Patch.objects.bulk_create(patches)
    Licence.objects.bulk_create(
        [
            Licence(
                name=f"ライセンス{i}",
                count=rng.randint(1, 300),
                holder="市",
                expires_on=today + timedelta(days=rng.randint(-30, 900)),
                software=rng.choice(items),
            )
            for i in range(60)
        ]
    )
    Document.objects.bulk_create(
        [
            Document(
                kind=rng.choice(Document.Kind.values),
                title=f"文書{i}",
                doc_version=f"{rng.randint(1, 5)}.0",
                issued_on=today - timedelta(days=rng.randint(0, 900)),
                file=f"ops/documents/bench/{i}.pdf",
            )
            for i in range(40)
        ]
    )
    now = timezone.now()
    Release.objects.bulk_create(
        [
            Release(
                environment=rng.choice([prod, stg]),
                released_at=now - timedelta(days=rng.randint(0, 700)),
                title=f"リリース{i}",
                description="機能改善と不具合修正\n" * 3,
                release_version=f"1.{i}",
                software=items[-1],
            )
            for i in range(200)
        ]
    )
    MalwareDetection.objects.bulk_create(
        [
            MalwareDetection(
                server=rng.choice(servers),
                detected_at=now - timedelta(days=rng.randint(0, 700)),
                name=f"Trojan.Bench.{i}",
                handling="隔離・駆除",
                status=rng.choice(MalwareDetection.Status.values),
                incident_number=f"I8-{i:04d}" if i % 3 == 0 else "",
            )
            for i in range(100)
        ]
    )
    user = User.objects.create_user("bench9001", name="ベンチ 運用担当", name_kana="ベンチ")
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get_or_create(name=roles.VENDOR_OPERATOR)[0])
    return user


def time_page(client, paths, n, check):
    for path in paths[:5]:
        client.get(path, secure=True)  # warm-up
    samples, cpu, errors = [], [], 0
    for i in range(n):
        path = paths[i % len(paths)]
        t, c = time.perf_counter(), time.process_time()
        response = client.get(path, secure=True)
        samples.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        if response.status_code != 200 or check not in response.content.decode():
            errors += 1
    result = summary_ms(samples)
    result["cpu_p95"] = summary_ms(cpu)["p95"]
    result["errors"] = errors
    return result


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    name = connection.settings_dict["NAME"]
    if name in SHARED_NAMES:
        raise SystemExit(
            f"データベース {name} は共有の開発用データベースです。"
            "DATABASE_URL を自分用のデータベースに向けてから実行してください。"
        )
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    rng = random.Random(9)
    results = {}
    try:
        with transaction.atomic():
            t = time.perf_counter()
            user = seed(rng)
            seeded = time.perf_counter() - t
            client = Client()
            client.force_login(user)
            pages = {
                "registry home (first page)": (["/ops/registry/"], 'id="software-'),
                "registry home ?page=1–10": (
                    [f"/ops/registry/?page={rng.randint(1, 10)}" for _ in range(50)],
                    'id="software-',
                ),
                "registry home ?q=<name>": (
                    [f"/ops/registry/?q=package-0{rng.randint(0, 49):02d}" for _ in range(50)],
                    'id="software-',
                ),
                "security (open patches)": (["/ops/registry/security/"], 'id="patch-'),
                "security ?state=all&page=1–40": (
                    [
                        f"/ops/registry/security/?state=all&page={rng.randint(1, 40)}"
                        for _ in range(50)
                    ],
                    'id="patch-',
                ),
                "security ?state=overdue": (
                    ["/ops/registry/security/?state=overdue"],
                    'id="virus-server-',
                ),
            }
            for label, (paths, check) in pages.items():
                results[label] = time_page(client, paths, n, check)
            month_end = timezone.localdate().replace(day=1) - timedelta(days=1)
            month_start = month_end.replace(day=1)
            sla = []
            for _ in range(20):
                t = time.perf_counter()
                virus = selectors.virus_definitions_on_time(month_start, month_end)
                patches = selectors.patches_on_time(month_start, month_end)
                sla.append(time.perf_counter() - t)
            results["SLA #28 + #29 for a month (selectors)"] = {
                **summary_ms(sla),
                "cpu_p95": float("nan"),
                "errors": 0,
            }
            raise Rollback
    except Rollback:
        pass
    print(f"seeded in {seeded:.1f} s (rolled back afterwards); {n} requests per page")
    worst = 0.0
    for label, r in results.items():
        worst = max(worst, r["p95"]) if "SLA" not in label else worst
        print(
            f"{label:40s} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
            f"p99 {r['p99']:7.1f} ms  max {r['max']:7.1f} ms  "
            f"(CPU of this process p95 {r['cpu_p95']:5.1f} ms)  errors {r['errors']}"
        )
    print(
        f"SLA {month_start:%Y-%m}: #28 {virus.met}/{virus.counted}, "
        f"#29 {patches.met}/{patches.counted}"
    )
    verdict = "met" if worst < TARGET_MS else "MISSED"
    print(f"worst page p95 {worst:.1f} ms — target < {TARGET_MS} ms: {verdict}")


if __name__ == "__main__":
    main()
