from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import case_scope
from accounts.models import User
from cases import access
from cases.display import person_address
from cases.forms import BreakGlassForm
from cases.history import case_history_rows
from cases.models import Consultation, Person
from cases.selectors import case_detail as load_case
from cases.selectors import recent_notes
from cases.views._common import case_staff_required
from core.audit import log_access
from core.forms import add_service_errors
from core.models import AccessLog


def _people(consultation, revealed_id=None):
    child = consultation.child
    rows = [
        {
            "role": "児童",
            "person": child,
            "address": person_address(child, revealed=child.pk == revealed_id),
        }
    ]
    for rel in consultation.child.relationships.all():
        rows.append(
            {
                "role": rel.relation,
                "person": rel.other,
                "relationship": rel,
                "address": person_address(rel.other, revealed=rel.other_id == revealed_id),
            }
        )
    return rows


def render_case(request, consultation, *, revealed_id=None, status=200):
    case = load_case(consultation)
    adversaries = [r.other for r in case.child.relationships.all() if r.is_adversary]
    supervises = case.unit_id in case_scope(request.user).supervised_unit_ids
    on_team = any(a.user_id == request.user.pk for a in case.assignments.all())
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "people": _people(case, revealed_id),
            "adversaries": adversaries,
            "is_supervisor": supervises,
            # The reporter's identity is for the team and its supervisors only,
            # not for someone who broke the glass.
            "show_reporter": supervises or on_team,
            "now": timezone.now(),
            "notes": recent_notes(case),
            "notes_total": case.notes.count(),
        },
        status=status,
    )


@case_staff_required
def case_detail(request, pk):
    try:
        consultation = access.get_consultation_for_user(request.user, pk, request=request)
    except PermissionDenied:
        if Consultation.objects.filter(pk=pk).exists():
            return redirect("cases:break_glass", pk=pk)
        raise
    return render_case(request, consultation)


@case_staff_required
def break_glass_view(request, pk):
    consultation = get_object_or_404(
        Consultation.objects.only("pk", "number", "child__name_kana").select_related("child"), pk=pk
    )
    if access.can_open(request.user, consultation):
        return redirect("cases:detail", pk=pk)
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            access.break_glass(
                user=request.user,
                consultation_pk=pk,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.warning(
                request, "緊急閲覧として記録し、担当組織のスーパーバイザーに通知しました。"
            )
            return redirect("cases:detail", pk=pk)
    return render(
        request,
        "cases/break_glass.html",
        {
            "form": form,
            "number": consultation.number,
            "kana": consultation.child.name_kana,
            "pk": pk,
        },
        status=403 if request.method == "GET" else 200,
    )


@case_staff_required
@require_POST
def reveal_address(request, pk, person_pk):
    consultation = access.get_consultation_for_user(request.user, pk)
    allowed = {
        consultation.child_id,
        *consultation.child.relationships.values_list("other_id", flat=True),
    }
    if person_pk not in allowed:
        raise Http404
    person = get_object_or_404(Person, pk=person_pk)
    log_access(
        request=request,
        action=AccessLog.Action.REVEAL,
        object_type="person",
        object_id=person.pk,
        detail=f"{consultation.number} 住所の表示",
    )
    return render_case(request, consultation, revealed_id=person.pk)


@case_staff_required
def case_history(request, pk):
    consultation = access.get_consultation_for_user(request.user, pk, request=request)
    rows = case_history_rows(consultation)
    return render(request, "cases/history.html", {"case": consultation, "rows": rows})


@case_staff_required
def case_readers(request, pk):
    consultation = access.get_consultation_for_user(request.user, pk)
    if consultation.unit_id not in case_scope(request.user).supervised_unit_ids:
        raise PermissionDenied
    logs = list(
        AccessLog.objects.filter(
            object_type="consultation", object_id=str(consultation.pk)
        ).order_by("-at")[:500]
    )
    names = dict(
        User.objects.filter(pk__in={log.user_id for log in logs}).values_list("pk", "name")
    )
    return render(
        request,
        "cases/readers.html",
        {
            "case": consultation,
            "logs": [(log, names.get(log.user_id, log.user_id)) for log in logs],
            "detail_url": reverse("cases:detail", args=[pk]),
        },
    )
