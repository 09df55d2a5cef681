"""Adding to and editing a case: each view is access check, form, one service call, redirect."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import User
from accounts.selectors import org_tree
from cases import access, services
from cases.forms import (
    AcceptForm,
    CloseForm,
    DiagnosisForm,
    MeasureForm,
    MeetingForm,
    NoteForm,
    PersonForm,
    ProtectionEditForm,
    ProtectionForm,
    SafetyCheckForm,
)
from cases.models import AbuseReport, Person, Protection
from cases.views._common import case_staff_required
from core.concurrency import ConflictError
from core.forms import add_service_errors
from core.timeutil import now_jst


def _form_page(request, consultation, form, title, action, *, conflict=None, extra=None):
    context = {
        "case": consultation,
        "form": form,
        "title": title,
        "conflict": conflict,
        **(extra or {}),
    }
    return render(request, "cases/record_form.html", context, status=409 if conflict else 200)


def _run(request, consultation, form, title, call, *, success, extra=None):
    """Validate, call the service, redirect; service errors land on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConflictError as exc:
            return _form_page(request, consultation, form, title, None, conflict=exc, extra=extra)
        else:
            messages.success(request, success)
            return redirect("cases:detail", pk=consultation.pk)
    return _form_page(request, consultation, form, title, None, extra=extra)


def _now_initial():
    return {"occurred_at": now_jst().replace(second=0, microsecond=0)}


@case_staff_required
def note_add(request, pk):
    case = access.get_consultation_for_user(request.user, pk)
    initial = {**_now_initial(), "addendum": not case.is_open}
    form = NoteForm(request.POST or None, initial=initial)
    return _run(
        request,
        case,
        form,
        "経過記録の追加",
        lambda d: services.note_add(
            consultation=case,
            actor=request.user,
            occurred_at=d["occurred_at"],
            kind=d["kind"],
            text=d["text"],
            disclosure=d["disclosure"],
            addendum=d["addendum"],
        ),
        success="経過記録を追加しました。",
    )


@case_staff_required
def safety_check_add(request, pk):
    case = access.get_consultation_for_user(request.user, pk)
    report = get_object_or_404(AbuseReport, consultation=case)
    form = SafetyCheckForm(
        request.POST or None, initial={"attempted_at": _now_initial()["occurred_at"]}
    )
    return _run(
        request,
        case,
        form,
        "安全確認の記録",
        lambda d: services.safety_check_record(
            report=report,
            actor=request.user,
            attempted_at=d["attempted_at"],
            method=d["method"],
            outcome=d["outcome"],
            note=d["note"],
        ),
        success="安全確認を記録しました。",
    )


@case_staff_required
def protection_add(request, pk):
    case = access.get_consultation_for_user(request.user, pk)
    form = ProtectionForm(request.POST or None, initial={"start_at": _now_initial()["occurred_at"]})
    return _run(
        request,
        case,
        form,
        "一時保護の開始",
        lambda d: services.protection_start(consultation=case, **d),
        success="一時保護を登録しました。",
    )


@case_staff_required
def protection_edit(request, pk, protection_pk):
    case = access.get_consultation_for_user(request.user, pk)
    protection = get_object_or_404(Protection, pk=protection_pk, consultation=case)
    fields = list(ProtectionEditForm.base_fields)
    initial = {f: getattr(protection, f) for f in fields if hasattr(protection, f)}
    form = ProtectionEditForm(request.POST or None, initial=initial)

    def call(d):
        version = d.pop("version")
        services.protection_update(protection=protection, expected_version=version, **d)

    return _run(request, case, form, "一時保護の更新", call, success="一時保護を更新しました。")


@case_staff_required
def meeting_add(request, pk):
    case = access.get_consultation_for_user(request.user, pk)
    form = MeetingForm(request.POST or None, initial={"held_on": now_jst().date()})
    return _run(
        request,
        case,
        form,
        "会議の記録",
        lambda d: services.meeting_add(consultation=case, actor=request.user, **d),
        success="会議を記録しました。",
    )


def _unit_staff(case):
    """Staff posted to the case's unit or its parent, for choosing the team."""
    tree = org_tree()
    line = (
        [case.unit_id, *tree.ancestors(case.unit_id)]
        if case.unit_id in tree.units
        else [case.unit_id]
    )
    today = now_jst().date()
    return (
        User.objects.filter(is_active=True, assignments__org_unit_id__in=line)
        .filter(
            Q(assignments__valid_to__isnull=True) | Q(assignments__valid_to__gte=today),
            assignments__valid_from__lte=today,
        )
        .filter(groups__name__in=["caseworker", "supervisor", "protection_staff"])
        .distinct()
        .order_by("employee_number")
    )


@case_staff_required
def accept(request, pk):
    case = access.get_consultation_for_user(request.user, pk)
    form = AcceptForm(
        request.POST or None,
        staff=_unit_staff(case),
        initial={"held_on": now_jst().date(), "lead": request.user.pk},
    )
    return _run(
        request,
        case,
        form,
        "受理会議（担当の決定）",
        lambda d: services.consultation_accept(
            consultation=case,
            actor=request.user,
            held_on=d["held_on"],
            attendees=d["attendees"],
            decisions=d["decisions"],
            lead=d["lead"],
            team=form.team(),
        ),
        success="受理会議を記録し、担当を決定しました。",
    )


@case_staff_required
def diagnosis_add(request, pk):
    case = access.get_consultation_for_user(request.user, pk)
    form = DiagnosisForm(request.POST or None, initial={"made_on": now_jst().date()})
    return _run(
        request,
        case,
        form,
        "診断の記録",
        lambda d: services.diagnosis_add(consultation=case, actor=request.user, **d),
        success="診断を記録しました。",
    )


@case_staff_required
def measure_add(request, pk):
    case = access.get_consultation_for_user(request.user, pk)
    form = MeasureForm(
        request.POST or None, initial={"decided_on": now_jst().date(), "start_on": now_jst().date()}
    )
    return _run(
        request,
        case,
        form,
        "援助・措置の登録",
        lambda d: services.measure_add(consultation=case, **d),
        success="援助・措置を登録しました。",
    )


@case_staff_required
def close(request, pk):
    case = access.get_consultation_for_user(request.user, pk)
    form = CloseForm(request.POST or None, initial={"version": case.version})
    return _run(
        request,
        case,
        form,
        "終結",
        lambda d: services.consultation_close(
            consultation=case, actor=request.user, reason=d["reason"], expected_version=d["version"]
        ),
        success="終結しました。",
    )


@case_staff_required
def person_edit(request, pk, person_pk):
    case = access.get_consultation_for_user(request.user, pk)
    allowed = {case.child_id, *case.child.relationships.values_list("other_id", flat=True)}
    if person_pk not in allowed:
        return redirect("cases:detail", pk=pk)
    person = get_object_or_404(Person, pk=person_pk)
    initial = {f: getattr(person, f) for f in PersonForm.base_fields}
    if person.address_confidential:
        initial["address"] = ""  # a masked address is never put on a page, not even in a form

    form = PersonForm(request.POST or None, initial=initial)

    def call(d):
        version = d.pop("version")
        if person.address_confidential and not d["address"]:
            d.pop("address")  # left blank: keep the hidden address
        services.person_update(person=person, expected_version=version, **d)

    return _run(
        request,
        case,
        form,
        f"{person.name} の情報の修正",
        call,
        success="人物の情報を更新しました。",
        extra={"person": person},
    )
