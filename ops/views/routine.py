"""定常運用の予定と実績、パラメータ変更管理、研修.

Vendor staff keep the operations, mark occurrences done, record training and apply
parameter changes; city admins read everything and approve or reject parameter changes;
nobody else gets in (403).
"""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, timedelta
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import is_vendor, role_required, user_has_role
from core.calendar import using_calendar
from core.concurrency import ConflictError
from core.forms import add_service_errors
from core.navigation import NavItem
from core.paging import page_of
from core.timeutil import now_jst, to_jst
from ops.forms.routine import (
    ApplyForm,
    DoneForm,
    EmergencyApplyForm,
    MonthForm,
    OperationForm,
    ParameterFilterForm,
    ParameterRequestForm,
    RejectForm,
    TrainingForm,
    UndoForm,
    VersionForm,
)
from ops.models.routine import ParameterChange, RoutineOccurrence, RoutineOperation, TrainingSession
from ops.selectors import routine as selectors
from ops.services import routine as services

READ_ROLES = (*sorted(roles.VENDOR_ROLES), roles.CITY_ADMIN)
VENDOR = tuple(sorted(roles.VENDOR_ROLES))
CONFLICT = gettext_lazy(
    "他の担当者が先に更新しました。画面を開き直してください（入力は保存していません）。"
)

NAV_ITEMS = [
    NavItem(
        "ops_routine", gettext_lazy("定常運用"), "ops:routine_calendar", frozenset(READ_ROLES), 530
    ),
    NavItem(
        "ops_parameters",
        gettext_lazy("パラメータ変更"),
        "ops:routine_parameters",
        frozenset(READ_ROLES),
        532,
    ),
    NavItem(
        "ops_training", gettext_lazy("研修"), "ops:routine_trainings", frozenset(READ_ROLES), 534
    ),
]


STATE_LABELS = {
    "done": gettext_lazy("完了"),
    "late": gettext_lazy("遅延完了"),
    "overdue": gettext_lazy("期限超過"),
    "soon": gettext_lazy("期限間近"),
    "planned": gettext_lazy("予定"),
}
WEEKDAYS = [
    pgettext_lazy("weekday", "月"),
    pgettext_lazy("weekday", "火"),
    pgettext_lazy("weekday", "水"),
    pgettext_lazy("weekday", "木"),
    pgettext_lazy("weekday", "金"),
    pgettext_lazy("weekday", "土"),
    pgettext_lazy("weekday", "日"),
]
STATE_CSS = {"done": "ok", "late": "ng", "overdue": "ng", "soon": "soon", "planned": ""}


def _row(occ: RoutineOccurrence, now, state: str | None = None, url: str = "") -> dict:
    state = state or selectors.occurrence_state(occ, now)
    return {
        "occ": occ,
        "state": state,
        "label": STATE_LABELS[state],
        "css": STATE_CSS[state],
        "url": url,
    }


def _calendar_rows(occurrences, now) -> list[dict]:
    """Rows with the strings the month page shows, formatted here once (a month can hold a
    few hundred occurrences, each shown twice)."""
    link = reverse("ops:routine_occurrence", args=[0])[: -len("0/")]
    rows = []
    for occ in occurrences:
        row = _row(occ, now, url=f"{link}{occ.pk}/")
        due = to_jst(occ.due_at)
        row["time"] = f"{due:%H:%M}"
        row["due"] = f"{due:%Y/%m/%d}({WEEKDAYS[due.weekday()]}) {due:%H:%M}"
        row["moved"] = (
            f"{occ.rule_date.month}/{occ.rule_date.day}" if occ.rule_date != occ.due_date else ""
        )
        row["done"] = f"{to_jst(occ.done_at):%Y/%m/%d %H:%M}" if occ.done_at else ""
        rows.append(row)
    return rows


def _now_minute():
    return now_jst().replace(second=0, microsecond=0)


def _download(field_file):
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=PurePath(field_file.name).name)


# --- calendar ------------------------------------------------------------------------------------


def _month_of(request) -> date:
    form = MonthForm(request.GET)
    if form.is_valid() and form.cleaned_data["month"]:
        return form.cleaned_data["month"].replace(day=1)
    return now_jst().date().replace(day=1)


