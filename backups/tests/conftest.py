import subprocess
from datetime import datetime
from pathlib import Path

import pytest
import time_machine

from core.timeutil import JST


@pytest.fixture(scope="session")
def age_keys(tmp_path_factory) -> tuple[Path, str]:
    """A throw-away age key pair: (identity file, recipient public key)."""
    directory = tmp_path_factory.mktemp("age")
    identity = directory / "identity.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(identity)], check=True, capture_output=True, text=True
    ).stdout.strip()
    return identity, recipient


@pytest.fixture(scope="session")
def other_age_keys(tmp_path_factory) -> tuple[Path, str]:
    directory = tmp_path_factory.mktemp("age-other")
    identity = directory / "identity.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)
    return identity, ""


@pytest.fixture
def backup_env(settings, tmp_path, age_keys):
    """BACKUP_DIR and MEDIA_ROOT in a temporary directory, encryption to the test key."""
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_AGE_RECIPIENTS = [age_keys[1]]
    settings.BACKUP_IDENTITY_FILE = ""
    settings.BACKUP_GENERATIONS = None
    settings.CITY_PROFILE = "sendai"
    (tmp_path / "media" / "attachments").mkdir(parents=True)
    (tmp_path / "media" / "attachments" / "memo.txt").write_text("添付ファイルの本文\n")
    (tmp_path / "backups").mkdir()
    return settings


@pytest.fixture
def in_window():
    """Friday 2026-11-27 22:00 JST: inside the nightly window (time keeps moving)."""
    with time_machine.travel(datetime(2026, 11, 27, 22, 0, tzinfo=JST), tick=True):
        yield


@pytest.fixture
def office_hours():
    """Friday 2026-11-27 10:00 JST: desk hours."""
    with time_machine.travel(datetime(2026, 11, 27, 10, 0, tzinfo=JST), tick=True):
        yield
