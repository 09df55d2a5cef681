"""Routine pages: who may see and do what, the month calendar, forms, and query counts."""

from datetime import date, datetime, time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import roles
from accounts.tests.factories import OrgUnitFactory
from core.timeutil import JST
from ops.models import ParameterChange, RoutineOccurrence, RoutineOperation, TrainingSession
from ops.services import routine as services

pytestmark = pytest.mark.django_db


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


@pytest.fixture(autouse=True)
def _november(time_machine, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(jst(2026, 11, 16, 10, 0))  # Monday


@pytest.fixture
def manager(make_user):
    return make_user(roles.VENDOR_MANAGER)


def make_op(name="バックアップ確認", **kw) -> RoutineOperation:
    fields = {
        "name": name,
        "category": "backup",
        "frequency": "daily",
        "due_time": time(17, 0),
        "valid_from": date(2026, 4, 1),
        "on_non_business_day": "skip",
    }
    fields.update(kw)
    return RoutineOperation.objects.create(**fields)


def occ(op, day, **kw) -> RoutineOccurrence:
    return RoutineOccurrence.objects.create(
        operation=op,
        rule_date=day,
        due_date=day,
        due_at=datetime.combine(day, op.due_time, tzinfo=JST),
        **kw,
    )


def request_change(actor, target="受付時間"):
    return services.parameter_change_request(
        actor=actor, target_kind="setting", target=target, description="17:15 → 17:30"
    )


# --- permissions ---------------------------------------------------------------------------------


def test_caseworkers_and_attendees_get_403_everywhere(
    client, caseworker, attendee, vendor_operator
):
    op = make_op()
    o = occ(op, date(2026, 11, 16))
    change = request_change(vendor_operator)
    session = services.training_session_create(
        actor=vendor_operator, title="研修", planned_date=date(2026, 12, 1), status="planned"
    )
    gets = [
        reverse("ops:routine_calendar"),
        reverse("ops:routine_occurrence", args=[o.pk]),
        reverse("ops:routine_evidence", args=[o.pk]),
        reverse("ops:routine_operations"),
        reverse("ops:routine_operation_new"),
        reverse("ops:routine_operation_edit", args=[op.pk]),
        reverse("ops:routine_parameters"),
        reverse("ops:routine_parameter_new"),
        reverse("ops:routine_parameter", args=[change.pk]),
        reverse("ops:routine_trainings"),
        reverse("ops:routine_training", args=[session.pk]),
        reverse("ops:routine_training_new"),
        reverse("ops:routine_training_edit", args=[session.pk]),
        reverse("ops:routine_training_material", args=[session.pk]),
    ]
    posts = [
        reverse("ops:routine_occurrence_done", args=[o.pk]),
        reverse("ops:routine_occurrence_undo", args=[o.pk]),
        reverse("ops:routine_parameter_approve", args=[change.pk]),
        reverse("ops:routine_parameter_reject", args=[change.pk]),
        reverse("ops:routine_parameter_apply", args=[change.pk]),
        reverse("ops:routine_parameter_emergency", args=[change.pk]),
    ]
    for user in (caseworker, attendee):
        client.force_login(user)
        for url in gets:
            assert client.get(url).status_code == 403, url
        for url in posts:
            assert client.post(url, {"version": 1, "reason": "x"}).status_code == 403, url
    o.refresh_from_db()
    change.refresh_from_db()
    assert (o.status, change.status) == ("planned", "requested")


def test_city_admins_read_but_cannot_mark_done_or_edit(client, city_admin):
    op = make_op()
    o = occ(op, date(2026, 11, 16))
    client.force_login(city_admin)

    page = client.get(reverse("ops:routine_occurrence", args=[o.pk])).content.decode()
    assert "バックアップ確認" in page and 'id="done-form"' not in page
    assert client.get(reverse("ops:routine_operations")).status_code == 200
    assert client.get(reverse("ops:routine_trainings")).status_code == 200
    response = client.post(
        reverse("ops:routine_occurrence_done", args=[o.pk]),
        {"done_at": "2026-11-16T09:00", "evidence_note": "x", "version": 1},
    )
    assert response.status_code == 403
    assert client.get(reverse("ops:routine_operation_edit", args=[op.pk])).status_code == 403
    assert client.get(reverse("ops:routine_training_new")).status_code == 403
    o.refresh_from_db()
    assert o.status == "planned"


def test_the_menu_shows_the_routine_pages_to_vendor_staff_and_city_admins_only(
    client, vendor_operator, city_admin, caseworker
):
    for user, visible in ((vendor_operator, True), (city_admin, True), (caseworker, False)):
        client.force_login(user)
        page = client.get(reverse("home"), follow=True).content.decode()
        assert ('data-nav="ops_routine"' in page) is visible
        assert ('data-nav="ops_parameters"' in page) is visible


# --- calendar ------------------------------------------------------------------------------------


def test_the_month_calendar_shows_late_ones_red_and_due_soon_amber(client, vendor_operator):
    op = make_op()
    monthly = make_op("月次定例報告会議", frequency="monthly", day_of_month=20, lead_days=5)
    occ(op, date(2026, 11, 12), status="missed")  # overdue: red
    occ(op, date(2026, 11, 13), status="late", done_at=jst(2026, 11, 14, 9))  # late: red
    occ(op, date(2026, 11, 11), status="done", done_at=jst(2026, 11, 11, 9))
    occ(op, date(2026, 11, 16))  # today 17:00: due soon
    occ(monthly, date(2026, 11, 20))  # within its 5 lead days: due soon
    occ(op, date(2026, 11, 30))  # later: planned
    client.force_login(vendor_operator)

    page = client.get(reverse("ops:routine_calendar")).content.decode()

    assert "2026年11月の定常運用" in page
    states = {
        d: s
        for d, s in (
            ("2026-11-12", "overdue"),
            ("2026-11-13", "late"),
            ("2026-11-11", "done"),
            ("2026-11-16", "soon"),
            ("2026-11-20", "soon"),
            ("2026-11-30", "planned"),
        )
    }
    for day, state in states.items():
        cell = page.split(f'data-date="{day}"')[1].split("</td>")[0]
        assert f'data-state="{state}"' in cell, (day, cell)
    assert page.count('class="ng" data-state="overdue"') >= 2  # calendar and list
    assert 'class="ng" data-state="late"' in page
    assert 'class="soon" data-state="soon"' in page
    assert 'id="overdue"' in page  # the overdue box at the top
    assert "勤労感謝の日" in page  # 11/23 marked closed


def test_another_month_and_a_bad_month_parameter(client, vendor_operator):
    client.force_login(vendor_operator)
    assert (
        "2027年4月"
        in client.get(reverse("ops:routine_calendar") + "?month=2027-04").content.decode()
    )
    assert (
        "2026年11月" in client.get(reverse("ops:routine_calendar") + "?month=xx").content.decode()
    )


def _pin(client, url, add, django_assert_max_num_queries, limit):
    """The page costs exactly ``limit`` queries, with 3 rows and with 30."""
    add(3)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(27)
    with django_assert_max_num_queries(limit), CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"][:120] for q in many.captured_queries]
    assert len(few) == limit, [q["sql"][:120] for q in few.captured_queries]
    return response.content.decode()


def test_the_calendar_costs_the_same_queries_for_3_and_30_occurrences(
    client, vendor_operator, django_assert_max_num_queries
):
    counter = iter(range(1000))

    def add(n):
        for _ in range(n):
            i = next(counter)
            o = occ(make_op(f"運用{i:03d}"), date(2026, 11, 1 + i % 28))
            if i % 2:
                o.status, o.done_at, o.done_by = "done", jst(2026, 11, 1, 9), vendor_operator
                o.save()

    client.force_login(vendor_operator)
    # user, roles, the month's occurrences, overdue ones, calendar (closures, desk hours)
    page = _pin(client, reverse("ops:routine_calendar"), add, django_assert_max_num_queries, 6)
    assert page.split('id="occurrences"')[1].count("data-state=") == 30


def test_the_operations_list_costs_the_same_queries_for_3_and_30(
    client, vendor_operator, django_assert_max_num_queries
):
    counter = iter(range(1000))

    def add(n):
        for _ in range(n):
            op = make_op(f"運用{next(counter):03d}")
            occ(op, date(2026, 11, 20))

    client.force_login(vendor_operator)
    # user, roles, operations with their next due time
    page = _pin(client, reverse("ops:routine_operations"), add, django_assert_max_num_queries, 3)
    assert page.count('<tr id="operation-') == 30
    assert "2026/11/20 17:00" in page  # next due


def test_the_parameter_list_costs_the_same_queries_for_3_and_30(
    client, vendor_operator, city_admin, django_assert_max_num_queries
):
    def add(n):
        for i in range(n):
            change = request_change(vendor_operator, target=f"設定{i}")
            if i % 2:
                services.parameter_change_approve(
                    change=change, actor=city_admin, expected_version=1
                )

    client.force_login(city_admin)
    # user, roles, page ids, page rows with their people, counts per status
    page = _pin(client, reverse("ops:routine_parameters"), add, django_assert_max_num_queries, 5)
    assert page.count('<tr id="change-') == 30


def test_the_training_list_costs_the_same_queries_for_3_and_30(
    client, vendor_operator, django_assert_max_num_queries
):
    unit = OrgUnitFactory()

    def add(n):
        for _ in range(n):
            services.training_session_create(
                actor=vendor_operator,
                title="異動時研修",
                planned_date=date(2026, 4, 8),
                status="planned",
                target_units=[unit],
                attendees=[vendor_operator],
            )

    client.force_login(vendor_operator)
    # user, roles, page ids, page rows, their units
    page = _pin(client, reverse("ops:routine_trainings"), add, django_assert_max_num_queries, 5)
    assert page.count('<tr id="training-') == 30


# --- marking done --------------------------------------------------------------------------------


def test_marking_done_with_a_file_and_undoing_it_through_the_pages(client, vendor_operator):
    o = occ(make_op(), date(2026, 11, 16))
    client.force_login(vendor_operator)
    url = reverse("ops:routine_occurrence", args=[o.pk])
    assert 'id="done-form"' in client.get(url).content.decode()

    response = client.post(
        reverse("ops:routine_occurrence_done", args=[o.pk]),
        {
            "done_at": "2026-11-16T09:30",
            "evidence_note": "",
            "evidence_file": SimpleUploadedFile("backup.log", b"OK 2026-11-16"),
            "version": 1,
        },
    )
    assert response.status_code == 302
    o.refresh_from_db()
    assert (o.status, o.done_by) == ("done", vendor_operator)
    download = client.get(reverse("ops:routine_evidence", args=[o.pk]))
    assert b"".join(download.streaming_content) == b"OK 2026-11-16"

    bad = client.post(
        reverse("ops:routine_occurrence_undo", args=[o.pk]), {"reason": "", "version": 2}
    )
    assert bad.status_code == 400 and "取り消す理由" in bad.content.decode()
    client.post(
        reverse("ops:routine_occurrence_undo", args=[o.pk]), {"reason": "誤記録", "version": 2}
    )
    o.refresh_from_db()
    assert (o.status, o.undo_reason) == ("planned", "誤記録")


def test_a_late_mark_is_recorded_as_late_and_said_so(client, vendor_operator):
    o = occ(make_op(), date(2026, 11, 13), status="missed")
    client.force_login(vendor_operator)
    assert "遅延完了" in client.get(reverse("ops:routine_occurrence", args=[o.pk])).content.decode()

    response = client.post(
        reverse("ops:routine_occurrence_done", args=[o.pk]),
        {"done_at": "2026-11-16T09:30", "evidence_note": "翌営業日に実施", "version": 1},
        follow=True,
    )
    assert "「遅延完了」として記録しました" in response.content.decode()
    o.refresh_from_db()
    assert o.status == "late"


def test_a_mark_without_evidence_shows_the_error_and_saves_nothing(client, vendor_operator):
    o = occ(make_op(), date(2026, 11, 16))
    client.force_login(vendor_operator)
    response = client.post(
        reverse("ops:routine_occurrence_done", args=[o.pk]),
        {"done_at": "2026-11-16T09:30", "evidence_note": "", "version": 1},
    )
    assert response.status_code == 400
    assert "実施記録を入力するか、証跡ファイルを添付してください" in response.content.decode()
    o.refresh_from_db()
    assert (o.status, o.version) == ("planned", 1)

    exe = client.post(
        reverse("ops:routine_occurrence_done", args=[o.pk]),
        {
            "done_at": "2026-11-16T09:30",
            "evidence_note": "x",
            "evidence_file": SimpleUploadedFile("tool.exe", b"MZ"),
            "version": 1,
        },
    )
    assert exe.status_code == 400 and "ファイルの種類" in exe.content.decode()
    o.refresh_from_db()
    assert o.status == "planned"


# --- operations master ---------------------------------------------------------------------------


def test_registering_and_editing_an_operation(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("ops:routine_operation_new"),
        {
            "name": "FAQ 配信",
            "category": "faq",
            "frequency": "monthly",
            "day_of_month": "",
            "business_day_ordinal": 5,
            "on_non_business_day": "previous",
            "due_time": "17:00",
            "deliverable": "FAQ 追加・更新分",
            "responsible_role": "vendor_operator",
            "lead_days": 3,
            "active": "on",
            "valid_from": "2026-04-01",
        },
    )
    assert response.status_code == 302
    op = RoutineOperation.objects.get(name="FAQ 配信")
    # 5th business day of each month in the next 60 days (November's, 11/6, is past).
    assert list(op.occurrences.values_list("due_date", flat=True)) == [
        date(2026, 12, 7),
        date(2027, 1, 8),
    ]

    edit = reverse("ops:routine_operation_edit", args=[op.pk])
    form = client.get(edit).content.decode()
    assert 'value="FAQ 配信"' in form
    stale = {
        "name": "FAQ 配信（月次）",
        "category": "faq",
        "frequency": "monthly",
        "business_day_ordinal": 5,
        "on_non_business_day": "previous",
        "due_time": "12:00",
        "responsible_role": "vendor_operator",
        "lead_days": 3,
        "active": "on",
        "valid_from": "2026-04-01",
        "version": 1,
    }
    assert client.post(edit, stale).status_code == 302
    again = client.post(edit, stale)
    assert again.status_code == 400 and "他の担当者が先に更新しました" in again.content.decode()
    op.refresh_from_db()
    assert (op.name, op.version, op.due_time) == ("FAQ 配信（月次）", 2, time(12, 0))


def test_a_bad_operation_form_names_the_field(client, vendor_operator):
    client.force_login(vendor_operator)
    response = client.post(
        reverse("ops:routine_operation_new"),
        {
            "name": "週次確認",
            "category": "monitoring",
            "frequency": "weekly",
            "on_non_business_day": "previous",
            "due_time": "17:00",
            "responsible_role": "vendor_operator",
            "lead_days": 0,
            "valid_from": "2026-04-01",
        },
    )
    assert response.status_code == 400
    assert "毎週の場合は曜日を選んでください" in response.content.decode()
    assert not RoutineOperation.objects.exists()


# --- parameter changes ---------------------------------------------------------------------------


def test_the_parameter_flow_through_the_pages(client, vendor_operator, city_admin, make_user):
    client.force_login(vendor_operator)
    response = client.post(
        reverse("ops:routine_parameter_new"),
        {
            "target_kind": "code_list",
            "target": "コード表「相談経路」",
            "description": "「SNS」を追加",
            "reason": "市の依頼",
            "requested_at": "2026-11-16T09:00",
        },
    )
    change = ParameterChange.objects.get()
    assert response.status_code == 302 and change.requested_by == vendor_operator
    url = reverse("ops:routine_parameter", args=[change.pk])
    page = client.get(url).content.decode()
    assert 'id="apply-form"' not in page and 'id="approve-form"' not in page
    assert 'id="emergency-form"' in page

    # The vendor cannot approve; applying before approval says why.
    assert (
        client.post(
            reverse("ops:routine_parameter_approve", args=[change.pk]), {"version": 1}
        ).status_code
        == 403
    )
    early = client.post(
        reverse("ops:routine_parameter_apply", args=[change.pk]),
        {"applied_at": "2026-11-16T09:30", "version": 1},
    )
    assert (
        early.status_code == 400
        and "承認前のパラメータ変更は適用できません" in early.content.decode()
    )

    client.force_login(city_admin)
    page = client.get(url).content.decode()
    assert 'id="approve-form"' in page and 'id="reject-form"' in page
    assert (
        client.post(
            reverse("ops:routine_parameter_approve", args=[change.pk]), {"version": 1}
        ).status_code
        == 302
    )
    change.refresh_from_db()
    assert (change.status, change.approved_by) == ("approved", city_admin)

    client.force_login(vendor_operator)
    assert 'id="apply-form"' in client.get(url).content.decode()
    done = client.post(
        reverse("ops:routine_parameter_apply", args=[change.pk]),
        {"applied_at": "2026-11-16T10:00", "note": "本番に反映", "version": 2},
    )
    assert done.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.applied_by, change.followed_flow) == (
        "applied",
        vendor_operator,
        True,
    )


