"""Training (研修) at transfer time: plans and records, with units, attendees and material."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts import roles
from accounts.tests.factories import OrgUnitFactory
from core.concurrency import ConflictError
from ops.models import TrainingSession
from ops.services import routine as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def vendor(make_user):
    return make_user(roles.VENDOR_OPERATOR)


@pytest.fixture(autouse=True)
def _april(time_machine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to("2027-04-20 10:00 +0900")


def plan(vendor, **kw):
    data = {
        "title": "異動者向けシステム操作研修",
        "planned_date": date(2027, 4, 8),
        "status": "planned",
    }
    data.update(kw)
    return services.training_session_create(actor=vendor, **data)


def test_a_plan_then_its_record_with_units_attendees_and_material(vendor, make_user):
    units = [OrgUnitFactory(), OrgUnitFactory()]
    people = [make_user(roles.CASEWORKER), make_user(roles.SUPERVISOR)]
    session = plan(vendor, target_units=units)
    assert (session.status, session.created_by, session.version) == ("planned", vendor, 1)

    session = services.training_session_update(
        session=session,
        actor=vendor,
        expected_version=1,
        status="held",
        held_date=date(2027, 4, 9),
        attendees=people,
        attendee_count=3,
        attendee_names_note="区役所 臨時職員 1名",
        material=SimpleUploadedFile("操作研修.pdf", b"%PDF-1.4 test"),
    )

    session.refresh_from_db()
    assert (session.status, session.held_date, session.version) == ("held", date(2027, 4, 9), 2)
    assert set(session.target_units.all()) == set(units)
    assert set(session.attendees.all()) == set(people)
    assert session.material_filename.endswith(".pdf")
    latest = session.history.first()
    assert latest.status == "held" and {a.user_id for a in latest.attendees.all()} == {
        p.pk for p in people
    }


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"status": "held"}, "held_date", "実施日を入力"),
        ({"status": "held", "held_date": date(2027, 4, 21)}, "held_date", "未来"),
        ({"held_date": date(2027, 4, 9)}, "status", "実施済"),
        ({"status": "cancelled", "notes": ""}, "notes", "中止の理由"),
        ({"title": " "}, "title", "研修名"),
        ({"material": SimpleUploadedFile("a.exe", b"MZ")}, "material", "ファイルの種類"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(vendor, fields, field, message):
    with pytest.raises(ValidationError) as exc:
        plan(vendor, **fields)
    assert message in " ".join(exc.value.message_dict[field])
    assert not TrainingSession.objects.exists()


def test_a_count_below_the_chosen_attendees_is_refused_and_the_record_stays(vendor, make_user):
    session = plan(vendor)
    with pytest.raises(ValidationError) as exc:
        services.training_session_update(
            session=session,
            actor=vendor,
            expected_version=1,
            attendees=[make_user(roles.CASEWORKER), make_user(roles.CASEWORKER)],
            attendee_count=1,
        )
    assert "2名" in exc.value.message_dict["attendee_count"][0]
    session.refresh_from_db()
    assert (session.version, session.attendees.count(), session.attendee_count) == (1, 0, None)


def test_a_too_big_material_is_refused(vendor, settings):
    settings.OPS_ROUTINE_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        plan(vendor, material=SimpleUploadedFile("資料.pptx", b"x" * 1025))
    assert "上限" in exc.value.message_dict["material"][0]


def test_a_stale_edit_is_refused(vendor):
    session = plan(vendor)
    services.training_session_update(session=session, actor=vendor, expected_version=1, notes="a")
    with pytest.raises(ConflictError):
        services.training_session_update(
            session=session, actor=vendor, expected_version=1, notes="b"
        )


def test_a_city_admin_cannot_edit_training(make_user):
    with pytest.raises(ValidationError, match="事業者"):
        plan(make_user(roles.CITY_ADMIN))
