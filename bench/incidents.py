"""Incidents at ten years' volume: availability() in process, and the board under gunicorn.

Needs the synthetic volume (`manage.py seed_demo && manage.py seed_incident_volume`).
(a) availability() for the last full month and for the last 12 months (20 repetitions
    each, after one warm-up), with the gap search over the minute-level health samples;
(b) the board /incidents/ under gunicorn (deploy/gunicorn.conf.py), logged in through
    the login form as 900007 (vendor operator): 1 client ~200 sequential requests,
    then wrk -t2 -c50 for 20 s with the session's cookie.

    eval "$(bash scripts/dev.sh env)"; .venv/bin/python bench/incidents.py [requests] [seconds]
Targets: board p95 < 100 ms at 1 client; availability month < 200 ms, year < 1 s (p95).
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

from _common import ROOT, setup_django, summary_ms

setup_django()

import requests  # noqa: E402
from django.db import reset_queries  # noqa: E402
from django.utils import timezone  # noqa: E402
from home_page import free_port, login  # noqa: E402

from core.timeutil import JST  # noqa: E402
from incidents.availability import availability  # noqa: E402
from incidents.models import HealthSample, Incident, PlannedStop, StopInterval  # noqa: E402

USER = "900007"
TARGET_BOARD = 100
TARGET_AVAIL = {"month": 200, "year": 1000}
REPS = 20


def periods():
    now = timezone.now().astimezone(JST)
    month_end = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month_start = (month_end - timedelta(days=1)).replace(day=1)
    year_start = month_end.replace(year=month_end.year - 1)
    return {"month": (month_start, month_end), "year": (year_start, month_end)}


def bench_availability():
    out = {}
    for name, (start, end) in periods().items():
        availability(start=start, end=end)  # warm-up
        samples = []
        for _ in range(REPS):
            t = time.perf_counter()
            result = availability(start=start, end=end)
            samples.append(time.perf_counter() - t)
            reset_queries()
        out[name] = (summary_ms(samples), result, start, end)
    return out


def start_gunicorn(port):
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "HTTPS_ONLY": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/login/", timeout=10).status_code == 200:
                return proc, base
        except requests.RequestException:
            pass
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    raise RuntimeError("gunicorn did not start")


def run_sequential(base, session, requests_n, warmup=20):
    for _ in range(warmup):
        session.get(base + "/incidents/")
    samples, errors = [], 0
    t0 = time.perf_counter()
    for _ in range(requests_n):
        s = time.perf_counter()
        r = session.get(base + "/incidents/")
        samples.append(time.perf_counter() - s)
        if r.status_code != 200 or 'id="incident-' not in r.text:
            errors += 1
    result = summary_ms(samples)
    result.update(rps=len(samples) / (time.perf_counter() - t0), errors=errors)
    return result


LUA = """
request = function()
  return wrk.format("GET", "/incidents/")
end
"""


def run_wrk(base, session, seconds, connections=50):
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    lua = LUA + (ROOT / "bench" / "wrk_report.lua").read_text()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
        script = f.name
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{connections}",
                f"-d{seconds}s",
                "--timeout",
                "10s",
                "-s",
                script,
                "-H",
                f"Cookie: {cookie}",
                base + "/",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script)
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    fields = dict(item.split("=") for item in line.split()[1:])
    n = int(fields["requests"])
    return {
        "n": n,
        "p50": float(fields["p50"]),
        "p95": float(fields["p95"]),
        "p99": float(fields["p99"]),
        "rps": n / (int(fields["duration_us"]) / 1e6),
        "errors": int(fields["errors"]),
    }


def main():
    requests_n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    vol = {
        "incidents": Incident.objects.count(),
        "not closed": Incident.objects.exclude(status=Incident.Status.CLOSED).count(),
        "stops": StopInterval.objects.count(),
        "planned": PlannedStop.objects.count(),
        "samples": HealthSample.objects.count(),
    }
    if vol["samples"] < 100_000:
        sys.exit("run `manage.py seed_demo` and `manage.py seed_incident_volume` first")
    print("volume: " + ", ".join(f"{k} {v:,}" for k, v in vol.items()), flush=True)
    missed = []
    avail = bench_availability()
    for name, (r, result, start, end) in avail.items():
        print(
            f"availability {name} {start:%Y-%m-%d}..{end:%Y-%m-%d}: p50 {r['p50']:.1f} "
            f"p95 {r['p95']:.1f} p99 {r['p99']:.1f} ms (ratio {result.ratio:.5f}, "
            f"gaps {len(result.gaps)})",
            flush=True,
        )
        if r["p95"] >= TARGET_AVAIL[name]:
            missed.append(f"availability {name} p95 {r['p95']:.0f} ms >= {TARGET_AVAIL[name]}")
    port = free_port()
    proc, base = start_gunicorn(port)
    try:
        session = login(base, USER)
        one = run_sequential(base, session, requests_n)
        print(
            f"board 1 client: p50 {one['p50']:.1f} p95 {one['p95']:.1f} p99 {one['p99']:.1f} ms "
            f"({one['rps']:.0f} req/s, {one['errors']} errors)",
            flush=True,
        )
        fifty = run_wrk(base, session, seconds) if shutil.which("wrk") else None
        if fifty:
            print(
                f"board 50 clients: p50 {fifty['p50']:.1f} p95 {fifty['p95']:.1f} "
                f"p99 {fifty['p99']:.1f} ms ({fifty['rps']:.0f} req/s, {fifty['errors']} errors, "
                f"n={fifty['n']})",
                flush=True,
            )
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    if one["p95"] >= TARGET_BOARD:
        missed.append(f"board 1 client p95 {one['p95']:.0f} ms >= {TARGET_BOARD}")
    print("targets missed: " + ("; ".join(missed) if missed else "none"))


if __name__ == "__main__":
    main()