def test_the_requesting_city_admin_cannot_approve_their_own_request(client, city_admin):
    client.force_login(city_admin)
    client.post(
        reverse("ops:routine_parameter_new"),
        {
            "target_kind": "setting",
            "target": "受付時間",
            "description": "17:30 まで",
            "requested_at": "2026-11-16T09:00",
        },
    )
    change = ParameterChange.objects.get()
    assert change.requested_side == "city"
    page = client.get(reverse("ops:routine_parameter", args=[change.pk])).content.decode()
    assert 'id="approve-form"' not in page and "申請者本人は承認・却下できません" in page
    response = client.post(
        reverse("ops:routine_parameter_approve", args=[change.pk]), {"version": 1}
    )
    assert response.status_code == 400 and "申請者本人" in response.content.decode()
    change.refresh_from_db()
    assert change.status == "requested"


def test_a_rejection_without_a_reason_names_the_field(client, vendor_operator, city_admin):
    change = request_change(vendor_operator)
    client.force_login(city_admin)
    response = client.post(
        reverse("ops:routine_parameter_reject", args=[change.pk]), {"reason": "", "version": 1}
    )
    assert response.status_code == 400 and "却下の理由" in response.content.decode()
    change.refresh_from_db()
    assert change.status == "requested"


def test_a_request_with_a_future_time_is_refused(client, vendor_operator):
    client.force_login(vendor_operator)
    response = client.post(
        reverse("ops:routine_parameter_new"),
        {
            "target_kind": "setting",
            "target": "受付時間",
            "description": "x",
            "requested_at": "2026-11-17T09:00",
        },
    )
    assert response.status_code == 400 and "申請日時が未来" in response.content.decode()
    assert not ParameterChange.objects.exists()


