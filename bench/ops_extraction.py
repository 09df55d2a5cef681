"""Data extraction (データ抽出) of 10,000 cases at big-city volume: time and peak memory.

Needs the synthetic volume (`manage.py seed_demo && manage.py seed_volume`; the case
list does not read progress notes, so `seed_volume --notes 300000` is enough). The
requester is demo supervisor 900002 (相談第一係, ~60,000 visible cases); the receipt
period is chosen so that it holds about N of their cases (the newest ones). Inside one
transaction that is rolled back at the end: request → approval by a city admin (900006)
→ 実行 by the vendor (900007; the job is not published, the rollback drops the outbox
row) → the job body (``ops.services.extraction.extraction_execute``, run here in-process,
as the Celery task would) → one download (a read-log row per case). The file is written
to a temporary MEDIA_ROOT that is deleted afterwards.

Do not run it on the shared development database: use a database of your own, e.g.

    eval "$(bash scripts/dev.sh env)"
    .venv/bin/python manage.py dbshell -- -c 'CREATE DATABASE childcase_bench'
    export DATABASE_URL="${DATABASE_URL%/*}/childcase_bench" REDIS_URL="${REDIS_URL%/*}/14"
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py seed_demo
    .venv/bin/python manage.py seed_volume --notes 300000
    .venv/bin/python bench/ops_extraction.py [cases=10000] [xlsx|csv]

(from the repository root, like the other bench scripts).

Target (issue 9): an extraction of 10,000 cases < 30 s. Peak memory is the process RSS
sampled every 20 ms during the job (baseline: after Django setup and the lookups).
"""

import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import setup_django

setup_django()

import psutil  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from accounts.models import User  # noqa: E402
from cases.access import visible_q  # noqa: E402
from cases.models import Consultation  # noqa: E402
from core.models import AccessLog  # noqa: E402
from core.timeutil import now_jst, to_jst  # noqa: E402
from ops.models import ExtractionRequest  # noqa: E402
from ops.services import extraction as services  # noqa: E402

REQUESTER, APPROVER, VENDOR = "900002", "900006", "900007"
TARGET_SECONDS = 30


class Rollback(Exception):
    pass


class PeakRss:
    def __init__(self, every=0.02):
        self.process = psutil.Process()
        self.every = every
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(self.every)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def user(number):
    found = User.objects.filter(employee_number=number).first()
    if found is None:
        sys.exit(f"user {number} not found: run `manage.py seed_demo` (and seed_volume) first")
    return found


def period_for(requester, n):
    condition = visible_q(requester)
    if condition is None:
        sys.exit(f"{requester} sees no cases")
    visible = Consultation.objects.filter(condition)
    oldest = (
        visible.order_by("-received_at").values_list("received_at", flat=True)[n - 1 : n].first()
    )
    if oldest is None:
        sys.exit(
            f"{requester} sees fewer than {n:,} cases: run `manage.py seed_volume` first "
            f"({visible.count():,} visible)"
        )
    start = to_jst(oldest).date()
    end = max(now_jst().date(), to_jst(visible.order_by("-received_at")[0].received_at).date())
    return start, end


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    fmt = sys.argv[2] if len(sys.argv) > 2 else "xlsx"
    requester, approver, vendor = user(REQUESTER), user(APPROVER), user(VENDOR)
    start, end = period_for(requester, n)
    media = Path(tempfile.mkdtemp(prefix="bench-extract-"))
    settings.MEDIA_ROOT = str(media)
    db = connection.settings_dict["NAME"]
    print(f"database {db}; requester {requester}; period {start}〜{end}; {fmt}")
    try:
        with transaction.atomic():
            extraction = services.extraction_request_create(
                requester=requester,
                definition_code="cases.consultation_list",
                parameters={"received_from": start.isoformat(), "received_to": end.isoformat()},
                columns=None,
                output_format=fmt,
                purpose="性能測定（ベンチマーク）",
            )
            extraction = services.extraction_request_approve(
                extraction=extraction, approver=approver, expected_version=extraction.version
            )
            extraction = services.extraction_run_start(
                extraction=extraction, operator=vendor, expected_version=extraction.version
            )
            baseline = psutil.Process().memory_info().rss
            with PeakRss() as rss:
                t0 = time.perf_counter()
                extraction = services.extraction_execute(request_id=extraction.pk)
                t1 = time.perf_counter()
            if extraction.status != ExtractionRequest.Status.SUCCEEDED:
                raise SystemExit(f"extraction {extraction.status}: {extraction.error}")
            path = media / extraction.file.name
            request = RequestFactory().get("/ops/extracts/", REMOTE_ADDR="127.0.0.1")
            request.user = requester
            logs_before = AccessLog.objects.count()
            t2 = time.perf_counter()
            services.extraction_download(extraction=extraction, user=requester, request=request)
            t3 = time.perf_counter()
            logged = AccessLog.objects.count() - logs_before
            run_s = t1 - t0
            print(
                f"extraction: {extraction.row_count:,} rows / {extraction.object_count:,} cases "
                f"in {run_s:.2f} s ({extraction.row_count / run_s:,.0f} rows/s), "
                f"file {path.stat().st_size / 1024**2:.1f} MB"
            )
            print(
                f"peak RSS {rss.peak / 1024**2:.0f} MB "
                f"(+{(rss.peak - baseline) / 1024**2:.0f} MB over {baseline / 1024**2:.0f} MB)"
            )
            print(f"download: {logged:,} read-log rows written in {t3 - t2:.2f} s")
            verdict = "met" if run_s < TARGET_SECONDS else "MISSED"
            print(f"target < {TARGET_SECONDS} s: {verdict}")
            raise Rollback
    except Rollback:
        pass
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
