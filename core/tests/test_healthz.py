import json

import pytest
from django.urls import reverse

from core.beat import beat_heartbeat_write

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_is_200_when_every_part_is_well(client, live_worker):
    beat_heartbeat_write()

    response = client.get(reverse("healthz"))

    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {
        "database",
        "redis",
        "celery_worker",
        "celery_beat",
        "backup_disk",
        "backups",  # registered by the backups app (fresh install: no night missed yet)
    }
    assert body["failing"] == []


def test_healthz_is_503_and_names_redis_when_redis_is_down(client, own_redis, redis_pointing_at):
    beat_heartbeat_write()
    redis_pointing_at(own_redis.url)
    own_redis.stop()

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert "redis" in body["failing"]
    assert body["checks"]["database"]["ok"] is True


def test_healthz_reports_a_stale_beat(client, live_worker, time_machine):
    time_machine.move_to("2026-11-30 10:00 +0900")
    beat_heartbeat_write()
    time_machine.move_to("2026-11-30 10:10 +0900")
    body = client.get(reverse("healthz")).json()
    assert "celery_beat" in body["failing"]


def test_healthz_needs_no_login_and_reveals_no_secrets_or_versions(client, settings):
    response = client.get(reverse("healthz"))
    text = json.dumps(response.json())
    assert response.status_code in (200, 503)
    for secret in (
        settings.SECRET_KEY,
        settings.DATABASES["default"]["NAME"],
        "Django",
        "PostgreSQL 1",
    ):
        assert secret not in text


def test_web_scope_for_load_balancers_ignores_shared_parts(client, own_redis, redis_pointing_at):
    redis_pointing_at(own_redis.url)
    own_redis.stop()

    response = client.get(reverse("healthz"), {"scope": "web"})

    assert response.status_code == 200
    assert set(response.json()["checks"]) == {"database"}
