"""Shared fixtures: personas, a Redis of the test's own, and a live Celery worker."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis as redis_lib

from accounts import roles
from accounts.tests.factories import PASSWORD, UserFactory
from accounts.tests.personnel_files import city  # noqa: F401 - shared fixture
from cases.tests.world import world  # noqa: F401 - shared fixture

ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache_namespace():
    # xdist workers share one Redis; each test reads and writes its own keys so a
    # value cached by another test (same ids, other database) is never seen.
    from django.core.cache import cache

    cache.key_prefix = f"t-{uuid.uuid4().hex[:12]}"
    yield


@pytest.fixture(autouse=True)
def _request_log_fresh(_isolated_request_log_buffer):
    # Each test starts with an empty buffer, and a test that stopped Redis must
    # not leave the accounting fallback engaged for the next one.
    from core import request_log

    request_log._redis_down_until = 0.0
    request_log.redis_client().delete(_isolated_request_log_buffer)
    yield
    request_log._redis_down_until = 0.0


@pytest.fixture(scope="session", autouse=True)
def _isolated_request_log_buffer():
    # xdist workers share one Redis database; each gets its own buffer list.
    from django.conf import settings

    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    key = f"test:{worker_id}:{uuid.uuid4().hex[:8]}:requestlog"
    settings.REQUEST_LOG_BUFFER_KEY = key
    yield key


# --- personas -----------------------------------------------------------------


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def make_user(db):
    def make(*role_codes, **kwargs):
        return UserFactory(roles=list(role_codes), **kwargs)

    return make


@pytest.fixture
def caseworker(make_user):
    return make_user(roles.CASEWORKER, name="試験 相談員")


@pytest.fixture
def supervisor(make_user):
    return make_user(roles.SUPERVISOR, name="試験 係長")


@pytest.fixture
def city_admin(make_user):
    from accounts.services import roles_sync

    roles_sync()  # the city admin role's Django admin permissions
    return make_user(roles.CITY_ADMIN, name="試験 管理者")


@pytest.fixture
def vendor_operator(make_user):
    return make_user(roles.VENDOR_OPERATOR, name="試験 運用担当")


@pytest.fixture
def attendee(make_user):
    return make_user(roles.MEETING_ATTENDEE, name="試験 出席者")


# --- a Redis server of the test's own -----------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class OwnRedis:
    def __init__(self):
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="childcase-redis-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                self.dir,
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis_lib.Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis_lib.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("own redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def own_redis():
    server = OwnRedis()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def redis_pointing_at(settings):
    """Point the cache, sessions and request accounting at another Redis."""

    def point(url):
        settings.REDIS_URL = url
        settings.CACHES = {
            "default": {
                **settings.CACHES["default"],
                "LOCATION": url,
            }
        }

    return point


# --- a live Celery worker on the test database ---------------------------------


def _database_url_for(name: str) -> str:
    base = os.environ["DATABASE_URL"]
    head, _, _old = base.rpartition("/")
    return f"{head}/{name}"


@pytest.fixture(scope="session")
def live_worker(django_db_setup, django_db_blocker, _isolated_request_log_buffer, tmp_path_factory):
    """A real `celery worker` process consuming its own queue on the test database."""
    from django.db import connection

    queue = f"test-{uuid.uuid4().hex[:10]}"
    files = tmp_path_factory.mktemp("live-worker")
    (files / "backups").mkdir()
    (files / "media").mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for(connection.settings_dict["NAME"]),
        # Backups and uploads of the worker go to a throw-away place, never var/.
        "BACKUP_DIR": str(files / "backups"),
        "MEDIA_ROOT": str(files / "media"),
        "REQUEST_LOG_BUFFER_KEY": _isolated_request_log_buffer,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - open for the worker's whole life
        prefix="celery-worker-", suffix=".log", delete=False
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "info",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from celery import current_app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"celery worker exited: {Path(log.name).read_text()[-2000:]}")
        replies = current_app.control.ping(
            destination=[f"{queue}@{socket.gethostname()}"], timeout=0.5
        )
        if replies:
            break
    else:
        raise RuntimeError(f"celery worker did not answer: {Path(log.name).read_text()[-2000:]}")
    yield type(
        "LiveWorker",
        (),
        {"queue": queue, "log": log.name, "proc": proc, "backup_dir": files / "backups"},
    )
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
