"""Routine pages at a realistic size (issue 9: registry pages p95 < 100 ms).

Seeds, inside one transaction that is rolled back at the end (the database is left as it
was): 30 routine operations (daily, weekly, monthly, yearly) with their occurrences over
five years (~20,000, most done, some late or missed), 2,000 parameter changes in every
state and 300 training sessions with units and attendees. Then it times the pages in
process with Django's test client (the full middleware stack, as a vendor operator):

- the month calendar: this month, and ?month= a random month of the five years;
- the operations list; the parameter changes (first page, ?page=1–40, ?status=approved);
- the training list (first page, ?page=1–6);
- SLA #9 and #10 for one month and for one year (selectors, no HTTP).

Run it against a scratch database of your own, never the shared development one:

    eval "$(bash scripts/dev.sh env)"
    export DATABASE_URL="${DATABASE_URL%/*}/childcase_bench" REDIS_URL="${REDIS_URL%/*}/14"
    createdb ... (or any empty database) && .venv/bin/python manage.py migrate
    .venv/bin/python bench/ops_routine.py [requests_per_page]

Target: p95 < 100 ms for every page.
"""

import random
import sys
import time
from datetime import date, datetime, timedelta

from _common import setup_django, summary_ms

setup_django()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from accounts import roles  # noqa: E402
from accounts.models import OrgUnit, User  # noqa: E402
from core.timeutil import JST, now_jst  # noqa: E402
from ops.models.routine import (  # noqa: E402
    ParameterChange,
    RoutineOccurrence,
    RoutineOperation,
    TrainingSession,
)
from ops.selectors import routine as selectors  # noqa: E402
from ops.services import routine as services  # noqa: E402

TARGET_MS = 100
SHARED_NAMES = {"childcase"}
YEARS = 5


class Rollback(Exception):
    pass


