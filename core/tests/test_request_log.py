from datetime import date, datetime

import pytest
from django.db import connection
from django.urls import reverse

from core import request_log
from core.models import RequestDailyStat, RequestLog
from core.timeutil import JST

pytestmark = pytest.mark.django_db


def test_each_request_is_recorded_with_user_view_status_and_duration(client, caseworker):
    client.force_login(caseworker)
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/no-such-page/").status_code == 404

    moved = request_log.flush_buffer()

    assert moved == 2
    home = RequestLog.objects.get(view_name="home")
    assert home.user_id == caseworker.pk
    assert home.method == "GET"
    assert home.status == 200
    assert 0 < home.duration_us < 10_000_000
    missing = RequestLog.objects.get(status=404)
    assert missing.view_name == ""


def test_flush_is_idempotent_and_leaves_the_buffer_empty(client, caseworker):
    client.force_login(caseworker)
    for _ in range(3):
        client.get(reverse("home"))
    assert request_log.flush_buffer(batch=2) == 3
    assert request_log.flush_buffer() == 0
    assert RequestLog.objects.filter(view_name="home").count() == 3


def test_rows_are_written_directly_while_redis_is_down(
    client, caseworker, own_redis, redis_pointing_at
):
    redis_pointing_at(own_redis.url)
    client.force_login(caseworker)
    own_redis.stop()

    response = client.get(reverse("home"))

    assert response.status_code == 200
    row = RequestLog.objects.get(view_name="home")
    assert row.user_id == caseworker.pk


def _insert(at):
    request_log._insert_rows(
        [
            request_log.make_row(
                user_id=1,
                view_name="home",
                method="GET",
                status=200,
                duration_us=1500,
                at=at.timestamp(),
            )
        ]
    )


def test_partitions_are_created_ahead_and_rows_in_the_default_partition_move():
    far = datetime(2031, 5, 10, 9, 0, tzinfo=JST)
    _insert(far)  # no partition for 2031-05 yet: lands in the default partition
    created = request_log.ensure_partitions(now=far, months_ahead=1)

    assert created == ["core_requestlog_y2031m05", "core_requestlog_y2031m06"]
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM core_requestlog_y2031m05")
        assert cur.fetchone()[0] == 1
        cur.execute("SELECT count(*) FROM core_requestlog_default")
        assert cur.fetchone()[0] == 0


def test_month_boundaries_are_japanese_time():
    # 2031-06-30 23:30 JST is 14:30 UTC: it belongs to June in Japan.
    request_log.ensure_partitions(now=datetime(2031, 6, 1, tzinfo=JST), months_ahead=1)
    _insert(datetime(2031, 6, 30, 23, 30, tzinfo=JST))
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM core_requestlog_y2031m06")
        assert cur.fetchone()[0] == 1


def test_expired_partitions_are_rolled_up_then_dropped():
    request_log.ensure_partitions(now=datetime(2030, 1, 1, tzinfo=JST), months_ahead=0)
    _insert(datetime(2030, 1, 15, 10, 0, tzinfo=JST))
    _insert(datetime(2030, 1, 15, 11, 0, tzinfo=JST))

    dropped = request_log.drop_expired_partitions(
        now=datetime(2031, 3, 1, tzinfo=JST), keep_months=13
    )

    assert "core_requestlog_y2030m01" in dropped
    assert "core_requestlog_y2030m01" not in request_log.existing_partitions()
    stat = RequestDailyStat.objects.get(day=date(2030, 1, 15), view_name="home")
    assert stat.requests == 2
    assert stat.status_class == 2
    assert stat.total_duration_us == 3000
