"""SLA 実績報告書: list, create, the report page (progress, content, difference against a
fresh computation, comments, the flow) and the file downloads.

Who: vendor managers prepare and submit; city admins check, approve, send back and comment;
meeting attendees read and download approved reports; nobody else gets in (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required, user_has_role
from core import progress
from core.audit import log_access
from core.concurrency import ConflictError
from core.forms import add_service_errors
from core.models import AccessLog
from core.navigation import NavItem
from core.paging import page_of
from core.profiles import PROFILES
from sla.forms.reports import (
    ReasonForm,
    ReissueForm,
    ReportCommentForm,
    ReportCreateForm,
    ReportFilterForm,
    SummaryForm,
    VersionForm,
)
from sla.models import Report, ReportJob
from sla.selectors import results as selectors
from sla.services import reports as services

READ = (roles.VENDOR_MANAGER, roles.CITY_ADMIN, roles.MEETING_ATTENDEE)
PREPARE = (roles.VENDOR_MANAGER,)
DASHBOARD = (roles.VENDOR_OPERATOR, roles.VENDOR_MANAGER, roles.CITY_ADMIN)
REFRESH_SECONDS = 3
CONFLICT = gettext_lazy(
    "他の担当者が先に更新しました。画面を開き直してください（操作は行っていません）。"
)

NAV_ITEMS = [
    NavItem(
        "sla_reports",
        gettext_lazy("SLA 実績報告書"),
        "sla:reports_index",
        frozenset(READ),
        605,
    ),
]


def _profile_name(code: str) -> str:
    preset = PROFILES.get(code)
    return preset.name if preset else code


def _only_managers_and_admins(user) -> bool:
    return user_has_role(user, roles.VENDOR_MANAGER, roles.CITY_ADMIN)


def _get_report(request, pk) -> Report:
    try:
        report = selectors.report(pk)
    except Report.DoesNotExist:
        raise Http404 from None
    if not services.may_read(request.user, report):
        raise PermissionDenied
    return report


def _error_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@role_required(*READ)
def reports_index(request):
    profiles = selectors.profiles_with_policies()
    form = ReportFilterForm(request.GET or None, profiles=profiles)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.reports(
        profile=data.get("profile") or None,
        kind=data.get("kind") or None,
        approved_only=not _only_managers_and_admins(request.user),
    )
    page = page_of(qs, request.GET.get("page"))
    for report in page:
        report.labels = services.period_labels(report.kind, report.period_start)
        report.city = _profile_name(report.policy.profile)
    return render(
        request,
        "sla/reports/index.html",
        {
            "form": form,
            "page": page,
            "can_prepare": user_has_role(request.user, *PREPARE),
        },
    )


@role_required(*PREPARE)
def report_new(request):
    profiles = selectors.profiles_with_policies()
    form = ReportCreateForm(request.POST or None, profiles=profiles)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_create(
                profile=form.cleaned_data["profile"],
                kind=form.cleaned_data["kind"],
                period_start=form.period_start(),
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("報告書の作成を開始しました。"))
            return redirect("sla:report_detail", pk=report.pk)
    return render(
        request,
        "sla/reports/new.html",
        {"form": form},
        status=400 if form.is_bound else 200,
    )


def _job_state(job: ReportJob | None) -> dict | None:
    if job is None or job.status not in (ReportJob.Status.QUEUED, ReportJob.Status.RUNNING):
        return None
    state = progress.read(job.progress_key) or {"done": 0, "total": 0}
    total = state.get("total") or 0
    done = state.get("done") or 0
    return {
        "done": done,
        "total": total,
        "percent": int(done * 100 / total) if total else 0,
    }


@role_required(*READ)
def report_detail(request, pk):
    report = _get_report(request, pk)
    user = request.user
    job = selectors.latest_job(report)
    running = _job_state(job)
    snapshot = report.snapshot or {}
    difference, difference_error = [], ""
    if snapshot and running is None:
        try:
            difference = services.report_difference(report=report)
        except ValidationError as exc:
            difference_error = " ".join(exc.messages)
    is_draft = report.status == Report.Status.DRAFT
    newest = selectors.report_for_period(report.policy.profile, report.kind, report.period_start)
    items = [(e["number"], e["name"]) for e in snapshot.get("items", [])]
    can_prepare = services.may_prepare(user)
    can_check = services.may_check(user)
    context = {
        "report": report,
        "s": snapshot,
        "labels": services.period_labels(report.kind, report.period_start),
        "city": _profile_name(report.policy.profile),
        "job": job,
        "running": running,
        "refresh": REFRESH_SECONDS,
        "verified": services.report_verify(report) if report.sha256 else None,
        "difference": difference,
        "difference_error": difference_error,
        "comments": selectors.report_comments(report) if can_check else [],
        "revisions": selectors.report_revisions(report),
        "can_prepare": can_prepare and is_draft,
        "can_check": can_check and is_draft and bool(snapshot) and running is None,
        "can_return": can_check and report.status == Report.Status.CHECKED,
        "can_approve": services.may_review(user)
        and report.status == Report.Status.CHECKED
        and report.created_by_id != user.pk,
        "own_report": report.created_by_id == user.pk,
        "can_reissue": can_prepare
        and report.status == Report.Status.APPROVED
        and newest is not None
        and newest.pk == report.pk,
        "can_comment": can_check,
        "can_drill": user_has_role(user, *DASHBOARD),
        "version_form": VersionForm(initial={"version": report.version}),
        "summary_form": SummaryForm(initial={"version": report.version, "comment": report.comment}),
        "comment_form": ReportCommentForm(items=items, allow_items=can_prepare and is_draft),
        "return_form": ReasonForm(initial={"version": report.version}),
        "reissue_form": ReissueForm(),
    }
    return render(request, "sla/reports/detail.html", context)


@role_required(*READ)
def report_file(request, pk, fmt):
    report = _get_report(request, pk)
    field = {"pdf": report.pdf, "xlsx": report.xlsx}.get(fmt)
    if field is None:
        raise Http404
    if not field:
        raise Http404(_("ファイルはまだ作成されていません。"))
    log_access(
        request=request,
        action=AccessLog.Action.EXPORT,
        object_type="sla_report",
        object_id=report.pk,
        detail=f"{fmt} 第{report.revision}版 {report.get_status_display()}",
    )
    response = FileResponse(
        field.open("rb"),
        as_attachment=fmt == "xlsx",
        filename=services.report_file_name(report, fmt),
    )
    response["Cache-Control"] = "no-store"
    return response


def _post_back(request, report: Report):
    return redirect("sla:report_detail", pk=report.pk)


@require_POST
@role_required(*PREPARE)
def report_generate(request, pk):
    report = _get_report(request, pk)
    try:
        services.report_generate(report=report, actor=request.user)
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(request, _("報告書を作成し直しています。"))
    return _post_back(request, report)


@require_POST
@role_required(*PREPARE)
def report_edit(request, pk):
    report = _get_report(request, pk)
    form = SummaryForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _post_back(request, report)
    try:
        services.report_update(
            report=report,
            actor=request.user,
            expected_version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"],
        )
    except ConflictError:
        messages.error(request, CONFLICT)
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(request, _("総括を保存しました。作成し直すと報告書に反映されます。"))
    return _post_back(request, report)


@require_POST
@role_required(roles.VENDOR_MANAGER, roles.CITY_ADMIN)
def report_comment(request, pk):
    report = _get_report(request, pk)
    items = [(e["number"], e["name"]) for e in (report.snapshot or {}).get("items", [])]
    form = ReportCommentForm(request.POST, items=items, allow_items=True)
    if form.is_valid():
        try:
            services.report_comment_add(
                report=report,
                actor=request.user,
                body=form.cleaned_data["body"],
                item_number=form.cleaned_data["item_number"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("コメントを記入しました。"))
            return _post_back(request, report)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return _post_back(request, report)


def _transition(request, pk, action, success: str, *, form_class=VersionForm, **extra):
    report = _get_report(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _post_back(request, report)
    kwargs = {"expected_version": form.cleaned_data["version"], **extra}
    if "reason" in form.cleaned_data:
        kwargs["reason"] = form.cleaned_data["reason"]
    try:
        action(report=report, actor=request.user, **kwargs)
    except ConflictError:
        messages.error(request, CONFLICT)
    except ValidationError as exc:
        _error_messages(request, exc)
    else:
        messages.success(request, success)
    return _post_back(request, report)


@require_POST
@role_required(roles.VENDOR_MANAGER, roles.CITY_ADMIN)
def report_check(request, pk):
    return _transition(request, pk, services.report_check, _("確認済みにしました。"))


@require_POST
@role_required(roles.VENDOR_MANAGER, roles.CITY_ADMIN)
def report_return(request, pk):
    return _transition(
        request, pk, services.report_return, _("作成中に差し戻しました。"), form_class=ReasonForm
    )


@require_POST
@role_required(roles.CITY_ADMIN)
def report_approve(request, pk):
    return _transition(request, pk, services.report_approve, _("承認しました。"))


@require_POST
@role_required(*PREPARE)
def report_reissue(request, pk):
    report = _get_report(request, pk)
    form = ReissueForm(request.POST)
    if form.is_valid():
        try:
            reissued = services.report_reissue(
                report=report, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _error_messages(request, exc)
        else:
            messages.success(
                request,
                _("第%(revision)s版を作成しています。") % {"revision": reissued.revision},
            )
            return redirect("sla:report_detail", pk=reissued.pk)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _post_back(request, report)
