"""Marking occurrences done (with evidence), late, and undone; SLA #9 (on schedule)."""

from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import roles
from core.concurrency import ConflictError
from core.timeutil import JST
from ops.models import RoutineOccurrence, RoutineOperation
from ops.selectors.routine import operations_on_schedule
from ops.services import routine as services

pytestmark = pytest.mark.django_db


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


@pytest.fixture
def vendor(make_user):
    return make_user(roles.VENDOR_OPERATOR)


def occurrence(day: date, *, deliverable: str = "", hour: int = 17, name="バックアップ確認"):
    op, _ = RoutineOperation.objects.get_or_create(
        name=name,
        defaults={
            "category": "backup",
            "frequency": "daily",
            "due_time": time(hour, 0),
            "valid_from": date(2026, 4, 1),
            "deliverable": deliverable,
        },
    )
    return RoutineOccurrence.objects.create(
        operation=op, rule_date=day, due_date=day, due_at=jst(day.year, day.month, day.day, hour)
    )


def mark(occ, vendor, done_at, **kw):
    kw.setdefault("evidence_note", "確認済み")
    return services.occurrence_mark_done(
        occurrence=occ,
        actor=vendor,
        done_at=done_at,
        expected_version=occ.version,
        now=kw.pop("now", done_at + timedelta(minutes=1)),
        **kw,
    )


def test_done_on_time_is_done_and_after_the_due_time_is_late(vendor):
    on_time = mark(occurrence(date(2026, 11, 2)), vendor, jst(2026, 11, 2, 16, 59))
    late = mark(occurrence(date(2026, 11, 3)), vendor, jst(2026, 11, 4, 9, 0))

    assert (on_time.status, on_time.done_by, on_time.version) == ("done", vendor, 2)
    assert late.status == "late" and late.done_at == jst(2026, 11, 4, 9, 0)
    assert late.history.first().status == "late"


def test_a_missed_occurrence_can_still_be_marked_done_late(vendor):
    occ = occurrence(date(2026, 11, 2))
    services.occurrences_mark_missed(now=jst(2026, 11, 3, 0, 30))
    occ.refresh_from_db()
    assert occ.status == "missed"

    assert mark(occ, vendor, jst(2026, 11, 3, 10)).status == "late"


def test_a_deliverable_must_be_delivered_by_the_due_time_too(vendor):
    occ = occurrence(date(2026, 11, 2), deliverable="システム統計情報（月次）", name="月次統計")

    with pytest.raises(ValidationError) as exc:
        mark(occ, vendor, jst(2026, 11, 2, 12))
    assert "納品日時" in exc.value.message_dict["deliverable_delivered_at"][0]

    done = mark(
        occ,
        vendor,
        jst(2026, 11, 2, 12),
        deliverable_delivered_at=jst(2026, 11, 2, 18),
        now=jst(2026, 11, 2, 18, 5),
    )
    assert done.status == "late"


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"evidence_note": "  "}, "evidence_note", "証跡ファイルを添付"),
        ({"done_at": jst(2026, 11, 2, 20), "now": jst(2026, 11, 2, 12)}, "done_at", "未来"),
        (
            {"evidence_file": SimpleUploadedFile("a.exe", b"MZ")},
            "evidence_file",
            "ファイルの種類",
        ),
    ],
)
def test_bad_input_names_the_field_and_leaves_the_occurrence_as_it_was(
    vendor, kwargs, field, message
):
    occ = occurrence(date(2026, 11, 2))
    done_at = kwargs.pop("done_at", jst(2026, 11, 2, 10))

    with pytest.raises(ValidationError) as exc:
        mark(occ, vendor, done_at, **kwargs)

    assert message in " ".join(exc.value.message_dict[field])
    occ.refresh_from_db()
    assert (occ.status, occ.done_at, occ.version, occ.history.count()) == ("planned", None, 1, 1)


