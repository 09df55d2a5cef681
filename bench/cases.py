"""Case screens at big-city volume under gunicorn: search, case detail, dashboard.

Needs the synthetic volume (`manage.py seed_demo && manage.py seed_volume`).
Starts gunicorn (deploy/gunicorn.conf.py) on a free local port, logs in through
the login form as 900001 (caseworker, 相談第一係) and 900002 (its supervisor),
then measures each screen
  - at 1 client: ~200 sequential requests (after a short warm-up), and
  - at 50 clients: wrk -t2 -c50 for 20 s, cycling through the same paths with
    the logged-in session's cookie (a small Lua script written to a temp file).
Search queries are taken from the data (kana and kanji partial names, number
prefixes, birth dates), so they hit results; detail pages are 900001's open cases.

    eval "$(bash scripts/dev.sh env)"; .venv/bin/python bench/cases.py [requests] [seconds]
Targets at 1 client: search p95 < 300 ms, detail p95 < 150 ms, dashboard p95 < 200 ms;
at 50 clients: p95 < 1 s each.
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from urllib.parse import urlencode

from _common import ROOT, setup_django, summary_ms

setup_django()

import requests  # noqa: E402
from home_page import free_port, login  # noqa: E402

from cases.models import CaseAssignment, Consultation, Person, ProgressNote  # noqa: E402

CASEWORKER, SUPERVISOR = "900001", "900002"
TARGETS_1 = {"search": 300, "detail": 150, "dashboard": 200}
TARGET_50 = 1000
rng = random.Random(2026)


def start_gunicorn(port):
    """As bench/home_page.py, but a slow first response (a worker still importing)
    is waited for, and the server is always stopped if it does not come up."""
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


# --- what to request ---------------------------------------------------------------


def _sample_cases(n):
    lo = Consultation.objects.order_by("pk").values_list("pk", flat=True).first()
    hi = Consultation.objects.order_by("-pk").values_list("pk", flat=True).first()
    pks = rng.sample(range(lo, hi + 1), min(n * 2, hi - lo + 1))
    found = list(
        Consultation.objects.filter(pk__in=pks)
        .select_related("child")
        .only("number", "child__name", "child__name_kana", "child__birth_date")
    )
    rng.shuffle(found)
    return found[:n]


def _split(name):
    for sep in ("　", " "):
        if sep in name:
            head, tail = name.split(sep, 1)
            return head, tail
    return name, ""


def search_queries(n=200):
    """(kind, query string) pairs drawn from real rows, so every search finds something."""
    queries = []
    for i, case in enumerate(_sample_cases(n)):
        child = case.child
        kind = ("kana", "kanji", "number", "birth_date")[i % 4]
        if kind == "kana":
            surname, given = _split(child.name_kana)
            # 名字＋名の頭2文字, or the given name alone (a partial search with more hits)
            q = f"{surname} {given[:2]}" if rng.random() < 0.6 else given
            params = {"q": q}
        elif kind == "kanji":
            surname, given = _split(child.name)
            params = {"q": f"{surname}{given[:1]}" if rng.random() < 0.6 else surname}
        elif kind == "number":
            # 4 or 3 digits of the sequence: 10 or 100 numbers share the prefix
            cut = 9 if rng.random() < 0.5 else 8
            params = {"number": case.number[:cut]}
        else:
            if child.birth_date is None:
                continue
            params = {"birth_date": child.birth_date.isoformat()}
        queries.append((kind, "/cases/search/?" + urlencode(params)))
    return queries


def detail_paths(employee_number):
    pks = list(
        CaseAssignment.objects.filter(
            user__employee_number=employee_number, ended_at__isnull=True
        ).values_list("consultation_id", flat=True)
    )
    rng.shuffle(pks)
    return [("detail", f"/cases/{pk}/") for pk in pks]


# --- measuring ---------------------------------------------------------------------


CHECK = {
    "search": "ケース検索",
    "detail": 'id="notes"',
    "dashboard": 'id="my-cases"',
}


def run_sequential(base, session, paths, requests_n, screen, warmup=20):
    for _, path in (paths * (warmup // max(len(paths), 1) + 1))[:warmup]:
        session.get(base + path)
    samples, by_kind, errors = [], defaultdict(list), 0
    t0 = time.perf_counter()
    for i in range(requests_n):
        kind, path = paths[i % len(paths)]
        s = time.perf_counter()
        r = session.get(base + path)
        elapsed = time.perf_counter() - s
        samples.append(elapsed)
        by_kind[kind].append(elapsed)
        if r.status_code != 200 or CHECK[screen] not in r.text:
            errors += 1
    wall = time.perf_counter() - t0
    result = summary_ms(samples)
    result.update(rps=len(samples) / wall, errors=errors)
    result["by_kind"] = {k: summary_ms(v) for k, v in by_kind.items()} if len(by_kind) > 1 else {}
    return result


LUA = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def run_wrk(base, session, paths, seconds, connections=50):
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    report = (ROOT / "bench" / "wrk_report.lua").read_text()
    lua = LUA % ", ".join(f'"{p}"' for _, p in paths) + report
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
        "max": float(fields["max"]),
        "rps": n / (int(fields["duration_us"]) / 1e6),
        "errors": int(fields["errors"]),
    }


def volume():
    return {
        "children": Consultation.objects.values("child_id").distinct().count(),
        "people": Person.objects.count(),
        "consultations": Consultation.objects.count(),
        "open": Consultation.objects.exclude(status="closed").count(),
        "notes": ProgressNote.objects.count(),
    }


def fmt(r):
    return f"{r['p50']:7.1f} {r['p95']:7.1f} {r['p99']:7.1f} {r['rps']:6.0f}/s err {r['errors']}"


def main():
    requests_n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    vol = volume()
    if vol["consultations"] < 1000:
        sys.exit("run `manage.py seed_demo` and `manage.py seed_volume` first")
    searches = search_queries(requests_n)
    details = detail_paths(CASEWORKER)
    if not details:
        sys.exit(f"{CASEWORKER} has no open cases: run `manage.py seed_volume`")
    plan = [
        # (screen, user, paths)
        ("search", CASEWORKER, searches),
        ("search", SUPERVISOR, searches),
        ("detail", CASEWORKER, details),
        ("dashboard", CASEWORKER, [("dashboard", "/cases/")]),
        ("dashboard", SUPERVISOR, [("dashboard", "/cases/")]),
    ]
    port = free_port()
    proc, base = start_gunicorn(port)
    results = []
    try:
        sessions = {u: login(base, u) for u in (CASEWORKER, SUPERVISOR)}
        for screen, user, paths in plan:
            one = run_sequential(base, sessions[user], paths, requests_n, screen)
            fifty = run_wrk(base, sessions[user], paths, seconds) if shutil.which("wrk") else None
            results.append((screen, user, one, fifty))
            print(f"{screen:9s} {user}: 1 client {fmt(one)}", flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

    print()
    print(
        f"volume: {vol['children']:,} children ({vol['people']:,} people), "
        f"{vol['consultations']:,} consultations ({vol['open']:,} open), {vol['notes']:,} notes"
    )
    print(
        "| screen | user | 1 client p50 / p95 / p99 ms | 50 clients p50 / p95 / p99 ms (req/s, errors) | target p95 (1 / 50) |"
    )
    print("|---|---|---|---|---|")
    missed = []
    for screen, user, one, fifty in results:
        target = TARGETS_1[screen]
        cell50 = (
            f"{fifty['p50']:.1f} / {fifty['p95']:.1f} / {fifty['p99']:.1f} "
            f"({fifty['rps']:.0f} req/s, {fifty['errors']} errors, n={fifty['n']})"
            if fifty
            else "wrk not installed"
        )
        print(
            f"| {screen} | {user} | {one['p50']:.1f} / {one['p95']:.1f} / {one['p99']:.1f} "
            f"(n={one['n']}, {one['errors']} errors) | {cell50} | < {target} / < {TARGET_50} |"
        )
        if one["p95"] >= target:
            missed.append(f"{screen} {user} 1 client p95 {one['p95']:.0f} ms >= {target} ms")
        if fifty and fifty["p95"] >= TARGET_50:
            missed.append(f"{screen} {user} 50 clients p95 {fifty['p95']:.0f} ms >= {TARGET_50}")
        for kind, r in one["by_kind"].items():
            print(
                f"|   {screen} by query: {kind} | {user} | "
                f"{r['p50']:.1f} / {r['p95']:.1f} / {r['p99']:.1f} (n={r['n']}) | | |"
            )
    print()
    print("targets missed: " + ("; ".join(missed) if missed else "none"))
    return results


if __name__ == "__main__":
    main()
