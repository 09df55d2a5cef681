"""Printed case documents (PDF): 児童記録票 and 一時保護記録.

Every print goes through the case access rule and is written to the read log
(action "print"). The reporter (通告者) is never printed; confidential
addresses are always masked (a print is never "revealed").
``?redacted=1`` makes the copy for a disclosure request (開示請求).
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cases.access import get_consultation_for_user
from cases.display import person_address
from cases.models import (
    AbuseReport,
    CaseAssignment,
    Consultation,
    Diagnosis,
    Measure,
    Meeting,
    Person,
    ProgressNote,
    Protection,
    Relationship,
    SafetyCheck,
)
from core.models import AccessLog
from core.pdf import pdf_response, render_pdf

NOT_DISCLOSED_ASSESSMENT = "（不開示：評価・判断情報）"


@dataclass(frozen=True)
class PersonRow:
    person: Person
    address: str
    relation: str = ""
    lives_together: bool = False
    is_guardian: bool = False


@dataclass(frozen=True)
class NoteRow:
    note: ProgressNote
    withheld: str  # the replacement line when the note is not disclosed, else ""


def _withheld_line(note: ProgressNote) -> str:
    """「（不開示：第三者情報）」 from the label 「不開示（第三者情報）」."""
    label = str(note.get_disclosure_display())
    prefix, suffix = "不開示（", "）"
    if label.startswith(prefix) and label.endswith(suffix):
        label = label[len(prefix) : -len(suffix)]
    return f"（不開示：{label}）"


def _active_assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=CaseAssignment.objects.filter(ended_at__isnull=True)
        .select_related("user")
        .order_by("assigned_at", "pk"),
        to_attr="active_assignments",
    )


def _protections() -> Prefetch:
    return Prefetch(
        "protections",
        queryset=Protection.objects.order_by("start_at", "pk"),
        to_attr="protections_ordered",
    )


RECORD_PREFETCHES = (
    _active_assignments,
    lambda: Prefetch(
        "notes",
        queryset=ProgressNote.objects.select_related("author").order_by("occurred_at", "pk"),
        to_attr="notes_chronological",
    ),
    lambda: Prefetch(
        "meetings", queryset=Meeting.objects.order_by("held_on", "pk"), to_attr="meetings_ordered"
    ),
    lambda: Prefetch(
        "diagnoses",
        queryset=Diagnosis.objects.select_related("author").order_by("made_on", "pk"),
        to_attr="diagnoses_ordered",
    ),
    lambda: Prefetch(
        "measures",
        queryset=Measure.objects.select_related("code__group").order_by("start_on", "pk"),
        to_attr="measures_ordered",
    ),
    _protections,
)
PROTECTION_PREFETCHES = (_active_assignments, _protections)
ROLE_ORDER = {role: i for i, role in enumerate(CaseAssignment.Role.values)}


def _load_case(request, pk, prefetches) -> Consultation:
    """The case (access checked, print logged) with everything the print shows.

    A fixed number of queries whatever the number of notes, meetings, etc.
    """
    case = get_consultation_for_user(
        request.user, pk, request=request, action=AccessLog.Action.PRINT
    )
    case = (
        Consultation.objects.select_related(
            "child", "unit", "receiver", "route__group", "consultation_type__group"
        )
        .prefetch_related(*(make() for make in prefetches))
        .get(pk=case.pk)
    )
    case.active_assignments.sort(key=lambda a: ROLE_ORDER.get(a.role, len(ROLE_ORDER)))
    return case


def _abuse_report(case: Consultation) -> AbuseReport | None:
    return (
        AbuseReport.objects.filter(consultation=case)
        .prefetch_related(
            Prefetch(
                "checks",
                queryset=SafetyCheck.objects.select_related("by").order_by("attempted_at", "pk"),
                to_attr="checks_ordered",
            )
        )
        .first()
    )


def _household(child: Person) -> list[PersonRow]:
    relationships = (
        Relationship.objects.filter(person=child)
        .select_related("other")
        .order_by("-is_guardian", "-lives_together", "pk")
    )
    return [
        PersonRow(
            person=rel.other,
            address=person_address(rel.other),
            relation=rel.relation,
            lives_together=rel.lives_together,
            is_guardian=rel.is_guardian,
        )
        for rel in relationships
    ]


def _common_context(request, case: Consultation, title: str) -> dict:
    return {
        "case": case,
        "title": title,
        "printed_at": timezone.now(),
        "printed_by": request.user,
        "child": PersonRow(person=case.child, address=person_address(case.child)),
    }


@login_required
@require_GET
def record_pdf(request, pk):
    """児童記録票: the case summary, chronological notes; never the reporter."""
    redacted = request.GET.get("redacted") == "1"
    case = _load_case(request, pk, RECORD_PREFETCHES)
    report = _abuse_report(case)
    abuse_types = []
    if report is not None:
        labels = dict(AbuseReport.AbuseType.choices)
        abuse_types = [str(labels.get(t, t)) for t in report.abuse_types]
    notes = [
        NoteRow(
            note=n,
            withheld=_withheld_line(n)
            if redacted and n.disclosure != ProgressNote.Disclosure.OPEN
            else "",
        )
        for n in case.notes_chronological
    ]
    title = _("児童記録票（開示用）") if redacted else _("児童記録票")
    context = {
        **_common_context(request, case, title),
        "redacted": redacted,
        "withheld_assessment": NOT_DISCLOSED_ASSESSMENT,
        "household": _household(case.child),
        "report": report,
        "abuse_types": abuse_types,
        "notes": notes,
    }
    data = render_pdf("cases/print/record.html", context, request=request)
    suffix = "_開示用" if redacted else ""
    return pdf_response(data, f"児童記録票_{case.number}{suffix}.pdf")


@login_required
@require_GET
def protection_pdf(request, pk):
    """一時保護記録: each protection with its legal deadlines."""
    case = _load_case(request, pk, PROTECTION_PREFETCHES)
    context = _common_context(request, case, _("一時保護記録"))
    data = render_pdf("cases/print/protection.html", context, request=request)
    return pdf_response(data, f"一時保護記録_{case.number}.pdf")