def test_evidence_can_be_a_file_alone_and_too_big_a_file_is_refused(vendor, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.OPS_ROUTINE_UPLOAD_MAX_BYTES = 10
    occ = occurrence(date(2026, 11, 2))
    with pytest.raises(ValidationError) as exc:
        mark(
            occ,
            vendor,
            jst(2026, 11, 2, 10),
            evidence_note="",
            evidence_file=SimpleUploadedFile("log.txt", b"x" * 11),
        )
    assert "上限" in exc.value.message_dict["evidence_file"][0]

    done = mark(
        occ,
        vendor,
        jst(2026, 11, 2, 10),
        evidence_note="",
        evidence_file=SimpleUploadedFile("log.txt", b"ok"),
    )
    assert done.status == "done" and done.evidence_file.read() == b"ok"


def test_undo_needs_a_reason_and_goes_back_to_planned_or_missed(vendor):
    occ = mark(occurrence(date(2026, 11, 2)), vendor, jst(2026, 11, 2, 10))

    with pytest.raises(ValidationError) as exc:
        services.occurrence_undo(
            occurrence=occ, actor=vendor, reason=" ", expected_version=occ.version
        )
    assert "理由" in exc.value.message_dict["reason"][0]
    occ.refresh_from_db()
    assert occ.status == "done"

    before_due = services.occurrence_undo(
        occurrence=occ,
        actor=vendor,
        reason="別の日の記録と取り違えた",
        expected_version=occ.version,
        now=jst(2026, 11, 2, 11),
    )
    assert (before_due.status, before_due.done_at, before_due.done_by) == ("planned", None, None)
    assert before_due.undo_reason == "別の日の記録と取り違えた"
    again = mark(before_due, vendor, jst(2026, 11, 2, 12))
    after_due = services.occurrence_undo(
        occurrence=again,
        actor=vendor,
        reason="誤記録",
        expected_version=again.version,
        now=jst(2026, 11, 3, 9),
    )
    assert after_due.status == "missed"
    assert [h.status for h in after_due.history.order_by("history_date")] == [
        "planned",
        "done",
        "planned",
        "done",
        "missed",
    ]


def test_a_stale_form_is_refused_and_a_done_one_cannot_be_marked_again(vendor):
    occ = occurrence(date(2026, 11, 2))
    mark(occ, vendor, jst(2026, 11, 2, 10))

    with pytest.raises(ConflictError):
        mark(occ, vendor, jst(2026, 11, 2, 11))  # loaded at version 1, stale
    occ.refresh_from_db()
    with pytest.raises(ValidationError, match="すでに実施済み"):
        mark(occ, vendor, jst(2026, 11, 2, 11))


def test_only_vendor_staff_record_done(make_user):
    occ = occurrence(date(2026, 11, 2))
    with pytest.raises(ValidationError, match="事業者"):
        mark(occ, make_user(roles.CITY_ADMIN), jst(2026, 11, 2, 10))


# --- SLA #9 -----------------------------------------------------------------------------------


def test_on_time_share_counts_only_occurrences_already_due(vendor, time_machine):
    # November 2–6: on time, late, missed, delivered late, and (6th) not yet due at "now".
    for day in range(2, 7):
        occurrence(date(2026, 11, day))
    report = occurrence(date(2026, 11, 4), deliverable="月次報告書", name="月次報告")
    occs = {
        o.due_date.day: o
        for o in RoutineOccurrence.objects.filter(operation__name="バックアップ確認")
    }
    mark(occs[2], vendor, jst(2026, 11, 2, 17, 0))  # exactly at the due time: met
    mark(occs[3], vendor, jst(2026, 11, 3, 17, 1))
    mark(
        report,
        vendor,
        jst(2026, 11, 4, 10),
        deliverable_delivered_at=jst(2026, 11, 5, 9),
        now=jst(2026, 11, 5, 10),
    )
    mark(occs[5], vendor, jst(2026, 11, 5, 9))
    mark(occs[6], vendor, jst(2026, 11, 6, 9))  # done early, but not yet due: not counted

    time_machine.move_to(jst(2026, 11, 6, 12, 0))
    result = operations_on_schedule(date(2026, 11, 1), date(2026, 11, 30))

    assert (result.counted, result.met) == (5, 2)
    assert result.rate == 40.0
    assert [(o.operation.name, o.due_date.day) for o in result.missed] == [
        ("バックアップ確認", 3),
        ("バックアップ確認", 4),
        ("月次報告", 4),
    ]


def test_on_time_share_of_an_empty_period_is_none():
    result = operations_on_schedule(date(2026, 11, 1), date(2026, 11, 30), now=jst(2026, 12, 1))
    assert (result.counted, result.met, result.rate, result.missed) == (0, 0, None, [])