def _user(number, role, name):
    user = User.objects.create_user(number, name=name, name_kana="ベンチ")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def seed(rng: random.Random):
    today = now_jst().date()
    start = date(today.year - YEARS, 4, 1)
    vendor = _user("bench9101", roles.VENDOR_OPERATOR, "ベンチ 運用担当")
    admin = _user("bench9102", roles.CITY_ADMIN, "ベンチ 管理者")
    F = RoutineOperation.Frequency
    ops = []
    for i in range(30):
        kind = [F.DAILY] * 4 + [F.WEEKLY] * 4 + [F.MONTHLY] * 14 + [F.YEARLY] * 8
        freq = kind[i]
        rule = {
            F.DAILY: {},
            F.WEEKLY: {"weekday": i % 5},
            F.MONTHLY: {"day_of_month": 1 + i % 28}
            if i % 2
            else {"business_day_ordinal": 1 + i % 10},
            F.YEARLY: {"month": 1 + i % 12, "day_of_month": 1 + i % 28},
        }[freq]
        ops.append(
            RoutineOperation.objects.create(
                name=f"ベンチ運用{i:02d}",
                category=rng.choice(RoutineOperation.Category.values),
                frequency=freq,
                due_time=datetime.strptime(f"{9 + i % 8}:00", "%H:%M").time(),
                deliverable="月次報告書" if freq == F.MONTHLY and i % 3 == 0 else "",
                lead_days=i % 6,
                on_non_business_day=rng.choice(RoutineOperation.NonBusinessDay.values),
                valid_from=start,
                **rule,
            )
        )
    t = time.perf_counter()
    services.occurrences_generate(since=start, until=today + timedelta(days=60))
    generated = time.perf_counter() - t
    now = now_jst()
    past = list(RoutineOccurrence.objects.filter(due_at__lt=now).select_related("operation"))
    for occ in past:
        roll = rng.random()
        if roll < 0.03:
            occ.status = "missed"
            continue
        late = roll < 0.08
        occ.done_at = occ.due_at + timedelta(hours=rng.randint(1, 30) if late else -1)
        occ.status = "late" if late else "done"
        occ.done_by = vendor
        occ.evidence_note = "確認済み"
        if occ.operation.deliverable:
            occ.deliverable_delivered_at = occ.done_at
    RoutineOccurrence.objects.bulk_update(
        past,
        ["status", "done_at", "done_by", "evidence_note", "deliverable_delivered_at"],
        batch_size=2000,
    )
    changes = []
    for i in range(2000):
        requested = datetime.combine(
            start + timedelta(days=rng.randint(0, (today - start).days)),
            datetime.min.time(),
            tzinfo=JST,
        ) + timedelta(hours=9)
        status = rng.choice(["requested", "approved", "rejected"] + ["applied"] * 7)
        change = ParameterChange(
            number=f"PB-{i:05d}",
            fiscal_year=2000 + i // 1000,
            sequence=i,
            target_kind=rng.choice(ParameterChange.TargetKind.values),
            target=f"設定{i % 150}",
            description="値の変更",
            requested_side=rng.choice(ParameterChange.Side.values),
            requested_by=vendor,
            requested_at=requested,
            status=status,
        )
        if status in ("approved", "applied"):
            change.approved_by, change.approved_at = admin, requested + timedelta(days=1)
        if status == "rejected":
            change.rejected_by, change.rejected_at = admin, requested + timedelta(days=1)
            change.rejection_reason = "不要"
        if status == "applied":
            change.applied_by = vendor
            change.applied_at = requested + timedelta(days=rng.choice([0, 2, 3, 5]))
            if change.applied_at < change.approved_at:
                change.emergency_reason = "障害復旧"
        changes.append(change)
    ParameterChange.objects.bulk_create(changes)
    units = list(OrgUnit.objects.all()[:20]) or [
        OrgUnit.objects.create(code=f"B{i}", name=f"ベンチ組織{i}", kind="center", valid_from=start)
        for i in range(5)
    ]
    attendees = list(User.objects.all()[:30])
    sessions = TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                title=f"ベンチ研修{i}",
                planned_date=start + timedelta(days=rng.randint(0, (today - start).days)),
                status="planned",
                attendee_count=rng.randint(5, 40),
                created_by=vendor,
            )
            for i in range(300)
        ]
    )
    for session in sessions:
        session.target_units.set(rng.sample(units, min(3, len(units))))
        session.attendees.set(rng.sample(attendees, min(5, len(attendees))))
    return vendor, generated, start


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
    result = summary_ms(samples)
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
            user, generated, start = seed(rng)
            seeded = time.perf_counter() - t
            occurrences = RoutineOccurrence.objects.count()
            client = Client()
            client.force_login(user)
            months = [
                f"{start.year + rng.randint(0, YEARS - 1)}-{rng.randint(1, 12):02d}"
                for _ in range(50)
            ]
            pages = {
                "calendar (this month)": (["/ops/routine/"], 'id="calendar"'),
                "calendar ?month=<random>": (
                    [f"/ops/routine/?month={m}" for m in months],
                    'id="calendar"',
                ),
                "operations list": (["/ops/routine/operations/"], 'id="operation-'),
                "parameter changes (first page)": (["/ops/routine/parameters/"], 'id="change-'),
                "parameter changes ?page=1–40": (
                    [f"/ops/routine/parameters/?page={rng.randint(1, 40)}" for _ in range(50)],
                    'id="change-',
                ),
                "parameter changes ?status=approved": (
                    ["/ops/routine/parameters/?status=approved"],
                    'id="change-',
                ),
                "training (first page)": (["/ops/routine/training/"], 'id="training-'),
                "training ?page=1–6": (
                    [f"/ops/routine/training/?page={rng.randint(1, 6)}" for _ in range(20)],
                    'id="training-',
                ),
            }
            for label, (paths, check) in pages.items():
                results[label] = time_page(client, paths, n, check)
            month_end = now_jst().date().replace(day=1) - timedelta(days=1)
            month_start = month_end.replace(day=1)
            year_start = date(month_end.year - 1, 4, 1)
            year_end = date(month_end.year, 3, 31)
            for label, (lo, hi) in {
                "SLA #9 + #10 for a month (selectors)": (month_start, month_end),
                "SLA #9 + #10 for a year (selectors)": (year_start, year_end),
            }.items():
                sla = []
                for _ in range(20):
                    t = time.perf_counter()
                    on_schedule = selectors.operations_on_schedule(lo, hi)
                    current = selectors.parameters_current(lo, hi)
                    sla.append(time.perf_counter() - t)
                results[label] = {**summary_ms(sla), "errors": 0}
            raise Rollback
    except Rollback:
        pass
    print(
        f"seeded in {seeded:.1f} s ({occurrences:,} occurrences generated in {generated:.1f} s; "
        f"rolled back afterwards); {n} requests per page"
    )
    worst = 0.0
    for label, r in results.items():
        worst = max(worst, r["p95"]) if "SLA" not in label else worst
        print(
            f"{label:40s} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
            f"p99 {r['p99']:7.1f} ms  max {r['max']:7.1f} ms  errors {r['errors']}"
        )
    print(
        f"SLA FY{year_start.year}: #9 {on_schedule.met}/{on_schedule.counted}, "
        f"#10 {current.met}/{current.counted} ({len(current.exceptions)} exceptions)"
    )
    verdict = "met" if worst < TARGET_MS else "MISSED"
    print(f"worst page p95 {worst:.1f} ms — target < {TARGET_MS} ms: {verdict}")


if __name__ == "__main__":
    main()
