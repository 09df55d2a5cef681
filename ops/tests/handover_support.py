"""Fixtures of the handover tests (imported by ops/tests/test_handover_*.py).

The export reads through a connection of its own (a REPEATABLE READ snapshot beside the
ORM connection that records progress), so tests that run it are transactional: the rows
they seed must be committed to be seen.

The round trip loads into a second database, ``<test database>_handover``, created once per
test session (per xdist worker) and migrated by ``manage.py migrate`` in a subprocess with
DATABASE_URL pointing at it — the way ``import_handover`` does it, because data migrations
write through the default alias. It is dropped at the end of the session.
"""

import os

import pytest
from django.apps import apps

from accounts import roles
from ops.services import handover as services
from ops.services import handover_archive as archive


@pytest.fixture
def handover_env(settings, tmp_path):
    settings.HANDOVER_DIR = tmp_path / "handover"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.HANDOVER_QUEUE = ""
    (tmp_path / "media").mkdir()
    return settings


@pytest.fixture
def published(monkeypatch):
    """Outbox messages that would have reached the broker (nothing is published)."""
    sent = []
    monkeypatch.setattr(
        "core.outbox.outbox_send", lambda *, message_id, app=None: sent.append(message_id)
    )
    return sent


@pytest.fixture
def city_admin_b(make_user):
    return make_user(roles.CITY_ADMIN, name="試験 管理者二")


def run_queued_jobs() -> list:
    """Do what the worker does with every handover job in the outbox, oldest first."""
    from core.models import OutboxMessage
    from ops.tasks.handover import handover_export_run

    done = []
    for message in OutboxMessage.objects.filter(task_name=services.TASK_NAME).order_by("pk"):
        done.append(handover_export_run(*message.args))
    return done


def approved_export(requester, approver, *, encoding="utf-8-sig"):
    export = services.handover_request(
        actor=requester, encoding=encoding, reason="契約終了に伴う次期事業者への引継ぎ"
    )
    return services.handover_approve(export=export, actor=approver)


def finished_export(requester, approver, *, encoding="utf-8-sig"):
    export = approved_export(requester, approver, encoding=encoding)
    export = services.handover_start(export=export, actor=approver)
    return services.handover_export_execute(export_id=export.pk, attempt=export.attempt)


def model(label: str):
    return apps.get_model(label)


@pytest.fixture(scope="session")
def handover_target_url(django_db_setup, django_db_blocker):
    """An empty, migrated database for the round trip (see the module docstring)."""
    from django.db import connection

    with django_db_blocker.unblock():
        source = dict(connection.settings_dict)
    name = f"{source['NAME']}_handover"
    base = os.environ["DATABASE_URL"].rpartition("/")[0]
    url = f"{base}/{name}"
    maintenance = {**source, "NAME": "postgres"}
    with (
        django_db_blocker.unblock(),
        archive.raw_connection(maintenance, alias="handover_maintenance") as conn,
    ):
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    with django_db_blocker.unblock():
        archive.migrate_database(url)
    yield url
    with (
        django_db_blocker.unblock(),
        archive.raw_connection(maintenance, alias="handover_maintenance") as conn,
    ):
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
