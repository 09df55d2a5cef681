"""引継ぎ用の全データ出力（神戸 6.1）.

City admins (not vendor staff) request, approve (a second admin), start and download;
vendor staff see the state and progress so they can watch the job, but never the file.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import is_vendor, role_required, user_has_role
from core.forms import add_service_errors
from core.navigation import NavItem
from core.paging import page_of
from ops.forms.handover import HandoverRequestForm
from ops.models.handover import HandoverExport
from ops.selectors import handover as selectors
from ops.services import handover as services

VIEW_ROLES = (*roles.VENDOR_ROLES, roles.CITY_ADMIN)
Status = HandoverExport.Status

NAV_ITEMS = [
    NavItem(
        "ops_handover",
        gettext_lazy("引継ぎデータ出力"),
        "ops:handover_index",
        frozenset({*roles.VENDOR_ROLES, roles.CITY_ADMIN}),
        order=580,
    )
]


def may_act(user) -> bool:
    """The city's system administrators decide on the handover; vendor staff never do."""
    return user_has_role(user, roles.CITY_ADMIN) and not is_vendor(user)


def _index(request, form):
    page = page_of(selectors.handover_exports(), request.GET.get("page"))
    running = selectors.handover_running()
    return render(
        request,
        "ops/handover/index.html",
        {
            "page": page,
            "rows": list(page),
            "running": running,
            "form": form,
            "can_act": may_act(request.user),
        },
    )


@role_required(*VIEW_ROLES)
def handover_index(request):
    return _index(request, HandoverRequestForm() if may_act(request.user) else None)


@role_required(roles.CITY_ADMIN)
@require_POST
def handover_request(request):
    if not may_act(request.user):
        raise PermissionDenied
    form = HandoverRequestForm(request.POST)
    if form.is_valid():
        try:
            export = services.handover_request(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "引継ぎデータの出力を申請しました（#%(pk)s）。別のシステム管理者の承認を待ちます。"
                )
                % {"pk": export.pk},
            )
            return redirect("ops:handover_detail", pk=export.pk)
    return _index(request, form)


@role_required(*VIEW_ROLES)
def handover_detail(request, pk):
    export = get_object_or_404(selectors.handover_exports(), pk=pk)
    acting = may_act(request.user)
    stalled = services.is_stalled(export) if acting else False
    return render(
        request,
        "ops/handover/detail.html",
        {
            "export": export,
            "running": export.status == Status.RUNNING,
            "stalled": stalled,
            "can_approve": acting
            and export.status == Status.REQUESTED
            and export.requested_by_id != request.user.pk,
            "own_request": export.status == Status.REQUESTED
            and export.requested_by_id == request.user.pk,
            "can_start": acting and export.status == Status.APPROVED,
            "can_cancel": acting and export.status in (Status.REQUESTED, Status.APPROVED),
            "can_restart": acting and (export.status == Status.FAILED or stalled),
            "can_download": acting and export.has_file,
            "downloads": selectors.handover_downloads(export),
        },
    )


def _act(request, pk, service, done: str):
    if not may_act(request.user):
        raise PermissionDenied
    export = get_object_or_404(HandoverExport, pk=pk)
    try:
        service(export=export, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("ops:handover_detail", pk=pk)


@role_required(roles.CITY_ADMIN)
@require_POST
def handover_approve(request, pk):
    return _act(request, pk, services.handover_approve, _("承認しました。"))


@role_required(roles.CITY_ADMIN)
@require_POST
def handover_start(request, pk):
    return _act(
        request,
        pk,
        services.handover_start,
        _("出力を開始しました。この画面で進み具合を表示します。"),
    )


@role_required(roles.CITY_ADMIN)
@require_POST
def handover_restart(request, pk):
    return _act(request, pk, services.handover_restart, _("出力を最初からやり直します。"))


@role_required(roles.CITY_ADMIN)
@require_POST
def handover_cancel(request, pk):
    return _act(request, pk, services.handover_cancel, _("取り消しました。"))


@role_required(roles.CITY_ADMIN)
@require_POST
def handover_remove_file(request, pk):
    return _act(request, pk, services.handover_file_remove, _("出力ファイルを削除しました。"))


@role_required(roles.CITY_ADMIN)
def handover_download(request, pk):
    if not may_act(request.user):
        raise PermissionDenied
    export = get_object_or_404(HandoverExport, pk=pk)
    try:
        services.handover_download_record(export=export, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("ops:handover_detail", pk=pk)
    path = services.archive_path(export)
    return FileResponse(
        open(path, "rb"),  # FileResponse closes it
        as_attachment=True,
        filename=export.file_name,
        content_type="application/zip",
    )