@role_required(*READ_ROLES)
def routine_calendar(request):
    first = _month_of(request)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    now = timezone.now()
    today = now_jst().date()
    by_day: dict[date, list] = {}
    rows = _calendar_rows(selectors.occurrences_between(first, last), now)
    for row in rows:
        by_day.setdefault(row["occ"].due_date, []).append(row)
    overdue = _calendar_rows(selectors.overdue_occurrences(now)[:50], now)
    weeks = []
    with using_calendar() as cal:
        day = first - timedelta(days=first.weekday())
        while day <= last:
            week = []
            for _i in range(7):
                closed = cal.closed_reason(day)
                week.append(
                    {
                        "date": day,
                        "in_month": day.month == first.month,
                        "today": day == today,
                        "closed": closed[1] if closed else "",
                        "rows": by_day.get(day, []),
                    }
                )
                day += timedelta(days=1)
            weeks.append(week)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = last + timedelta(days=1)
    counts = {
        state: sum(1 for r in rows if r["state"] == state)
        for state in ("done", "late", "overdue", "soon", "planned")
    }
    return render(
        request,
        "ops/routine/calendar.html",
        {
            "month": first,
            "weeks": weeks,
            "rows": rows,
            "overdue": overdue,
            "counts": counts,
            "previous": previous,
            "following": following,
            "weekdays": WEEKDAYS,
            "can_work": is_vendor(request.user),
        },
    )


# --- occurrences ---------------------------------------------------------------------------------


def _occurrence_or_404(pk) -> RoutineOccurrence:
    try:
        return selectors.occurrence(pk)
    except RoutineOccurrence.DoesNotExist as exc:
        raise Http404 from exc


def _occurrence_page(request, occ, *, done_form=None, undo_form=None, status=200):
    can_work = is_vendor(request.user)
    if can_work and not occ.is_done and done_form is None:
        done_form = DoneForm(
            deliverable=occ.operation.deliverable,
            initial={
                "done_at": _now_minute(),
                "deliverable_delivered_at": _now_minute(),
                "evidence_note": occ.evidence_note,
                "version": occ.version,
            },
        )
    if can_work and occ.is_done and undo_form is None:
        undo_form = UndoForm(initial={"version": occ.version})
    history = occ.history.select_related("history_user").order_by("-history_date")[:30]
    return render(
        request,
        "ops/routine/occurrence.html",
        {
            "occ": occ,
            "row": _row(occ, timezone.now()),
            "can_work": can_work,
            "done_form": done_form if can_work and not occ.is_done else None,
            "undo_form": undo_form if can_work and occ.is_done else None,
            "history": history,
        },
        status=status,
    )


@role_required(*READ_ROLES)
def routine_occurrence(request, pk):
    return _occurrence_page(request, _occurrence_or_404(pk))


