"""Backup pages: the generations and runs overview, taking a backup now, releasing a
system backup and (city admin only) restoring a generation."""

import secrets

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables

from accounts import roles
from accounts.access import is_vendor, role_required, user_has_role
from backups import restore, selectors, services, tasks
from backups.engine import BackupError
from backups.forms import BackupForm, RestoreForm
from backups.models import BackupRun, Drill, Event, Generation, Restore
from core import progress
from core.calendar import format_datetime, using_calendar
from core.paging import page_of

BACKUP_ROLES = (*roles.VENDOR_ROLES, roles.CITY_ADMIN)
MB = 1024**2
RESTORE_PAYLOAD_TTL = 600

EVENT_LABELS = {
    "release": gettext_lazy("解放"),
    "expire": gettext_lazy("世代超過で削除"),
    "force_window": gettext_lazy("業務時間帯に強制実行"),
    "recover": gettext_lazy("中断からの回復"),
    "verify_failed": gettext_lazy("検証失敗"),
    "restore": gettext_lazy("復元"),
    "restore_failed": gettext_lazy("復元失敗"),
    "restore_refused": gettext_lazy("復元を中止"),
}


def _may_restore(user) -> bool:
    """The city's system administrator decides on a restore; vendor staff never do."""
    return user_has_role(user, roles.CITY_ADMIN) and not is_vendor(user)


def _generation_row(generation: Generation) -> dict:
    return {
        "g": generation,
        "db_mb": generation.db_bytes / MB,
        "media_mb": generation.media_bytes / MB,
        "total_mb": generation.total_bytes / MB,
        "releasable": not generation.in_rotation and not generation.removed_at,
    }


def _run_row(run: BackupRun) -> dict:
    running = run.status == BackupRun.Status.RUNNING
    state = progress.read(f"backup:{run.pk}") if running else None
    return {
        "run": run,
        "running": running,
        "done_mb": (state or {}).get("done", 0) / MB if running else None,
    }


@role_required(*BACKUP_ROLES)
def index(request):
    now = timezone.now()
    with using_calendar():
        point = selectors.recovery_point(now)
        window_open, window_reason = services.window_status(now)
    nightly = selectors.next_nightly_run(now)
    page = page_of(selectors.generations(), request.GET.get("page"))
    runs = [_run_row(r) for r in selectors.recent_runs()]
    drills = selectors.recent_drills()
    restores = selectors.recent_restores()
    events = list(Event.objects.order_by("-at", "-pk")[:20])
    busy = (
        any(r["running"] for r in runs)
        or any(d.status == Drill.Status.RUNNING for d in drills)
        or any(r.status == Restore.Status.RUNNING for r in restores)
    )
    return render(
        request,
        "backups/index.html",
        {
            "point": point,
            "required_at": format_datetime(point.required),
            "newest_at": format_datetime(point.newest.started_at) if point.newest else "",
            "disk": selectors.disk_usage(),
            "next_nightly": format_datetime(nightly) if nightly else "",
            "keep": services.keep_generations(),
            "page": page,
            "rows": [_generation_row(g) for g in page],
            "runs": runs,
            "drills": drills,
            "restores": restores,
            "events": [{"e": e, "label": EVENT_LABELS.get(e.action, e.action)} for e in events],
            "busy": busy,
            "form": BackupForm(window_open=window_open, window_reason=window_reason),
            "can_restore": _may_restore(request.user),
        },
    )


@role_required(*BACKUP_ROLES)
def create(request):
    window_open, window_reason = services.window_status(timezone.now())
    form = BackupForm(request.POST or None, window_open=window_open, window_reason=window_reason)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = services.actor_label(request.user)
        transaction.on_commit(
            lambda: tasks.backup_on_request.delay(
                data["kind"],
                requested_by=actor,
                label=data["label"],
                change_ref=data["change_ref"],
                force_window=data["force_window"],
            )
        )
        messages.success(request, _("バックアップを開始しました"))
        return redirect("backups:index")
    return render(request, "backups/create.html", {"form": form})


@role_required(*BACKUP_ROLES)
def release(request, name):
    generation = get_object_or_404(Generation, name=name)
    if request.method != "POST":
        return render(request, "backups/release_confirm.html", {"row": _generation_row(generation)})
    try:
        services.generation_release(generation=generation, actor=services.actor_label(request.user))
    except BackupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("世代 %(name)s を解放しました。") % {"name": name})
    return redirect("backups:index")


@role_required(roles.CITY_ADMIN)
@sensitive_variables("form", "data", "payload")
def restore_generation(request, name):
    if not _may_restore(request.user):
        raise PermissionDenied
    generation = get_object_or_404(Generation, name=name)
    if generation.removed_at:
        messages.error(request, _("この世代はすでに削除されています。"))
        return redirect("backups:index")
    form = RestoreForm(request.POST or None, request.FILES or None, generation=generation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        token = secrets.token_urlsafe(32)
        payload = {
            "generation_id": generation.pk,
            "actor": services.actor_label(request.user),
            "reason": data["reason"],
            "incident_number": data["incident_number"].strip(),
            "force": data["force"],
            "key": data["identity"],
        }
        if cache.add(tasks.restore_payload_key(token), payload, RESTORE_PAYLOAD_TTL):
            transaction.on_commit(lambda: tasks.restore_on_request.delay(token))
            messages.success(
                request,
                _(
                    "世代 %(name)s の復元を開始しました。結果は下の「復元」と「操作記録」に表示されます。"
                )
                % {"name": name},
            )
            return redirect("backups:index")
        form.add_error(
            None,
            _("鍵を一時的に預ける領域（Redis）に接続できません。時間をおいてやり直してください。"),
        )
    return render(
        request,
        "backups/restore.html",
        {"form": form, "preview": restore.restore_preview(generation), "g": generation},
    )
