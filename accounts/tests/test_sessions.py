import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_session_expires_after_30_idle_minutes(client, caseworker, password, time_machine):
    time_machine.move_to("2026-11-30 10:00 +0900")
    client.post(reverse("login"), {"username": caseworker.employee_number, "password": password})
    time_machine.move_to("2026-11-30 10:29 +0900")
    assert client.get(reverse("home")).status_code == 200

    time_machine.move_to("2026-11-30 11:00 +0900")  # 31 minutes after the last request
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert client.get(reverse("home")).status_code == 302


def test_activity_keeps_the_session_alive(client, caseworker, password, time_machine):
    time_machine.move_to("2026-11-30 10:00 +0900")
    client.post(reverse("login"), {"username": caseworker.employee_number, "password": password})
    for minute in (20, 40, 60, 80):
        time_machine.move_to(f"2026-11-30 {10 + minute // 60}:{minute % 60:02d} +0900")
        assert client.get(reverse("home")).status_code == 200


def test_users_keep_working_and_can_log_in_while_redis_is_down(
    client, caseworker, supervisor, password, own_redis, redis_pointing_at
):
    redis_pointing_at(own_redis.url)
    client.post(reverse("login"), {"username": caseworker.employee_number, "password": password})
    assert client.get(reverse("home")).status_code == 200

    own_redis.stop()

    assert client.get(reverse("home")).status_code == 200
    other = client.__class__()
    response = other.post(
        reverse("login"), {"username": supervisor.employee_number, "password": password}
    )
    assert response.status_code == 302
    assert other.get(reverse("home")).status_code == 200
