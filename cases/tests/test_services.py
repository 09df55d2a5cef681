"""Case writes: numbering, deadlines, bad input, closure, retention, conflicts, history."""

from datetime import date, datetime, timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import services
from cases.models import Consultation, Person, ProgressNote
from cases.selectors import dashboard_for
from cases.tests.factories import (
    ConsultationFactory,
    PersonFactory,
    abuse_report,
    assign,
    code,
    protection,
)
from core.concurrency import ConflictError
from core.models import Notification
from core.timeutil import JST

pytestmark = pytest.mark.django_db


def intake(world, **overrides):
    child = overrides.pop("child", None) or PersonFactory()
    kwargs = dict(
        actor=world.city.worker1,
        unit=world.city.sec1,
        received_at=timezone.now() - timedelta(minutes=5),
        channel="report",
        route=code("keiro", "04"),
        consultation_type=code("soudan_shubetsu", "11"),
        main_concern="近所から怒鳴り声と泣き声。",
        child=child,
        reporter={"anonymous": True},
        abuse={"abuse_types": ["physical"], "urgency": "A"},
    )
    kwargs.update(overrides)
    return services.consultation_intake(**kwargs)


def test_intake_issues_fiscal_year_numbers_in_sequence(world, time_machine):
    time_machine.move_to("2027-03-31 23:50 +0900")
    first = intake(world)
    time_machine.move_to("2027-04-01 00:10 +0900")
    second, third = intake(world), intake(world)
    assert first.number.startswith("2026-")
    assert (second.number, third.number) == ("2027-00001", "2027-00002")
    assert first.assignments.get().user == world.city.worker1


def test_an_abuse_report_is_due_48_hours_after_acceptance(world, time_machine):
    time_machine.move_to("2026-11-30 10:00 +0900")
    case = intake(world, received_at=datetime(2026, 11, 30, 9, 30, tzinfo=JST))
    assert case.abuse_report.safety_due_at == datetime(2026, 12, 2, 9, 30, tzinfo=JST)


def test_the_48_hour_countdown_reaches_the_dashboards_and_escalates_once(world, time_machine):
    time_machine.move_to("2026-11-30 09:00 +0900")
    case = intake(world, received_at=datetime(2026, 11, 30, 9, 0, tzinfo=JST))
    due = dashboard_for(world.city.worker1).due
    assert [(d.number, d.overdue) for d in due] == [(case.number, False)]

    time_machine.move_to("2026-12-02 09:01 +0900")
    assert dashboard_for(world.city.worker1).due[0].overdue
    assert [d.number for d in dashboard_for(world.city.sv1).unit_due] == [case.number]
    assert services.escalate_overdue_safety_checks() == 1
    assert services.escalate_overdue_safety_checks() == 0
    told = set(Notification.objects.values_list("user_id", flat=True))
    assert told == {world.city.worker1.pk, world.city.sv1.pk}
    assert "期限超過" in Notification.objects.first().text


def test_a_confirmed_safety_check_stops_the_clock(world, time_machine):
    time_machine.move_to("2026-11-30 09:00 +0900")
    case = intake(world)
    services.safety_check_record(
        report=case.abuse_report,
        actor=world.city.worker1,
        attempted_at=timezone.now(),
        method="agency",
        outcome="not_seen",
    )
    assert case.abuse_report.safety_confirmed_at is None
    services.safety_check_record(
        report=case.abuse_report,
        actor=world.city.worker1,
        attempted_at=timezone.now(),
        method="sight",
        outcome="confirmed",
    )
    case.abuse_report.refresh_from_db()
    assert case.abuse_report.safety_confirmed_at is not None
    assert dashboard_for(world.city.worker1).due == []


