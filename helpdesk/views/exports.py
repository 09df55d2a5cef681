"""Help-desk outputs: 連絡票一覧表 (.xlsx), 連絡票 and 作業依頼書・作業報告書 (PDF).

Same access as the screens: the list export reuses the list's filters, the PDFs go
through the per-object access functions. Help-desk data is not case data, so no
AccessLog is written.
"""

from urllib.parse import quote

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from core.pdf import pdf_response, render_pdf
from core.timeutil import now_jst
from helpdesk import access
from helpdesk.views._common import filer_required
from helpdesk.views.slips import filtered
from helpdesk.xlsx import TITLE, slip_list_workbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filter_summary(form) -> str:
    """The list's filters in words, e.g. 「状態: 未完了／判定: 不具合」."""
    if not form.is_bound or not form.is_valid():
        return "すべて"
    data = form.cleaned_data
    parts = []
    for name in ("status", "judgement"):
        value = data.get(name)
        if value:
            label = next((lbl for key, lbl in form.fields[name].choices if key == value), value)
            parts.append(f"{form.fields[name].label}: {label}")
    if data.get("fiscal_year"):
        parts.append(f"{form.fields['fiscal_year'].label}: {data['fiscal_year']}年度")
    if data.get("q"):
        parts.append(f"{form.fields['q'].label}: {data['q']}")
    return "／".join(str(p) for p in parts) or "すべて"


def _attachment(data: bytes, filename: str, content_type: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    response["Cache-Control"] = "no-store"
    response["Content-Length"] = str(len(data))
    return response


def _printed(request) -> dict:
    return {"printed_at": now_jst(), "printed_by": request.user}


@filer_required
@require_GET
def slip_list_xlsx(request):
    form, slips = filtered(request)
    data = slip_list_workbook(slips, title_note=filter_summary(form), user=request.user)
    day = f"{now_jst():%Y%m%d}"
    return _attachment(data, f"{TITLE}_{day}.xlsx", XLSX_CONTENT_TYPE, f"slips_{day}.xlsx")


@filer_required
@require_GET
def slip_pdf(request, pk):
    slip = access.get_slip_for_user(request.user, pk)
    context = {
        **_printed(request),
        "title": "連絡票",
        "doc_number": slip.number,
        "slip": slip,
        "inquiry": slip.inquiry if slip.inquiry_id else None,
        "countermeasures": list(slip.countermeasures.select_related("owner")),
    }
    data = render_pdf("helpdesk/print/slip.html", context, request=request)
    return pdf_response(data, f"連絡票_{slip.number}.pdf")


@filer_required
@require_GET
def work_request_pdf(request, pk):
    wr = access.get_work_request_for_user(request.user, pk)
    context = {
        **_printed(request),
        "title": "作業依頼書・作業報告書",
        "doc_number": wr.number,
        "wr": wr,
    }
    data = render_pdf("helpdesk/print/work_request.html", context, request=request)
    return pdf_response(data, f"作業依頼書_{wr.number}.pdf")
