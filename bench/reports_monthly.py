"""The monthly meeting report (定例報告会議 報告書, 図表7-1) end to end at volume: every
section's figures, the .xlsx and the PDF (the issue's target: < 30 s), then the bundle with
the deliverable lists and minutes (reported separately), with per-section times, query
count and peak memory.

Run against a database of your own holding the volume (never the shared development one):

    eval "$(bash scripts/dev.sh env)"
    export DATABASE_URL="${DATABASE_URL%/*}/childcase_bench"
    createdb childcase_bench && .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo && .venv/bin/python manage.py seed_volume
    .venv/bin/python manage.py seed_helpdesk_volume && .venv/bin/python manage.py seed_incident_volume
    .venv/bin/python bench/reports_statistics.py 2026-10 --seed 1000000   # 13 M requests
    .venv/bin/python bench/reports_monthly.py 2026-10

Runs cold (a fresh cache prefix: nothing of the statistics cached) and then issues a real
revision through the service (the job's code path, including the bundle).
"""

import argparse
import resource
import time
import tracemalloc
import uuid
from datetime import date

from _common import setup_django

SHARED_DEV_DATABASES = {"childcase"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("month", help="YYYY-MM")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection, reset_queries

    name = connection.settings_dict["NAME"]
    if name in SHARED_DEV_DATABASES:
        raise SystemExit(f"refusing to run on the shared development database {name!r}")
    year, mon = (int(x) for x in args.month.split("-"))
    month = date(year, mon, 1)

    from accounts.models import User
    from core.profiles import current_profile
    from core.timeutil import now_jst
    from reports.sections.base import Period
    from reports.sections.registry import SECTIONS
    from reports.services import monthly as services
    from reports.services.monthly_render import Meta, report_pdf, report_xlsx

    cache.key_prefix = f"bench-{uuid.uuid4().hex[:8]}"
    settings.DEBUG = True
    reset_queries()
    tracemalloc.start()
    period = Period(month=month, profile=current_profile().code)
    sections, t_start = [], time.perf_counter()
    for spec in SECTIONS:
        t0, q0 = time.perf_counter(), len(connection.queries)
        sections.append(spec.build(period))
        print(
            f"  {spec.key:<20} {time.perf_counter() - t0:6.2f} s "
            f"{len(connection.queries) - q0:4d} queries"
        )
    t_sections = time.perf_counter() - t_start
    # tracemalloc slows WeasyPrint's allocation-heavy layout about fourfold: sections only.
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    meta = Meta(
        city=current_profile().name,
        month=month,
        revision=0,
        issued_at=now_jst(),
        issued_by="bench",
    )
    t0 = time.perf_counter()
    xlsx = report_xlsx(sections, meta)
    t_xlsx = time.perf_counter() - t0
    t0 = time.perf_counter()
    pdf, pages = report_pdf(sections, meta)
    t_pdf = time.perf_counter() - t0
    total = t_sections + t_xlsx + t_pdf
    print(
        f"[report, cold] {month:%Y-%m} on {name}: sections {t_sections:.2f} s "
        f"({len(connection.queries)} queries), xlsx {t_xlsx:.2f} s ({len(xlsx) / 1024:.0f} KB), "
        f"PDF {t_pdf:.2f} s ({len(pdf) / 1024:.0f} KB, {pages} pages); "
        f"total {total:.2f} s (target < 30 s); sections' peak Python memory {peak / 2**20:.0f} MB"
    )
    settings.DEBUG = False

    user = User.objects.filter(employee_number="900007").first() or User.objects.first()
    report, _created = services.monthly_report_request(
        month=month, user=user, reason="ベンチマーク"
    )
    t0 = time.perf_counter()
    report = services.monthly_report_build(report_id=report.pk)
    t_job = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"[job, statistics cached] revision {report.revision} status {report.status}: {t_job:.2f} s incl. "
        f"bundle ({len(bytes(report.bundle or b'')) / 2**20:.1f} MB); peak RSS {rss:.0f} MB"
        + (f"; error {report.error}" if report.error else "")
    )


if __name__ == "__main__":
    main()
