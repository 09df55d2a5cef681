"""Home page latency under gunicorn at 1 and 50 concurrent clients.

Starts gunicorn (deploy/gunicorn.conf.py) on a free local port against the
local database, logs in one demo user per client through the login form, then
requests the home page. Needs `manage.py seed_demo` (make bench does it).

    make bench
    .venv/bin/python bench/home_page.py [requests_per_client_at_50]
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import requests
from _common import ROOT, summary_ms

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2026")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{base}/login/", timeout=1)
            return proc, base
        except requests.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def login(base, employee_number):
    s = requests.Session()
    page = s.get(f"{base}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(
        f"{base}/login/",
        data={"username": employee_number, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
        allow_redirects=False,
    )
    if r.status_code != 302:
        raise RuntimeError(f"login failed for {employee_number}: {r.status_code}")
    return s


def run(base, sessions, per_client):
    samples, errors = [], []
    lock = threading.Lock()

    def client(s):
        local = []
        for _ in range(per_client):
            t0 = time.perf_counter()
            r = s.get(f"{base}/")
            local.append(time.perf_counter() - t0)
            if r.status_code != 200 or "ホーム" not in r.text:
                errors.append(r.status_code)
        with lock:
            samples.extend(local)

    threads = [threading.Thread(target=client, args=(s,)) for s in sessions]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    result = summary_ms(samples)
    result["rps"] = len(samples) / wall
    result["errors"] = len(errors)
    return result


def run_wrk(base, session, connections, seconds):
    """50 clients from wrk (C, epoll): the load generator barely competes for CPU."""
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(ROOT / "bench" / "wrk_report.lua"),
            "-H",
            f"Cookie: {cookie}",
            f"{base}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    fields = dict(item.split("=") for item in line.split()[1:])
    n = int(fields["requests"])
    return {
        "n": n,
        "p50": float(fields["p50"]),
        "p95": float(fields["p95"]),
        "p99": float(fields["p99"]),
        "max": float(fields["max"]),
        "rps": n / (int(fields["duration_us"]) / 1e6),
        "errors": int(fields["errors"]),
    }


def main():
    per_client_50 = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    port = free_port()
    proc, base = start_gunicorn(port)
    try:
        users = [str(100001 + i) for i in range(50)]
        sessions = [login(base, u) for u in users]
        run(base, sessions[:1], 20)  # warm up every worker's connections
        one = run(base, sessions[:1], 300)
        if shutil.which("wrk"):
            label50 = "50 clients (wrk, one session)"
            fifty = run_wrk(base, sessions[0], 50, 20)
        else:
            label50 = "50 clients (Python threads, 50 sessions)"
            fifty = run(base, sessions, per_client_50)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    for label, r in (("1 client", one), (label50, fifty)):
        print(
            f"home page, {label}: {r['n']} requests, p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, "
            f"p99 {r['p99']:.1f} ms, {r['rps']:.0f} req/s, errors {r['errors']}"
        )
    return one, fifty


if __name__ == "__main__":
    main()