def test_protection_deadlines_warrant_in_7_days_and_2_months(world, time_machine):
    time_machine.move_to("2026-11-30 10:00 +0900")
    p = protection(world.case1, start_at=timezone.now(), consent=False)
    assert p.warrant_due_at == datetime(2026, 12, 7, 10, 0, tzinfo=JST)
    assert p.limit_date == date(2027, 1, 30)
    items = {d.what: d for d in dashboard_for(world.city.worker1).due}
    assert "一時保護状の請求（同意なし・7日以内）" in items
    time_machine.move_to("2027-01-25 10:00 +0900")
    assert "一時保護の期間（2か月）満了" in {d.what for d in dashboard_for(world.city.worker1).due}
    p.court_approved_until = date(2027, 3, 30)
    p.save()
    assert p.limit_date == date(2027, 3, 30)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda w: services.person_create(
                name="未来", name_kana="ミライ", birth_date=date(2099, 1, 1)
            ),
            "未来",
        ),
        (lambda w: intake(w, child=w.case1.child, main_concern="   "), "主訴"),
        (
            lambda w: intake(
                w, child=w.case1.child, consultation_type=code("soudan_shubetsu", "10")
            ),
            "具体的な種別",
        ),
        (lambda w: intake(w, child=w.case1.child, route=code("soudan_shubetsu", "11")), "コード"),
        (
            lambda w: intake(w, child=w.case1.child, abuse={"abuse_types": [], "urgency": "A"}),
            "虐待種別",
        ),
        (
            lambda w: services.note_add(
                consultation=w.case1,
                actor=w.city.worker1,
                occurred_at=timezone.now(),
                kind="phone",
                text="あ" * 100_000,
            ),
            "長すぎ",
        ),
        (
            lambda w: services.protection_start(
                consultation=w.case1,
                start_at=timezone.now(),
                reason="observation",
                place="delegated",
                parental_consent=True,
            ),
            "委託先",
        ),
    ],
)
def test_bad_input_gets_a_japanese_error_and_saves_nothing(world, call, message):
    counts = (Consultation.objects.count(), Person.objects.count(), ProgressNote.objects.count())
    with pytest.raises(ValidationError) as exc:
        call(world)
    assert message in str(exc.value)
    assert (
        Consultation.objects.count(),
        Person.objects.count(),
        ProgressNote.objects.count(),
    ) == counts


def test_protection_cannot_end_before_it_started(world):
    p = protection(world.case1, start_at=timezone.now() - timedelta(days=3), consent=True)
    with pytest.raises(ValidationError, match="開始日時より前"):
        services.protection_update(
            protection=p,
            expected_version=p.version,
            end_at=p.start_at - timedelta(hours=1),
            end_reason="家庭復帰",
        )


def test_a_case_with_running_measures_cannot_close(world):
    services.measure_add(
        consultation=world.case1,
        code=code("enjo", "12"),
        decided_on=date(2026, 6, 1),
        start_on=date(2026, 6, 1),
    )
    with pytest.raises(ValidationError, match="終了していない援助"):
        services.consultation_close(
            consultation=world.case1,
            actor=world.city.worker1,
            reason="援助の終了",
            expected_version=world.case1.version,
        )
    world.case1.refresh_from_db()
    assert world.case1.is_open


def test_closing_sets_retention_at_25_or_permanent_for_special_adoption(world):
    world.case1.child.birth_date = date(2015, 7, 7)
    world.case1.child.save()
    closed = services.consultation_close(
        consultation=world.case1,
        actor=world.city.worker1,
        reason="援助の終了",
        expected_version=world.case1.version,
    )
    assert (closed.retention_until, closed.retain_permanently) == (date(2040, 7, 7), False)
    adopted = services.consultation_close(
        consultation=world.case2,
        actor=world.city.worker2,
        reason="特別養子縁組の成立",
        expected_version=world.case2.version,
    )
    assert (adopted.retention_until, adopted.retain_permanently) == (None, True)


def test_a_closed_case_takes_notes_only_as_addenda(world):
    services.consultation_close(
        consultation=world.case1,
        actor=world.city.worker1,
        reason="援助の終了",
        expected_version=world.case1.version,
    )
    world.case1.refresh_from_db()
    with pytest.raises(ValidationError, match="追記"):
        services.note_add(
            consultation=world.case1,
            actor=world.city.worker1,
            occurred_at=timezone.now(),
            kind="phone",
            text="その後の連絡。",
        )
    note = services.note_add(
        consultation=world.case1,
        actor=world.city.worker1,
        occurred_at=timezone.now(),
        kind="phone",
        text="その後の連絡。",
        addendum=True,
    )
    assert note.is_addendum


