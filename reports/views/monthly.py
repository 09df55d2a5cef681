"""定例報告会議 報告書（図表7-1）: issue a month's report (a job with a progress bar; the page
refreshes itself while it runs), its revisions, and the downloads.

Vendor staff and city admins issue; meeting attendees read and download issued revisions.
Every download is logged with the checksum served.
"""

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from core import progress
from core.audit import log_access
from core.forms import add_service_errors
from core.navigation import NavItem
from core.paging import page_of
from core.timeutil import now_jst
from reports.forms.pack import MonthlyReportForm
from reports.selectors import monthly as selectors
from reports.selectors.statistics import previous_month
from reports.services import monthly as services

REFRESH_SECONDS = 2
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "zip": "application/zip",
}

NAV_ITEMS = [
    NavItem(
        "reports_monthly",
        gettext_lazy("定例報告会議 報告書"),
        "reports:monthly_list",
        frozenset(selectors.READ_ROLES),
        order=705,
    ),
]


def _state(report) -> dict | None:
    if not report.in_progress:
        return None
    state = progress.read(report.progress_key) or {"done": 0, "total": 0}
    total = state.get("total") or 0
    state["percent"] = int(state.get("done", 0) * 100 / total) if total else 0
    return state


def _list_page(request, form=None):
    """The list with the issue form; a refused form comes back with its errors (400)."""
    qs = selectors.monthly_reports_for_user(request.user)
    page = page_of(qs, request.GET.get("page"))
    rows = [{"r": r, "progress": _state(r)} for r in page]
    can_manage = selectors.may_manage(request.user)
    return render(
        request,
        "reports/monthly/list.html",
        {
            "page": page,
            "rows": rows,
            "can_manage": can_manage,
            "form": form
            or MonthlyReportForm(
                initial={"month": f"{previous_month(now_jst().date().replace(day=1)):%Y-%m}"}
            ),
            "busy": any(r["progress"] is not None for r in rows),
            "refresh": REFRESH_SECONDS,
        },
        status=400 if form is not None else 200,
    )


@role_required(*selectors.READ_ROLES)
@require_GET
def monthly_list(request):
    return _list_page(request)


@role_required(*selectors.MANAGE_ROLES)
@require_POST
def monthly_issue(request):
    form = MonthlyReportForm(request.POST)
    if form.is_valid():
        try:
            report, created = services.monthly_report_request(
                month=form.cleaned_data["month"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if created:
                messages.success(request, _("報告書の作成を開始しました。"))
            else:
                messages.info(request, _("同じ月の報告書を作成中です。その完了をお待ちください。"))
            return redirect("reports:monthly_detail", pk=report.pk)
    return _list_page(request, form=form)


@role_required(*selectors.READ_ROLES)
@require_GET
def monthly_detail(request, pk: int):
    report = selectors.get_monthly_report_for_user(request.user, pk)
    state = _state(report)
    return render(
        request,
        "reports/monthly/detail.html",
        {
            "r": report,
            "progress": state,
            "refresh": REFRESH_SECONDS,
            "revisions": selectors.revisions_of(report),
            "can_manage": selectors.may_manage(request.user),
            "form": MonthlyReportForm(initial={"month": f"{report.month:%Y-%m}"}),
        },
    )


@role_required(*selectors.READ_ROLES)
@require_GET
def monthly_download(request, pk: int, kind: str):
    if kind not in services.FILE_KINDS:
        raise Http404
    report = selectors.get_monthly_report_for_user(request.user, pk, with_files=True)
    try:
        filename, data = services.report_file(report, kind)
    except ValidationError as exc:
        if report.status != report.Status.DONE:
            raise Http404 from exc
        log_access(
            request=request,
            action="export",
            object_type="reports.monthlyreport",
            object_id=report.pk,
            detail=f"{kind} refused: checksum mismatch",
        )
        messages.error(request, " ".join(exc.messages))
        return redirect("reports:monthly_detail", pk=report.pk)
    field = services.FILE_KINDS[kind][1]
    log_access(
        request=request,
        action="export",
        object_type="reports.monthlyreport",
        object_id=report.pk,
        detail=f"{report.month:%Y-%m} r{report.revision} {kind} sha256={getattr(report, field)}",
    )
    response = HttpResponse(data, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = (
        f'attachment; filename="monthly-report.{kind}"; '
        f"filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(data))
    return response
