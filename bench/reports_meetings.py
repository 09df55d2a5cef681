"""Bench: the meetings list and the deadline warnings over many meetings.

Run against a throw-away database only (never the shared development one), e.g.:

    eval "$(bash scripts/dev.sh env)"
    export DATABASE_URL="${DATABASE_URL%/*}/childcase_bench" REDIS_URL="${REDIS_URL%/*}/15"
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py shell -c "exec(open('bench/reports_meetings.py').read())"

Creates 20 years x 2 contracts of monthly meetings (480) with 3 action items each, then
times the list page's deadline computation, the carried-over action items of the newest
meeting, and one run of the warning job.
"""

import time
from datetime import date, datetime

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext

from accounts import roles
from accounts.models import User
from core.calendar import BusinessCalendar
from core.timeutil import JST
from reports.models.meetings import ActionItem, AgendaItem, Meeting
from reports.selectors import meetings as selectors
from reports.services import meetings as services

user = User.objects.filter(groups__name__in=roles.VENDOR_ROLES).first()
if not Meeting.objects.exists():
    meetings = [
        Meeting(
            profile=profile,
            year=y,
            month=m,
            held_at=datetime(y, m, 10, 14, tzinfo=JST),
            place="会議室",
            created_by=user,
        )
        for y in range(2007, 2027)
        for m in range(1, 13)
        for profile in ("sendai", "kobe")
    ]
    Meeting.objects.bulk_create(meetings)
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=m, order=i, title=f"議題{i}") for m in meetings for i in range(1, 6)
    )
    ActionItem.objects.bulk_create(
        ActionItem(meeting=m, title=f"対応{i}", owner="運用担当", due=date(m.year, m.month, 20))
        for m in meetings
        for i in range(3)
    )

reset_queries()
start = time.perf_counter()
calendars = {p: BusinessCalendar.load(p) for p in ("sendai", "kobe")}
rows = 0
for m in selectors.meeting_list()[:50]:
    services.meeting_deadlines(m, calendar=calendars[m.profile])
    rows += 1
print(f"list page deadlines ({rows} rows): {time.perf_counter() - start:.3f} s")

newest = selectors.meeting_list().first()
with CaptureQueriesContext(connection) as ctx:
    start = time.perf_counter()
    n = len(list(selectors.action_items_for(newest)))
print(f"carried action items: {n} in {time.perf_counter() - start:.3f} s, {len(ctx)} queries")

start = time.perf_counter()
sent = services.send_deadline_warnings()
print(f"warnings: {sent} sent in {time.perf_counter() - start:.3f} s")
