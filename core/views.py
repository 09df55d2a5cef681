from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import check_database, run_checks


@never_cache
@require_GET
def healthz(request):
    # ?scope=web is for load balancers: whether this node can serve pages. Shared
    # parts (Redis, workers, beat, backup disk) would otherwise pull every node
    # out of the pool at once when one of them blips.
    results = [check_database()] if request.GET.get("scope") == "web" else run_checks()
    ok = all(r.ok for r in results)
    body = {
        "status": "ok" if ok else "error",
        "checks": {r.name: {"ok": r.ok, "detail": r.detail} for r in results},
        "failing": [r.name for r in results if not r.ok],
    }
    return JsonResponse(body, status=200 if ok else 503)
