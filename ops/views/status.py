from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts import roles
from accounts.access import role_required
from core.health import run_checks

CHECK_LABELS = {
    "database": _("データベース (PostgreSQL)"),
    "redis": _("キャッシュ・キュー (Redis)"),
    "celery_worker": _("バックグラウンド処理 (Celery worker)"),
    "celery_beat": _("定期実行 (Celery beat)"),
    "backup_disk": _("バックアップ領域の空き容量"),
    "backups": _("バックアップ（夜間の実行・復旧時点・世代の検証）"),
}


@role_required(roles.VENDOR_OPERATOR, roles.VENDOR_MANAGER, roles.CITY_ADMIN)
def system_status(request):
    checks = [
        {"label": CHECK_LABELS.get(r.name, r.name), "ok": r.ok, "detail": r.detail}
        for r in run_checks()
    ]
    return render(request, "ops/status.html", {"checks": checks})