# --- training --------------------------------------------------------------------------------------


def test_recording_training_through_the_pages(client, vendor_operator, city_admin, make_user):
    unit = OrgUnitFactory(valid_from=date(2020, 4, 1))
    worker = make_user(roles.CASEWORKER)
    client.force_login(vendor_operator)
    response = client.post(
        reverse("ops:routine_training_new"),
        {
            "title": "4月異動者向け 操作研修",
            "planned_date": "2026-11-10",
            "status": "held",
            "held_date": "2026-11-10",
            "target_units": [unit.pk],
            "attendees": [worker.pk],
            "attendee_count": 5,
            "attendee_names_note": "ほか4名",
            "material": SimpleUploadedFile("研修資料.pdf", b"%PDF-1.4"),
        },
    )
    assert response.status_code == 302, response.content.decode()
    session = TrainingSession.objects.get()
    client.force_login(city_admin)
    page = client.get(reverse("ops:routine_training", args=[session.pk])).content.decode()
    assert unit.name in page and worker.name in page and "研修資料.pdf" in page
    assert reverse("ops:routine_training_edit", args=[session.pk]) not in page
    material = client.get(reverse("ops:routine_training_material", args=[session.pk]))
    assert b"".join(material.streaming_content) == b"%PDF-1.4"


def test_a_training_form_with_a_held_status_but_no_date_saves_nothing(client, vendor_operator):
    client.force_login(vendor_operator)
    response = client.post(
        reverse("ops:routine_training_new"),
        {"title": "研修", "planned_date": "2026-11-10", "status": "held"},
    )
    assert response.status_code == 400
    assert "実施済みにするには実施日を入力してください" in response.content.decode()
    assert not TrainingSession.objects.exists()
