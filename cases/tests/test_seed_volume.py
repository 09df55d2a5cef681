"""seed_volume at a tiny size: counts, search fields, numbering, caseloads, refusal."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from accounts.access import case_scope
from accounts.models import OrgUnit, User
from cases.models import (
    AbuseReport,
    CaseAssignment,
    Consultation,
    Person,
    ProgressNote,
    Relationship,
)
from cases.volume import MARKER, VolumeLoader

SIZES = {"children": 200, "consultations": 300, "notes": 3000}


class Volume:
    """What seed_volume printed, and the ids above which its rows start
    (seed_demo may already have made a few demo cases)."""

    def __init__(self, output, before):
        self.output = output
        self.before = before


def _max_ids():
    return {
        model: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        for model in (Person, Consultation, ProgressNote, Relationship, AbuseReport)
    }


@pytest.fixture
def volume(db):
    call_command("seed_demo", stdout=io.StringIO())
    before = _max_ids()
    out = io.StringIO()
    call_command("seed_volume", **SIZES, stdout=out)
    return Volume(out.getvalue(), before)


def test_counts_and_progress_lines(volume):
    b = volume.before
    cases = Consultation.objects.filter(pk__gt=b[Consultation])
    assert cases.count() == 300
    assert ProgressNote.objects.filter(pk__gt=b[ProgressNote]).count() == 3000
    children = set(cases.values_list("child_id", flat=True))
    assert len(children) == 200
    # 1-2 guardians per child, all flagged as guardians
    per_child = Counter(
        Relationship.objects.filter(pk__gt=b[Relationship], is_guardian=True).values_list(
            "person_id", flat=True
        )
    )
    assert set(per_child) == children
    assert set(per_child.values()) <= {1, 2}
    assert 20 <= AbuseReport.objects.filter(pk__gt=b[AbuseReport]).count() <= 110  # ~20%
    assert "経過記録: 3,000 行" in volume.output
    assert "投入完了" in volume.output
    assert "注意" not in volume.output  # 900001 posted to C1-11, 900002 supervises it


def test_every_person_is_searchable(volume):
    assert not Person.objects.filter(search_kana="").exists()
    assert not Person.objects.filter(search_name="").exists()
    for p in Person.objects.all()[:50]:
        p2 = Person(name=p.name, name_kana=p.name_kana)
        p2.refresh_search_fields()
        assert (p.search_name, p.search_kana) == (p2.search_name, p2.search_kana)
        # the SQL rule used for bulk loads gives the same bigrams as the Python one
        assert sorted(p.search_bigrams) == p2.search_bigrams


def test_numbers_are_unique_and_well_formed(volume):
    rows = list(Consultation.objects.values_list("number", "fiscal_year", "sequence"))
    assert len({n for n, *_ in rows}) == len(rows)
    rows = [r for r in rows if r[0] in _volume_numbers(volume)]
    assert len(rows) == 300
    for number, fy, seq in rows:
        assert re.fullmatch(r"\d{4}-\d{5}", number)
        assert number == f"{fy}-{seq:05d}"
    assert len({fy for _, fy, _ in rows}) > 10  # spread over the years


def _volume_numbers(volume):
    return set(
        Consultation.objects.filter(pk__gt=volume.before[Consultation]).values_list(
            "number", flat=True
        )
    )


def test_closed_cases_have_closure_data(volume):
    closed = Consultation.objects.filter(status=Consultation.Status.CLOSED)
    assert closed.exists()
    assert not closed.filter(closed_at__isnull=True).exists()
    assert not closed.filter(retention_until__isnull=True).exists()
    assert not closed.filter(closure_reason="").exists()
    # every open case has exactly one active lead
    open_cases = Consultation.objects.exclude(status=Consultation.Status.CLOSED)
    for case in open_cases:
        leads = case.assignments.filter(role="lead", ended_at__isnull=True)
        assert leads.count() == 1
    assert not CaseAssignment.objects.filter(
        consultation__status=Consultation.Status.CLOSED, ended_at__isnull=True
    ).exists()


def test_demo_caseworker_has_open_cases_and_supervisor_sees_them(volume):
    worker = User.objects.get(employee_number="900001")
    mine = CaseAssignment.objects.filter(user=worker, role="lead", ended_at__isnull=True)
    assert mine.filter(consultation__pk__gt=volume.before[Consultation]).exists()
    section = OrgUnit.objects.get(code="C1-11", valid_to__isnull=True)
    assert not mine.exclude(consultation__unit=section).exists()
    assert not mine.filter(consultation__status=Consultation.Status.CLOSED).exists()
    supervisor = User.objects.get(employee_number="900002")
    assert section.pk in case_scope(supervisor).supervised_unit_ids


def test_second_run_refuses_without_force(volume):
    count = Consultation.objects.count()
    with pytest.raises(CommandError, match=r"既に投入済み.*--force"):
        call_command("seed_volume", **SIZES, stdout=io.StringIO())
    assert Consultation.objects.count() == count


def test_force_appends_with_fresh_numbers(volume):
    cases, notes = Consultation.objects.count(), ProgressNote.objects.count()
    call_command(
        "seed_volume", children=20, consultations=30, notes=100, force=True, stdout=io.StringIO()
    )
    assert Consultation.objects.count() == cases + 30
    assert ProgressNote.objects.count() == notes + 100
    numbers = list(Consultation.objects.values_list("number", flat=True))
    assert len(set(numbers)) == len(numbers)


def test_open_cases_have_at_most_one_pending_review(volume):
    from cases.models import Meeting

    assert not Meeting.objects.filter(next_review_on__lt=F("held_on")).exists()
    pending = Counter(
        Meeting.objects.filter(next_review_on__isnull=False)
        .exclude(consultation__status=Consultation.Status.CLOSED)
        .values_list("consultation_id", flat=True)
    )
    assert pending
    assert max(pending.values()) == 1


def test_marker_names_the_first_volume_case(volume):
    marker = VolumeLoader.existing_marker()
    assert marker.startswith(MARKER)
    first = Consultation.objects.filter(pk__gt=volume.before[Consultation]).order_by("pk").first()
    assert f"[first {first.pk} {first.number}]" in marker
    # once that case is gone (here: renumbered), the volume no longer counts as loaded
    Consultation.objects.filter(pk=first.pk).update(number="X-1")
    assert VolumeLoader.existing_marker() is None
