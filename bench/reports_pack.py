"""Monthly deliverable lists (reports.services.pack) at volume: every list as .xlsx and
PDF and the one .zip, for a month, with wall time, queries and peak memory.

Needs the help-desk volume (`manage.py seed_demo && manage.py seed_helpdesk_volume`) in
the database DATABASE_URL points at. Reads only; writes nothing. Run against a database
of your own, not the shared development one:

    eval "$(bash scripts/dev.sh env)"; export DATABASE_URL=".../childcase_mine"
    .venv/bin/python bench/reports_pack.py [YYYY-MM]

Without a month it takes the busiest month of inquiries. Target (docs/benchmarks.md):
the monthly report's lists within the 30 s of the whole pack.
"""

import sys
import time
import tracemalloc

from _common import setup_django


def main():
    setup_django()
    from django.db import connection, reset_queries
    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from accounts.models import User
    from core.timeutil import JST
    from helpdesk.models import Inquiry
    from reports.services import pack

    if len(sys.argv) > 1:
        month = pack.deliverable_month(sys.argv[1])
    else:
        busiest = (
            Inquiry.objects.annotate(m=TruncMonth("received_at", tzinfo=JST))
            .values("m")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if not busiest:
            sys.exit("no inquiries: seed the help-desk volume first")
        month = busiest["m"].date()
    user = User.objects.filter(is_active=True).order_by("pk").first()
    print(f"month {month:%Y-%m}")
    from django.conf import settings

    settings.DEBUG = True  # count queries
    for key in pack.DELIVERABLES:
        for fmt in pack.FORMATS:
            reset_queries()
            tracemalloc.start()
            t0 = time.perf_counter()
            name, data = pack.deliverable_file(key=key, fmt=fmt, month=month, user=user)
            elapsed = time.perf_counter() - t0
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(
                f"{name:40s} {elapsed:7.2f} s {len(connection.queries):4d} queries "
                f"{len(data) / 1024:8.0f} KiB peak {peak / 2**20:6.1f} MiB"
            )
    t0 = time.perf_counter()
    name, data = pack.deliverables_zip(month=month, user=user)
    print(f"{name:40s} {time.perf_counter() - t0:7.2f} s {len(data) / 1024:8.0f} KiB")


if __name__ == "__main__":
    main()
