"""福祉行政報告例の相談統計: period chooser, the tables (HTML) and the .xlsx download."""

from urllib.parse import quote

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts.access import role_required
from core.audit import log_access
from core.navigation import NavItem
from core.timeutil import now_jst
from reports.forms.national import NationalPeriodForm
from reports.services import national as services

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
AUDIT_OBJECT = "national_stats"

NAV_ITEMS = [
    NavItem(
        "reports_national",
        gettext_lazy("相談統計（福祉行政報告例）"),
        "reports:national_index",
        frozenset(services.NATIONAL_ROLES),
        760,
    ),
]


@role_required(*services.NATIONAL_ROLES)
@require_GET
def national_index(request):
    form = NationalPeriodForm(request.GET or None)
    report = None
    if request.GET and form.is_valid():
        period = form.cleaned_data["period"]
        report = services.national_tables(period=period)
        log_access(request=request, action="view", object_type=AUDIT_OBJECT, detail=period.label)
    return render(
        request,
        "reports/national/index.html",
        {
            "form": form,
            "report": report,
            "threshold": services.small_cell_threshold(),
            "query": request.GET.urlencode(),
        },
    )


@role_required(*services.NATIONAL_ROLES)
@require_GET
def national_xlsx(request):
    form = NationalPeriodForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "reports/national/index.html",
            {"form": form, "report": None, "threshold": services.small_cell_threshold()},
            status=400,
        )
    if not services.may_view(request.user):  # pragma: no cover - role_required already
        raise PermissionDenied
    period = form.cleaned_data["period"]
    publication = form.cleaned_data["publication"]
    report = services.national_tables(period=period)
    data = services.national_workbook(report, publication=publication, user=request.user)
    log_access(
        request=request,
        action="export",
        object_type=AUDIT_OBJECT,
        detail=f"{period.label} {'公表用' if publication else '内部用'}",
    )
    kind = "公表用" if publication else "内部用"
    filename = f"相談統計_{period.start:%Y%m}-{period.end:%Y%m}_{kind}.xlsx"
    fallback = f"national_{period.start:%Y%m}-{period.end:%Y%m}.xlsx"
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Cache-Control"] = "no-store"
    response["X-Generated-At"] = f"{now_jst():%Y-%m-%dT%H:%M:%S%z}"
    return response
