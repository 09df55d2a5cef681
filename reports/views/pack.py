"""定例報告会議 報告書（図表7-1）と成果物一覧: the monthly deliverable lists page and downloads.

Vendor staff, city admins and meeting attendees; others get 403. Help-desk data is not
case data, so no AccessLog is written (as in helpdesk.views.exports).
"""

from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from accounts import roles
from accounts.access import role_required
from core.navigation import NavItem
from core.pdf import PDF_CONTENT_TYPE
from core.profiles import current_profile
from reports.forms.pack import AnnualReportForm, DeliverableMonthForm
from reports.selectors import monthly as monthly_selectors
from reports.services import pack as services

DELIVERABLE_ROLES = (
    roles.VENDOR_OPERATOR,
    roles.VENDOR_MANAGER,
    roles.CITY_ADMIN,
    roles.MEETING_ATTENDEE,
)

NAV_ITEMS = [
    NavItem(
        key="reports_pack_deliverables",
        label=gettext_lazy("成果物一覧（月次）"),
        url_name="reports:pack_deliverables",
        roles=frozenset(DELIVERABLE_ROLES),
        order=740,
    ),
]

CONTENT_TYPES = {
    "xlsx": services.XLSX_CONTENT_TYPE,
    "pdf": PDF_CONTENT_TYPE,
    "zip": "application/zip",
}


def _attachment(data: bytes, filename: str, fmt: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    fallback = f"deliverable.{fmt}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(data))
    return response


def _page(request, form, month=None, status=200, annual_form=None, fiscal_year=None):
    context = {
        "form": form,
        "contract_start": current_profile().contract_start,
        "month": month,
        "annual_form": annual_form or AnnualReportForm(),
        "fiscal_year": fiscal_year,
    }
    if month:
        counts = services.deliverable_counts(month=month)
        context.update(
            month_label=services.month_label(month),
            month_param=f"{month:%Y-%m}",
            deliverables=[
                {"key": key, "title": title, "count": counts[key]}
                for key, (title, _builder) in services.DELIVERABLES.items()
            ],
            # The issued report's pack already holds every list as built in the background.
            issued=monthly_selectors.latest_issued(request.user, month=month),
        )
    return render(request, "reports/pack/deliverables.html", context, status=status)


def _month_or_refusal(request, value: str):
    """(month, None) or (None, the month page with the Japanese reason, status 400)."""
    form = DeliverableMonthForm(data={"month": value})
    if form.is_valid():
        return form.cleaned_data["month"], None
    return None, _page(request, form, status=400)


@role_required(*DELIVERABLE_ROLES)
@require_GET
def deliverables(request):
    if "fiscal_year" in request.GET:
        annual = AnnualReportForm(data=request.GET)
        if not annual.is_valid():
            return _page(request, DeliverableMonthForm(), status=400, annual_form=annual)
        return _page(
            request,
            DeliverableMonthForm(),
            annual_form=annual,
            fiscal_year=annual.cleaned_data["fiscal_year"],
        )
    if "month" not in request.GET:
        return _page(request, DeliverableMonthForm())
    form = DeliverableMonthForm(data=request.GET)
    if not form.is_valid():
        return _page(request, form, status=400)
    return _page(request, form, month=form.cleaned_data["month"])


@role_required(*DELIVERABLE_ROLES)
@require_GET
def deliverable_file(request, month, key, fmt):
    if key not in services.DELIVERABLES or fmt not in services.FORMATS:
        raise Http404
    month, refusal = _month_or_refusal(request, month)
    if refusal:
        return refusal
    try:
        filename, data = services.deliverable_file(key=key, fmt=fmt, month=month, user=request.user)
    except ValidationError:  # pragma: no cover - the month was checked above
        raise Http404 from None
    return _attachment(data, filename, fmt)


@role_required(*DELIVERABLE_ROLES)
@require_GET
def deliverables_zip(request, month):
    month, refusal = _month_or_refusal(request, month)
    if refusal:
        return refusal
    filename, data = services.deliverables_zip(month=month, user=request.user)
    return _attachment(data, filename, "zip")


@role_required(*DELIVERABLE_ROLES)
@require_GET
def annual_file(request, fiscal_year, fmt):
    """The yearly 運用保守報告書 (Kobe's format; any city may print it)."""
    if fmt not in services.FORMATS:
        raise Http404
    annual = AnnualReportForm(data={"fiscal_year": fiscal_year})
    if not annual.is_valid():
        return _page(request, DeliverableMonthForm(), status=400, annual_form=annual)
    filename, data = services.annual_report_file(
        fiscal_year=annual.cleaned_data["fiscal_year"], fmt=fmt, user=request.user
    )
    return _attachment(data, filename, fmt)