@role_required(*VENDOR)
@require_POST
def routine_occurrence_done(request, pk):
    occ = _occurrence_or_404(pk)
    form = DoneForm(request.POST, request.FILES, deliverable=occ.operation.deliverable)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            occ = services.occurrence_mark_done(
                occurrence=occ,
                actor=request.user,
                done_at=data["done_at"],
                expected_version=data["version"],
                evidence_note=data["evidence_note"],
                evidence_file=data["evidence_file"],
                deliverable_delivered_at=data.get("deliverable_delivered_at"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConflictError:
            form.add_error(None, CONFLICT)
        else:
            if occ.status == RoutineOccurrence.Status.LATE:
                messages.warning(request, _("期限を過ぎていたため「遅延完了」として記録しました。"))
            else:
                messages.success(request, _("実施を記録しました。"))
            return redirect("ops:routine_occurrence", pk=occ.pk)
    return _occurrence_page(request, occ, done_form=form, status=400)


@role_required(*VENDOR)
@require_POST
def routine_occurrence_undo(request, pk):
    occ = _occurrence_or_404(pk)
    form = UndoForm(request.POST)
    if form.is_valid():
        try:
            services.occurrence_undo(
                occurrence=occ,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConflictError:
            form.add_error(None, CONFLICT)
        else:
            messages.success(request, _("実施の記録を取り消しました。"))
            return redirect("ops:routine_occurrence", pk=occ.pk)
    return _occurrence_page(request, occ, undo_form=form, status=400)


@role_required(*READ_ROLES)
def routine_evidence(request, pk):
    return _download(get_object_or_404(RoutineOccurrence, pk=pk).evidence_file)


# --- operations master ---------------------------------------------------------------------------


@role_required(*READ_ROLES)
def routine_operations(request):
    return render(
        request,
        "ops/routine/operations.html",
        {"operations": list(selectors.operations()), "can_work": is_vendor(request.user)},
    )


def _operation_form_page(request, form, title):
    return render(
        request,
        "ops/routine/form.html",
        {"form": form, "title": title, "back": reverse("ops:routine_operations")},
        status=400 if form.is_bound else 200,
    )


@role_required(*VENDOR)
def routine_operation_new(request):
    form = OperationForm(
        request.POST or None,
        initial={"valid_from": now_jst().date(), "due_time": "17:00", "lead_days": 0},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            op = services.routine_operation_create(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("定常運用「%(name)s」を登録しました。") % {"name": op.name})
            return redirect("ops:routine_operations")
    return _operation_form_page(request, form, _("定常運用の登録"))


@role_required(*VENDOR)
def routine_operation_edit(request, pk):
    op = get_object_or_404(RoutineOperation, pk=pk)
    names = [n for n in OperationForm.base_fields if n != "version"]
    form = OperationForm(
        request.POST or None,
        initial={**{n: getattr(op, n) for n in names}, "version": op.version},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if version is None:
            form.add_error(None, CONFLICT)
        else:
            try:
                services.routine_operation_update(
                    operation=op, actor=request.user, expected_version=version, **data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except ConflictError:
                form.add_error(None, CONFLICT)
            else:
                messages.success(
                    request, _("定常運用「%(name)s」を更新しました。") % {"name": data["name"]}
                )
                return redirect("ops:routine_operations")
    return _operation_form_page(request, form, _("%(name)s の編集") % {"name": op.name})


# --- parameter changes -----------------------------------------------------------------------------


def _may_request(user) -> bool:
    return is_vendor(user) or user_has_role(user, roles.CITY_ADMIN)


@role_required(*READ_ROLES)
def routine_parameters(request):
    form = ParameterFilterForm(request.GET)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = page_of(selectors.parameter_changes(status), request.GET.get("page"))
    return render(
        request,
        "ops/routine/parameters.html",
        {
            "form": form,
            "page": page,
            "counts": selectors.parameter_counts(),
            "can_request": _may_request(request.user),
        },
    )


@role_required(*READ_ROLES)
def routine_parameter_new(request):
    if not _may_request(request.user):
        raise PermissionDenied
    form = ParameterRequestForm(request.POST or None, initial={"requested_at": _now_minute()})
    if request.method == "POST" and form.is_valid():
        try:
            change = services.parameter_change_request(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("パラメータ変更 %(number)s を申請しました。市の承認を待っています。")
                % {"number": change.number},
            )
            return redirect("ops:routine_parameter", pk=change.pk)
    return render(
        request,
        "ops/routine/form.html",
        {
            "form": form,
            "title": _("パラメータ変更の申請"),
            "back": reverse("ops:routine_parameters"),
        },
        status=400 if form.is_bound else 200,
    )


def _change_or_404(pk) -> ParameterChange:
    return get_object_or_404(selectors.parameter_changes(), pk=pk)


def _parameter_page(request, change, status=200, **forms):
    S = ParameterChange.Status
    user = request.user
    may_decide = services.may_approve(user) and user.pk != change.requested_by_id
    waiting_decision = change.status == S.REQUESTED or (
        change.status == S.APPLIED and change.approved_at is None
    )
    vendor = is_vendor(user)
    defaults = {
        "approve_form": VersionForm(initial={"version": change.version})
        if may_decide and waiting_decision
        else None,
        "reject_form": RejectForm(initial={"version": change.version})
        if may_decide and change.status == S.REQUESTED
        else None,
        "apply_form": ApplyForm(initial={"version": change.version, "applied_at": _now_minute()})
        if vendor and change.status == S.APPROVED
        else None,
        "emergency_form": EmergencyApplyForm(
            initial={"version": change.version, "applied_at": _now_minute()}
        )
        if vendor and change.status == S.REQUESTED
        else None,
    }
    context = {
        "change": change,
        **{key: forms.get(key, default) for key, default in defaults.items()},
        "own_request": user.pk == change.requested_by_id,
        "history": change.history.select_related("history_user").order_by("-history_date")[:30],
    }
    return render(request, "ops/routine/parameter.html", context, status=status)


@role_required(*READ_ROLES)
def routine_parameter(request, pk):
    return _parameter_page(request, _change_or_404(pk))


def _transition(request, pk, form_class, form_key, call, done_message):
    change = _change_or_404(pk)
    form = form_class(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            call(change=change, actor=request.user, expected_version=version, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConflictError:
            form.add_error(None, CONFLICT)
        else:
            messages.success(request, done_message)
            return redirect("ops:routine_parameter", pk=pk)
    return _parameter_page(request, change, status=400, **{form_key: form})


@role_required(roles.CITY_ADMIN)
@require_POST
def routine_parameter_approve(request, pk):
    return _transition(
        request,
        pk,
        VersionForm,
        "approve_form",
        services.parameter_change_approve,
        _("パラメータ変更を承認しました。"),
    )


@role_required(roles.CITY_ADMIN)
@require_POST
def routine_parameter_reject(request, pk):
    return _transition(
        request,
        pk,
        RejectForm,
        "reject_form",
        services.parameter_change_reject,
        _("パラメータ変更を却下しました。"),
    )


@role_required(*VENDOR)
@require_POST
def routine_parameter_apply(request, pk):
    return _transition(
        request,
        pk,
        ApplyForm,
        "apply_form",
        services.parameter_change_apply,
        _("適用を記録しました。"),
    )


@role_required(*VENDOR)
@require_POST
def routine_parameter_emergency(request, pk):
    return _transition(
        request,
        pk,
        EmergencyApplyForm,
        "emergency_form",
        services.parameter_change_apply_emergency,
        _("承認前の適用（緊急）として記録しました。市の事後承認を受けてください。"),
    )


# --- training ----------------------------------------------------------------------------------------


@role_required(*READ_ROLES)
def routine_trainings(request):
    page = page_of(selectors.training_sessions(), request.GET.get("page"))
    return render(
        request,
        "ops/routine/trainings.html",
        {"page": page, "can_work": is_vendor(request.user)},
    )


def _training_or_404(pk) -> TrainingSession:
    try:
        return selectors.training_session(pk)
    except TrainingSession.DoesNotExist as exc:
        raise Http404 from exc


@role_required(*READ_ROLES)
def routine_training(request, pk):
    session = _training_or_404(pk)
    return render(
        request,
        "ops/routine/training.html",
        {
            "s": session,
            "can_work": is_vendor(request.user),
            "history": session.history.select_related("history_user").order_by("-history_date")[
                :30
            ],
        },
    )


def _training_form_page(request, form, title, back):
    return render(
        request,
        "ops/routine/form.html",
        {"form": form, "title": title, "back": back, "multipart": True},
        status=400 if form.is_bound else 200,
    )


@role_required(*VENDOR)
def routine_training_new(request):
    form = TrainingForm(
        request.POST or None,
        request.FILES or None,
        initial={"status": TrainingSession.Status.PLANNED},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("version", None)
        try:
            session = services.training_session_create(actor=request.user, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("研修を登録しました。"))
            return redirect("ops:routine_training", pk=session.pk)
    return _training_form_page(request, form, _("研修の登録"), reverse("ops:routine_trainings"))


@role_required(*VENDOR)
def routine_training_edit(request, pk):
    session = _training_or_404(pk)
    names = [n for n in TrainingForm.base_fields if n not in ("version", "material")]
    initial = {n: getattr(session, n) for n in names if n not in ("target_units", "attendees")}
    initial.update(
        target_units=list(session.target_units.all()),
        attendees=list(session.attendees.all()),
        version=session.version,
    )
    form = TrainingForm(
        request.POST or None, request.FILES or None, initial=initial, session=session
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if not data.get("material"):
            data.pop("material", None)
        if version is None:
            form.add_error(None, CONFLICT)
        else:
            try:
                services.training_session_update(
                    session=session, actor=request.user, expected_version=version, **data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except ConflictError:
                form.add_error(None, CONFLICT)
            else:
                messages.success(request, _("研修の記録を更新しました。"))
                return redirect("ops:routine_training", pk=pk)
    return _training_form_page(
        request,
        form,
        _("%(title)s の編集") % {"title": session.title},
        reverse("ops:routine_training", args=[pk]),
    )


@role_required(*READ_ROLES)
def routine_training_material(request, pk):
    return _download(get_object_or_404(TrainingSession, pk=pk).material)
