"""Request-accounting overhead per request.

Runs the accounting middleware around a view that does nothing else, in
process, against the real Redis (and, for the fallback, the real PostgreSQL),
and reports the time the middleware adds per request.

    make bench            (runs every benchmark)
    .venv/bin/python bench/request_accounting.py [requests]
"""

import sys
import time
from types import SimpleNamespace

from _common import setup_django, summary_ms

setup_django()

from django.conf import settings  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from core import request_log  # noqa: E402
from core.middleware import RequestAccountingMiddleware  # noqa: E402

VIEW_NAME = "bench:noop"


def noop_view(request):
    return HttpResponse(b"ok")


def measure(n: int):
    factory = RequestFactory()
    match = SimpleNamespace(view_name=VIEW_NAME)
    bare, accounted = [], []
    middleware = RequestAccountingMiddleware(noop_view)
    for _ in range(n):
        request = factory.get("/")
        request.resolver_match = match
        t0 = time.perf_counter()
        noop_view(request)
        t1 = time.perf_counter()
        middleware(request)
        t2 = time.perf_counter()
        bare.append(t1 - t0)
        accounted.append(t2 - t1)
    overhead = [a - b for a, b in zip(accounted, bare, strict=True)]
    return summary_ms(overhead)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    settings.REQUEST_LOG_BUFFER_KEY = "bench:requestlog"
    client = request_log.redis_client()
    client.delete(settings.REQUEST_LOG_BUFFER_KEY)
    measure(500)  # warm up connections
    redis_path = measure(n)
    client.delete(settings.REQUEST_LOG_BUFFER_KEY)

    # Fallback path: Redis unreachable, rows go straight to PostgreSQL.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    fallback_n = min(n, 2000)
    fallback = measure(fallback_n)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DELETE FROM core_requestlog WHERE view_name = %s", [VIEW_NAME])

    print(
        f"request accounting overhead, Redis buffer ({redis_path['n']} requests): "
        f"p50 {redis_path['p50']:.3f} ms, p95 {redis_path['p95']:.3f} ms, "
        f"p99 {redis_path['p99']:.3f} ms"
    )
    print(
        f"request accounting overhead, Redis down -> direct insert ({fallback['n']} requests): "
        f"p50 {fallback['p50']:.3f} ms, p95 {fallback['p95']:.3f} ms, p99 {fallback['p99']:.3f} ms"
    )
    return redis_path, fallback


if __name__ == "__main__":
    main()
