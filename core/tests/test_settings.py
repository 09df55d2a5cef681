import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "import django; django.setup(); from django.conf import settings; print(settings.TIME_ZONE)"


def _run(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update({"ENV_FILE": "/dev/null", "DJANGO_SETTINGS_MODULE": "config.settings", **overrides})
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_refuses_to_start_with_debug_off_and_no_secret_key():
    result = _run(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_starts_with_a_secret_key_and_uses_tokyo_time():
    result = _run(DEBUG="0", SECRET_KEY="x" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Asia/Tokyo"


def test_rejects_an_unknown_city_profile():
    result = _run(SECRET_KEY="x" * 50, CITY_PROFILE="osaka")
    assert result.returncode != 0
    assert "CITY_PROFILE" in result.stderr