def test_two_workers_editing_the_same_person_second_save_is_refused(world):
    child = world.case1.child
    loaded_by_a = loaded_by_b = child.version
    services.person_update(person=child, expected_version=loaded_by_a, school="第一小学校")
    with pytest.raises(ConflictError) as exc:
        services.person_update(person=child, expected_version=loaded_by_b, school="第二小学校")
    assert exc.value.current.school == "第一小学校"
    assert exc.value.attempted["school"] == "第二小学校"
    child.refresh_from_db()
    assert child.school == "第一小学校"
    assert child.history.filter(school="第二小学校").count() == 0


def test_the_conflict_screen_shows_both_versions(client, world):
    child = world.case1.child
    url = reverse("cases:person_edit", args=[world.case1.pk, child.pk])
    form = {
        "name": child.name,
        "name_kana": child.name_kana,
        "sex": "F",
        "birth_date": "2018-05-03",
        "address": child.address,
        "phone": "",
        "school": "",
        "version": child.version,
    }
    client.force_login(world.city.worker1)
    assert client.post(url, {**form, "school": "第一小学校"}).status_code == 302
    response = client.post(url, {**form, "school": "第二小学校"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "他の職員が先に保存しました" in page
    assert "第一小学校" in page and "第二小学校" in page


def test_every_model_holding_case_data_has_history():
    missing = [
        m.__name__
        for m in apps.get_app_config("cases").get_models()
        if not m.__name__.startswith("Historical") and not hasattr(m, "history")
    ]
    assert missing == []


def test_changes_appear_on_the_history_tab_with_who_and_what(client, world):
    client.force_login(world.city.worker1)
    child = world.case1.child
    client.post(
        reverse("cases:person_edit", args=[world.case1.pk, child.pk]),
        {
            "name": child.name,
            "name_kana": child.name_kana,
            "sex": "F",
            "birth_date": "2018-05-03",
            "address": child.address,
            "school": "第三小学校",
            "version": child.version,
        },
    )
    client.post(
        reverse("cases:note_add", args=[world.case1.pk]),
        {
            "occurred_at": "2026-11-28T10:00",
            "kind": "phone",
            "text": "電話で状況確認。",
            "disclosure": "open",
        },
    )
    page = client.get(reverse("cases:history", args=[world.case1.pk])).content.decode()
    assert "経過記録" in page and world.city.worker1.name in page


def test_dashboard_shows_the_supervisor_the_units_caseload(world):
    extra = ConsultationFactory(unit=world.city.sec1, receiver=world.city.worker1)
    assign(extra, world.city.worker1)
    board = dashboard_for(world.city.sv1)
    assert [(w["name"], w["open_cases"]) for w in board.caseload] == [(world.city.worker1.name, 2)]


def test_open_cases_feed_the_personnel_import_supervision_check(world):
    from accounts.hooks import open_work_by_unit

    assert open_work_by_unit([world.city.sec1.pk, world.city.sec2.pk]) == {
        world.city.sec1.pk: 1,
        world.city.sec2.pk: 1,
    }


def test_overdue_report_escalation_is_a_celery_task(world, time_machine):
    from cases.tasks import escalate_overdue_safety_checks

    time_machine.move_to("2026-11-30 09:00 +0900")
    abuse_report(world.case1, accepted_at=timezone.now())
    time_machine.move_to("2026-12-03 09:00 +0900")
    assert escalate_overdue_safety_checks() == 1


def test_a_leavers_open_cases_are_listed_for_reassignment(world):
    world.city.worker1.is_active = False
    world.city.worker1.save()
    board = dashboard_for(world.city.sv1)
    assert board.needs_reassignment == [world.case1]
    assert dashboard_for(world.city.sv2).needs_reassignment == []
