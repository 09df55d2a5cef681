from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render

from accounts.selectors import current_assignments
from cases import services
from cases.forms import IntakeForm
from cases.models import Person
from cases.selectors import likely_duplicates
from cases.views._common import case_staff_required
from core.forms import add_service_errors


def _child(form: IntakeForm) -> Person:
    data = form.cleaned_data
    if data.get("child_id"):
        return Person.objects.get(pk=data["child_id"])
    return services.person_create(
        name=data["child_name"],
        name_kana=data["child_kana"],
        sex=data["child_sex"],
        birth_date=data["child_birth_date"],
        address=data["child_address"],
        school=data["child_school"],
        address_confidential=data["child_address_confidential"],
    )


@case_staff_required
def intake(request):
    form = IntakeForm(request.POST or None)
    candidates = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data.get("child_id") and not data.get("confirm_new_child"):
            candidates = list(
                likely_duplicates(
                    name=data["child_name"],
                    name_kana=data["child_kana"],
                    birth_date=data["child_birth_date"],
                )
            )
        if not candidates:
            post = current_assignments(user=request.user).first()
            if post is None:
                form.add_error(
                    None,
                    "所属が登録されていないため受付できません。システム管理者に連絡してください。",
                )
            else:
                try:
                    with transaction.atomic():
                        consultation = _intake(request.user, post.org_unit, form)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    return redirect("cases:detail", pk=consultation.pk)
    return render(request, "cases/intake.html", {"form": form, "candidates": candidates})


def _intake(actor, unit, form: IntakeForm):
    data = form.cleaned_data
    child = _child(form)
    if data.get("guardian_name"):
        guardian = services.person_create(
            name=data["guardian_name"], name_kana=data["guardian_kana"] or ""
        )
        services.relationship_add(
            person=child,
            other=guardian,
            relation=data["guardian_relation"] or "保護者",
            is_guardian=True,
            is_adversary=data["guardian_is_adversary"],
        )
    reporter = None
    if data.get("reporter_anonymous") or data.get("reporter_name"):
        reporter = {
            "anonymous": data["reporter_anonymous"],
            "name": "" if data["reporter_anonymous"] else data["reporter_name"],
            "contact": data["reporter_contact"],
            "relation": data["reporter_relation"],
        }
    abuse = None
    if data.get("is_abuse"):
        abuse = {
            "abuse_types": data["abuse_types"],
            "urgency": data["urgency"],
            "perpetrator": data["perpetrator"],
        }
    return services.consultation_intake(
        actor=actor,
        unit=unit,
        received_at=data["received_at"],
        channel=data["channel"],
        route=data["route"],
        consultation_type=data["consultation_type"],
        main_concern=data["main_concern"],
        child=child,
        reporter=reporter,
        abuse=abuse,
    )
