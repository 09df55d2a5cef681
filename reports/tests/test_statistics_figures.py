"""System statistics: the month's figures against hand-built request accounting rows."""

from datetime import date, datetime, timedelta

import pytest

from accounts import roles
from core import request_log
from core.models import RequestDailyStat
from core.timeutil import JST
from reports.models import FunctionName, ResourceSample
from reports.selectors import statistics as selectors
from reports.services import statistics as services

pytestmark = pytest.mark.django_db
MAY = date(2026, 5, 1)


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to("2026-06-15 10:00 +0900")


def log(at: datetime, view: str, *, status=200, ms=10.0, user=None, method="GET"):
    return request_log.make_row(
        user_id=user,
        view_name=view,
        method=method,
        status=status,
        duration_us=int(ms * 1000),
        at=at.timestamp(),
    )


def put(rows):
    request_log._insert_rows(rows)


def at(day: int, hour: int, minute: int = 0, month: date = MAY) -> datetime:
    return datetime(month.year, month.month, day, hour, minute, tzinfo=JST)


def test_accesses_percentiles_and_errors_per_function():
    # 1..100 ms on one function, two 500s and one 404 among them.
    rows = [log(at(3, 10), "helpdesk:slip_list", ms=i, user=1) for i in range(1, 101)]
    rows[0]["s"] = 500
    rows[1]["s"] = 503
    rows[2]["s"] = 404
    rows.append(log(at(3, 11), "incidents:list", ms=5, user=2))
    # Outside the month (JST): 2026-04-30 23:59 and 2026-06-01 00:00 do not count.
    rows.append(log(at(30, 23, 59, month=date(2026, 4, 1)), "incidents:list"))
    rows.append(log(at(1, 0, 0, month=date(2026, 6, 1)), "incidents:list"))
    put(rows)

    figures = selectors.month_figures(MAY)

    by_view = {f.view_name: f for f in figures.functions}
    slips = by_view["helpdesk:slip_list"]
    assert (slips.requests, slips.users, slips.errors) == (100, 1, 2)
    assert slips.p50_ms == pytest.approx(50.5)
    assert slips.p95_ms == pytest.approx(95.0, abs=0.1)
    assert slips.p99_ms == pytest.approx(99.0, abs=0.1)
    assert by_view["incidents:list"].requests == 1
    assert figures.total_requests == 101
    assert figures.total_errors == 2
    assert figures.functions[0].view_name == "helpdesk:slip_list"  # busiest first


def test_function_names_come_from_the_table_then_the_menu_then_the_view_name():
    FunctionName.objects.create(view_name="helpdesk:slip_list", label="連絡票一覧")
    put(
        [
            log(at(3, 10), "helpdesk:slip_list"),
            log(at(3, 10), "reports:statistics_month"),
            log(at(3, 10), "unknown:thing"),
        ]
    )
    labels = {f.view_name: f.label for f in selectors.month_figures(MAY).functions}
    assert labels["helpdesk:slip_list"] == "連絡票一覧"
    assert labels["reports:statistics_month"] == "システム統計情報"
    assert labels["unknown:thing"] == "unknown:thing"


def test_busiest_hours_are_in_japan_time_and_ranked():
    put(
        [log(at(5, 9), "a:b") for _ in range(3)]
        + [log(at(5, 14), "a:b") for _ in range(5)]
        + [log(at(6, 14, 30), "a:b")]
        + [log(at(7, 23), "a:b")]
    )
    figures = selectors.month_figures(MAY)
    hours = dict(figures.hours)
    assert hours[14] == 6 and hours[9] == 3 and hours[23] == 1 and hours[0] == 0
    assert figures.busiest_hours == [14, 9, 23]


def test_logins_per_day_and_per_role(make_user):
    worker = make_user(roles.CASEWORKER)
    admin_and_worker = make_user(roles.CASEWORKER, roles.CITY_ADMIN)
    vendor = make_user(roles.VENDOR_OPERATOR)

    def login(day, user, status=302):
        return log(at(day, 9), "login", method="POST", status=status, user=user)

    put(
        [
            login(1, worker.pk),
            login(1, worker.pk),
            login(1, vendor.pk),
            login(2, admin_and_worker.pk),
            login(2, None, status=200),  # a failed attempt: the form again, nobody signed in
            log(at(2, 9), "login", user=None),  # the login page itself (GET)
        ]
    )
    figures = selectors.month_figures(MAY)
    by_day = {d: (n, u) for d, n, u in figures.logins_by_day}
    assert len(figures.logins_by_day) == 31
    assert by_day[date(2026, 5, 1)] == (3, 2)
    assert by_day[date(2026, 5, 2)] == (1, 1)
    assert by_day[date(2026, 5, 3)] == (0, 0)
    assert figures.logins_total == 4
    by_role = {label: (n, u) for label, n, u in figures.logins_by_role}
    assert by_role == {
        roles.role_label(roles.CITY_ADMIN): (1, 1),  # counted once, under the first role
        roles.role_label(roles.CASEWORKER): (2, 1),
        roles.role_label(roles.VENDOR_OPERATOR): (1, 1),
    }


