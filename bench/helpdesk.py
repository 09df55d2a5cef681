"""Help-desk screens at volume under gunicorn: the inquiry list and keyword search.

Needs the synthetic volume (`manage.py seed_demo && manage.py seed_helpdesk_volume`).
Starts gunicorn (deploy/gunicorn.conf.py) on a free local port, logs in through
the login form as 900007 (vendor operator: sees every inquiry), then measures
  - at 1 client: ~200 sequential requests (after a short warm-up), and
  - at 50 clients: wrk -t2 -c50 for 20 s, cycling through the same paths with
    the logged-in session's cookie (a small Lua script written to a temp file),
for three screens:
  - list: `/helpdesk/` with the default filters (50 a page), a quarter of the
    requests the first page and the rest `?page=N` for random N;
  - keyword list: `/helpdesk/?q=<word>`;
  - cross search: `/helpdesk/search/?q=<word>` (inquiries, slips, FAQ);
words are drawn from the generator's phrase pools (helpdesk.volume.KEYWORDS:
2-6 characters, kana and kanji), so every search finds something.

    eval "$(bash scripts/dev.sh env)"; .venv/bin/python bench/helpdesk.py [requests] [seconds]
BENCH_WSGI=module:application serves another WSGI entry point (e.g. one that patches a
candidate fix in, on PYTHONPATH) so a fix can be measured before the page code changes.
Targets: list p95 < 100 ms and keyword search p95 < 300 ms at 1 client; p95 < 1 s at
50 clients.
"""

import math
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

from helpdesk.models import Countermeasure, Faq, Inquiry, LiaisonSlip  # noqa: E402
from helpdesk.views._common import PAGE_SIZE  # noqa: E402
from helpdesk.volume import KEYWORDS  # noqa: E402

OPERATOR = "900007"
TARGETS_1 = {"list": 100, "keyword list": 300, "cross search": 300}
TARGET_50 = 1000
rng = random.Random(2026)


def start_gunicorn(port):
    """As bench/cases.py: wait for a slow first response, always stop the server
    if it does not come up."""
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
            os.environ.get("BENCH_WSGI", "config.wsgi:application"),
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


def _script(word):
    kana = all("\u3041" <= ch <= "\u30ff" for ch in word)
    kanji = all("\u4e00" <= ch <= "\u9fff" for ch in word)
    if kana:
        return "kana"
    if kanji:
        # 2 characters give pg_trgm no trigram to look up
        return "kanji 2字" if len(word) == 2 else "kanji 3字+"
    return "mixed"


def list_paths(n, pages):
    paths = []
    for i in range(n):
        if i % 4 == 0:
            paths.append(("first page", "/helpdesk/"))
        else:
            page = rng.randint(1, pages)
            paths.append(("random page", f"/helpdesk/?page={page}"))
    return paths


def keyword_paths(prefix, n):
    words = []
    while len(words) < n:
        batch = KEYWORDS[:]
        rng.shuffle(batch)
        words += batch
    return [(_script(w), prefix + urlencode({"q": w})) for w in words[:n]]


# --- measuring ---------------------------------------------------------------------

CHECK = {
    "list": 'id="inquiries"',
    "keyword list": 'id="inquiries"',
    "cross search": "横断検索",
}
EMPTY = {
    "keyword list": "該当する問合せはありません",
    "cross search": "問合せ（0）",
}


def run_sequential(base, session, paths, requests_n, screen, warmup=20):
    for _, path in (paths * (warmup // max(len(paths), 1) + 1))[:warmup]:
        session.get(base + path)
    samples, by_kind, errors, empty = [], defaultdict(list), 0, 0
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
        elif screen in EMPTY and EMPTY[screen] in r.text:
            empty += 1
    wall = time.perf_counter() - t0
    result = summary_ms(samples)
    result.update(rps=len(samples) / wall, errors=errors, empty=empty)
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
        "inquiries": Inquiry.objects.count(),
        "open": Inquiry.objects.filter(status__in=Inquiry.OPEN_STATUSES).count(),
        "fiscal_years": Inquiry.objects.values("fiscal_year").distinct().count(),
        "slips": LiaisonSlip.objects.count(),
        "countermeasures": Countermeasure.objects.count(),
        "faqs": Faq.objects.count(),
        "published": Faq.objects.filter(status=Faq.Status.PUBLISHED).count(),
    }


def fmt(r):
    return f"{r['p50']:7.1f} {r['p95']:7.1f} {r['p99']:7.1f} {r['rps']:6.0f}/s err {r['errors']}"


def main():
    requests_n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    vol = volume()
    if vol["inquiries"] < 1000:
        sys.exit("run `manage.py seed_demo` and `manage.py seed_helpdesk_volume` first")
    pages = math.ceil(vol["inquiries"] / PAGE_SIZE)
    plan = [
        ("list", list_paths(requests_n, pages)),
        ("keyword list", keyword_paths("/helpdesk/?", requests_n)),
        ("cross search", keyword_paths("/helpdesk/search/?", requests_n)),
    ]
    port = free_port()
    proc, base = start_gunicorn(port)
    results = []
    try:
        session = login(base, OPERATOR)
        for screen, paths in plan:
            one = run_sequential(base, session, paths, requests_n, screen)
            fifty = run_wrk(base, session, paths, seconds) if shutil.which("wrk") else None
            results.append((screen, one, fifty))
            print(f"{screen:12s}: 1 client {fmt(one)}", flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)

    print()
    print(
        f"volume: {vol['inquiries']:,} inquiries over {vol['fiscal_years']} fiscal years "
        f"({vol['open']:,} open, {pages:,} pages of {PAGE_SIZE}), {vol['slips']:,} slips "
        f"({vol['countermeasures']:,} countermeasures), {vol['faqs']:,} FAQ "
        f"({vol['published']:,} published)"
    )
    print(
        f"| screen ({OPERATOR}) | 1 client p50 / p95 / p99 ms | "
        "50 clients p50 / p95 / p99 ms (req/s, errors) | target p95 (1 / 50) |"
    )
    print("|---|---|---|---|")
    missed = []
    for screen, one, fifty in results:
        target = TARGETS_1[screen]
        cell50 = (
            f"{fifty['p50']:.1f} / {fifty['p95']:.1f} / {fifty['p99']:.1f} "
            f"({fifty['rps']:.0f} req/s, {fifty['errors']} errors, n={fifty['n']})"
            if fifty
            else "wrk not installed"
        )
        empty = f", {one['empty']} without hits" if screen in EMPTY else ""
        print(
            f"| {screen} | {one['p50']:.1f} / {one['p95']:.1f} / {one['p99']:.1f} "
            f"(n={one['n']}, {one['errors']} errors{empty}) | {cell50} | < {target} / < {TARGET_50} |"
        )
        if one["p95"] >= target:
            missed.append(f"{screen} 1 client p95 {one['p95']:.0f} ms >= {target} ms")
        if fifty and fifty["p95"] >= TARGET_50:
            missed.append(f"{screen} 50 clients p95 {fifty['p95']:.0f} ms >= {TARGET_50} ms")
        for kind, r in sorted(one["by_kind"].items()):
            print(
                f"|   {screen} by query: {kind} | "
                f"{r['p50']:.1f} / {r['p95']:.1f} / {r['p99']:.1f} (n={r['n']}) | | |"
            )
    print()
    print("targets missed: " + ("; ".join(missed) if missed else "none"))
    return results


if __name__ == "__main__":
    main()
