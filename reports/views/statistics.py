"""システム統計情報（資源の計測・月次統計・テンプレート）.

The month's figures as tables, generating the city's Excel workbook (a job with a
progress bar, the page refreshes itself), its download, and the city admin's template.
Vendor staff and city admins use the pages; meeting attendees may download the workbooks.
"""

from datetime import date

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts import roles
from accounts.access import is_vendor, role_required, user_has_role
from core import progress
from core.audit import log_access
from core.forms import add_service_errors
from core.navigation import NavItem
from core.paging import page_of
from core.timeutil import now_jst
from reports.forms.statistics import MonthForm, TemplateUploadForm
from reports.models.statistics import StatisticsReport
from reports.selectors import statistics as selectors
from reports.services import statistics as services

VIEW_ROLES = (*roles.VENDOR_ROLES, roles.CITY_ADMIN)
DOWNLOAD_ROLES = (*VIEW_ROLES, roles.MEETING_ATTENDEE)
REFRESH_SECONDS = 5
FIGURES_CACHE_SECONDS = 600
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NAV_ITEMS = [
    NavItem(
        "reports_statistics",
        gettext_lazy("システム統計情報"),
        "reports:statistics_month",
        frozenset(VIEW_ROLES),
        order=720,
    ),
    NavItem(
        "reports_statistics_files",
        gettext_lazy("システム統計情報（Excel）"),
        "reports:statistics_files",
        frozenset({roles.MEETING_ATTENDEE}),
        order=721,
    ),
]


def _may_manage_template(user) -> bool:
    """The city's format is the city's: its system administrator replaces it."""
    return user_has_role(user, roles.CITY_ADMIN) and not is_vendor(user)


def _default_month() -> date:
    return selectors.previous_month(now_jst().date().replace(day=1))


def _figures(month: date) -> selectors.MonthFigures:
    """A finished month's figures do not change: kept for a few minutes between views."""
    if month >= now_jst().date().replace(day=1):
        return selectors.month_figures(month)
    key = f"reports:statistics:figures:{month:%Y-%m}"
    figures = cache.get(key)
    if figures is None:
        figures = selectors.month_figures(month)
        cache.set(key, figures, FIGURES_CACHE_SECONDS)
    return figures


def _report_row(report: StatisticsReport) -> dict:
    state = None
    if report.in_progress:
        state = progress.read(report.progress_key) or {"done": 0, "total": 0}
        total = state.get("total") or 0
        state["percent"] = int(state.get("done", 0) * 100 / total) if total else 0
    return {"r": report, "progress": state}


@role_required(*VIEW_ROLES)
@require_GET
def statistics_month(request):
    form = MonthForm(request.GET or {"month": f"{_default_month():%Y-%m}"})
    figures = None
    month = None
    if form.is_valid():
        try:
            month = services.validate_month(form.cleaned_data["month"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            figures = _figures(month)
    rows = [_report_row(r) for r in selectors.reports_for_month(month)[:10]] if month else []
    template = selectors.active_template()
    return render(
        request,
        "reports/statistics/month.html",
        {
            "form": form,
            "month": month,
            "figures": figures,
            "reports": rows,
            "busy": any(r["progress"] is not None for r in rows),
            "refresh": REFRESH_SECONDS,
            "template": template,
            "can_manage_template": _may_manage_template(request.user),
            "factor": selectors.anomaly_factor(),
        },
    )


@role_required(*VIEW_ROLES)
@require_POST
def statistics_generate(request):
    form = MonthForm(request.POST)
    if form.is_valid():
        try:
            report, created = services.report_request(
                month=form.cleaned_data["month"], user=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if created:
                messages.success(request, _("作成を開始しました。"))
            else:
                messages.info(request, _("同じ月の作成が進行中です。その完了をお待ちください。"))
            return redirect(f"{reverse('reports:statistics_month')}?month={report.month:%Y-%m}")
    for error in form.errors.get("month", []) + form.non_field_errors():
        messages.error(request, error)
    return redirect("reports:statistics_month")


@role_required(*DOWNLOAD_ROLES)
@require_GET
def statistics_files(request):
    qs = (
        StatisticsReport.objects.filter(status=StatisticsReport.Status.DONE)
        .select_related("requested_by")
        .defer("content")
        .order_by("-month", "-finished_at")
    )
    page = page_of(qs, request.GET.get("page"))
    return render(request, "reports/statistics/files.html", {"page": page})


@role_required(*DOWNLOAD_ROLES)
@require_GET
def statistics_download(request, pk: int):
    report = get_object_or_404(StatisticsReport, pk=pk)
    if report.status != StatisticsReport.Status.DONE or not report.content:
        raise Http404
    log_access(
        request=request,
        action="download",
        object_type="reports.statisticsreport",
        object_id=report.pk,
        detail=f"{report.month:%Y-%m} sha256={report.sha256}",
    )
    response = HttpResponse(bytes(report.content), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{services.report_filename(report)}"'
    return response


@role_required(*VIEW_ROLES)
def statistics_template(request):
    can_manage = _may_manage_template(request.user)
    form = TemplateUploadForm()
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = TemplateUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.template_upload(name=upload.name, content=upload.read(), user=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("テンプレートを登録しました。次の作成から使います。"))
                return redirect("reports:statistics_template")
    return render(
        request,
        "reports/statistics/template.html",
        {
            "form": form,
            "can_manage": can_manage,
            "active": selectors.active_template(),
            "templates": selectors.templates()[:20],
            "cell_names": services.CELL_NAMES,
            "table_names": {k: v[0] for k, v in services.TABLE_NAMES.items()},
        },
    )


@role_required(roles.CITY_ADMIN)
@require_POST
def statistics_template_reset(request):
    if not _may_manage_template(request.user):
        raise PermissionDenied
    services.template_reset(user=request.user)
    messages.success(request, _("既定のテンプレートに戻しました。"))
    return redirect("reports:statistics_template")


@role_required(*VIEW_ROLES)
@require_GET
def statistics_template_file(request, which: str):
    """The built-in default, or the template in use, to start a city format from."""
    if which == "default":
        content, name = services.default_template(), "system-statistics-template.xlsx"
    else:
        active = selectors.active_template()
        if active is None:
            raise Http404
        content, name = bytes(active.content), "system-statistics-template-current.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