def test_resources_summary_from_the_samples():
    for i, cpu in enumerate([10.0, 30.0, 50.0]):
        ResourceSample.objects.create(
            slot=at(10, 12, 5 * i),
            taken_at=at(10, 12, 5 * i),
            cpu_percent=cpu,
            memory_percent=40.0 + i,
            disk_root_percent=60.0,
            disk_backup_percent=None,
            db_bytes=1000 * (i + 1),
        )
    res = selectors.month_figures(MAY).resources
    assert res["samples"] == 3
    assert res["expected_samples"] == 31 * 24 * 12
    assert res["cpu_avg"] == pytest.approx(30.0)
    assert res["cpu_max"] == 50.0
    assert res["mem_max"] == 42.0
    assert res["disk_backup_max"] is None
    assert res["db_bytes_last"] == 3000


def test_trend_counts_rolled_up_days_and_raw_days_once():
    april = date(2026, 4, 1)
    put([log(at(2, 10, month=april), "a:b", status=500) for _ in range(4)])
    request_log.rollup_range(start=april, end=date(2026, 5, 1))
    # An older month whose raw rows are gone: only its roll-up remains.
    RequestDailyStat.objects.create(
        day=date(2025, 7, 3),
        view_name="a:b",
        status_class=2,
        requests=7,
        users=1,
        total_duration_us=1,
        max_duration_us=1,
        over_3s=0,
    )
    put([log(at(3, 10), "a:b") for _ in range(2)])
    trend = {t["month"]: t for t in selectors.month_figures(MAY).trend}
    assert len(trend) == 13
    assert min(trend) == date(2025, 5, 1)
    assert (trend[april]["requests"], trend[april]["errors"]) == (4, 4)
    assert trend[date(2025, 7, 1)]["requests"] == 7
    assert trend[MAY]["requests"] == 2


def _steady_history(view: str, *, ms: float, errors: int = 0, per_month: int = 30):
    rows = []
    month = MAY
    for _ in range(12):
        month = selectors.previous_month(month)
        rows += [
            log(at(10, 10, month=month), view, ms=ms, status=500 if i < errors else 200)
            for i in range(per_month)
        ]
    put(rows)


def test_a_function_whose_p95_jumped_is_flagged(settings):
    settings.REPORTS_STATS_ANOMALY_FACTOR = 2.0
    _steady_history("helpdesk:slip_list", ms=100)
    _steady_history("incidents:list", ms=100)
    put(
        [log(at(10, 10), "helpdesk:slip_list", ms=500) for _ in range(30)]
        + [log(at(10, 10), "incidents:list", ms=150) for _ in range(30)]
    )
    found = selectors.month_figures(MAY).anomalies
    assert [(a.view_name, a.measure) for a in found] == [("helpdesk:slip_list", "p95")]
    assert found[0].current == 500.0 and found[0].median == 100.0


def test_the_factor_is_configurable(settings):
    settings.REPORTS_STATS_ANOMALY_FACTOR = 1.2
    _steady_history("incidents:list", ms=100)
    put([log(at(10, 10), "incidents:list", ms=150) for _ in range(30)])
    assert [a.measure for a in selectors.month_figures(MAY).anomalies] == ["p95"]


def test_a_jump_in_the_error_rate_is_flagged():
    _steady_history("helpdesk:slip_list", ms=10, errors=1)  # 1 in 30 each month
    put(
        [log(at(10, 10), "helpdesk:slip_list", ms=10, status=500) for _ in range(10)]
        + [log(at(10, 10), "helpdesk:slip_list", ms=10) for _ in range(20)]
    )
    found = selectors.month_figures(MAY).anomalies
    assert [a.measure for a in found] == ["error_rate"]
    assert found[0].current == pytest.approx(33.33)


def test_no_anomaly_without_history_or_with_too_few_requests():
    put([log(at(10, 10), "new:view", ms=5000, status=500) for _ in range(30)])
    _steady_history("quiet:view", ms=10)
    put([log(at(10, 10), "quiet:view", ms=5000) for _ in range(3)])
    assert selectors.month_figures(MAY).anomalies == []


def test_resource_sample_is_one_row_per_five_minute_slot(time_machine):
    from reports.tasks.statistics import resource_sample

    time_machine.move_to("2026-06-15 10:01 +0900")
    first = resource_sample()
    time_machine.move_to("2026-06-15 10:04:59 +0900")
    again = resource_sample()
    assert first == again
    assert ResourceSample.objects.count() == 1
    sample = ResourceSample.objects.get()
    assert sample.slot == datetime(2026, 6, 15, 10, 0, tzinfo=JST)
    assert sample.taken_at == datetime(2026, 6, 15, 10, 4, 59, tzinfo=JST)
    assert sample.db_bytes > 0
    assert 0 <= sample.cpu_percent <= 100 and 0 < sample.disk_root_percent <= 100
    time_machine.move_to("2026-06-15 10:05 +0900")
    resource_sample()
    assert ResourceSample.objects.count() == 2
    assert services.slot_of(datetime(2026, 6, 15, 10, 7, tzinfo=JST)) == datetime(
        2026, 6, 15, 10, 5, tzinfo=JST
    )


def test_the_beat_schedule_exists():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="reports.tasks.statistics.resource_sample")
    assert task.interval.every == 300 and task.enabled
    assert timedelta(seconds=task.interval.every) == timedelta(minutes=5)
