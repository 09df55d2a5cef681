"""データ抽出依頼の画面: list, choose a definition, request, approve/reject, run, status
(meta refresh while it runs) and download. Vendor staff see status, row count and
timings only; the conditions, purpose and file are for the requester and city admins."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import is_vendor
from core import extracts, progress
from core.concurrency import ConflictError
from core.forms import add_service_errors
from core.navigation import NavItem
from core.paging import page_of
from ops.forms.extraction import DecisionForm, ExtractionRequestForm, RunForm
from ops.models import ExtractionRequest
from ops.selectors import extraction as selectors
from ops.services import extraction as services

NAV_ITEMS = [
    NavItem(
        "ops_extraction",
        gettext_lazy("データ抽出"),
        "ops:extraction_list",
        frozenset(selectors.PAGE_ROLES),
        order=530,
    )
]
REFRESH_SECONDS = 5
CONFLICT = (
    "他の人が先にこの依頼を更新しました。画面を開き直してください（操作は反映していません）。"
)


def _pages(view):
    """Login, then the roles of the extraction pages (others: 403)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not selectors.can_use(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _progress(extraction: ExtractionRequest) -> dict | None:
    if not extraction.in_progress:
        return None
    state = progress.read(extraction.progress_key) or {"done": 0, "total": 0}
    total = state.get("total") or 0
    done = state.get("done") or 0
    return {
        "done": done,
        "total": total,
        "percent": int(done * 100 / total) if total else 0,
    }


@_pages
@require_GET
def extraction_list(request):
    qs = selectors.requests_for(request.user)
    status = request.GET.get("status", "")
    if status in ExtractionRequest.Status.values:
        qs = qs.filter(status=status)
    page = page_of(qs, request.GET.get("page"))
    rows = [{"r": r, "progress": _progress(r)} for r in page]
    return render(
        request,
        "ops/extraction/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": ExtractionRequest.Status.choices,
            "can_request": selectors.can_request(request.user),
            "busy": any(row["progress"] for row in rows),
            "refresh": REFRESH_SECONDS,
        },
    )


@_pages
@require_GET
def extraction_definitions(request):
    if not selectors.can_request(request.user):
        raise PermissionDenied
    return render(
        request,
        "ops/extraction/definitions.html",
        {"definitions": selectors.definitions_for(request.user)},
    )


@_pages
def extraction_new(request, code):
    if not selectors.can_request(request.user):
        raise PermissionDenied
    try:
        definition = extracts.get(code)
    except extracts.UnknownDefinition:
        raise Http404 from None
    form = ExtractionRequestForm(
        request.POST or None, definition=definition, role_codes=request.user.role_codes
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            extraction = services.extraction_request_create(
                requester=request.user,
                definition_code=definition.code,
                parameters=form.parameter_values(),
                columns=data["columns"],
                output_format=data["output_format"],
                purpose=data["purpose"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("データ抽出を依頼しました（#%(pk)s）。市の管理者の承認を待っています。")
                % {"pk": extraction.pk},
            )
            return redirect("ops:extraction_detail", pk=extraction.pk)
    return render(
        request,
        "ops/extraction/form.html",
        {
            "form": form,
            "definition": definition,
            "parameter_fields": [form[p.name] for p in definition.parameters],
        },
    )


@_pages
@require_GET
def extraction_detail(request, pk):
    extraction = selectors.get_request_for_user(request.user, pk)
    user = request.user
    contents = selectors.sees_contents(user, extraction)
    is_requester = extraction.requested_by_id == user.pk
    may_decide = (
        selectors.can_approve(user)
        and not is_requester
        and extraction.status == ExtractionRequest.Status.REQUESTED
    )
    may_run = selectors.can_run(user) and extraction.status in (
        ExtractionRequest.Status.APPROVED,
        ExtractionRequest.Status.FAILED,
    )
    context = {
        "x": extraction,
        "contents": contents,
        "progress": _progress(extraction),
        "refresh": REFRESH_SECONDS,
        "may_decide": may_decide,
        "self_request_pending": (
            selectors.can_approve(user)
            and is_requester
            and extraction.status == ExtractionRequest.Status.REQUESTED
        ),
        "may_run": may_run,
        "download": selectors.download_check(user, extraction)
        if extraction.status == ExtractionRequest.Status.SUCCEEDED and not is_vendor(user)
        else None,
        "decision_form": DecisionForm(initial={"version": extraction.version}),
        "run_form": RunForm(initial={"version": extraction.version}),
    }
    if contents:
        context.update(
            {
                "parameters": selectors.parameter_rows(extraction),
                "columns": selectors.column_labels(extraction),
                "downloads": extraction.downloads.select_related("user")[:20],
            }
        )
    return render(request, "ops/extraction/detail.html", context)


def _decide(request, pk, *, approve: bool):
    extraction = selectors.get_request_for_user(request.user, pk)
    if not selectors.can_approve(request.user):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("画面を開き直してから操作してください。"))
        return redirect("ops:extraction_detail", pk=pk)
    version, note = form.cleaned_data["version"], form.cleaned_data["note"]
    try:
        if approve:
            services.extraction_request_approve(
                extraction=extraction, approver=request.user, expected_version=version, note=note
            )
        else:
            services.extraction_request_reject(
                extraction=extraction, approver=request.user, expected_version=version, reason=note
            )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ConflictError:
        messages.error(request, CONFLICT)
    else:
        messages.success(
            request, _("承認しました。事業者が実行します。") if approve else _("却下しました。")
        )
    return redirect("ops:extraction_detail", pk=pk)


@_pages
@require_POST
def extraction_approve(request, pk):
    return _decide(request, pk, approve=True)


@_pages
@require_POST
def extraction_reject(request, pk):
    return _decide(request, pk, approve=False)


@_pages
@require_POST
def extraction_run(request, pk):
    extraction = selectors.get_request_for_user(request.user, pk)
    if not selectors.can_run(request.user):
        raise PermissionDenied
    form = RunForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("画面を開き直してから操作してください。"))
        return redirect("ops:extraction_detail", pk=pk)
    try:
        services.extraction_run_start(
            extraction=extraction,
            operator=request.user,
            expected_version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ConflictError:
        messages.error(request, CONFLICT)
    else:
        messages.success(request, _("実行を開始しました。進み具合はこの画面に表示されます。"))
    return redirect("ops:extraction_detail", pk=pk)


def _refused(request, extraction, reason: str):
    return render(
        request,
        "ops/extraction/refused.html",
        {"x": extraction, "reason": reason or _("ダウンロードできません。")},
        status=403,
    )


@_pages
@require_GET
def extraction_download(request, pk):
    extraction = selectors.get_request_for_user(request.user, pk)
    try:
        download = services.extraction_download(
            extraction=extraction, user=request.user, request=request
        )
    except PermissionDenied as exc:
        return _refused(request, extraction, str(exc))
    try:
        fh = download.path.open("rb")
    except FileNotFoundError:  # expired between the check and now
        return _refused(request, extraction, _("結果ファイルが見つかりません。"))
    response = FileResponse(
        fh,
        as_attachment=True,
        filename=download.filename,
        content_type=download.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response
