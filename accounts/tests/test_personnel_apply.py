"""Applying a transfer file: all rows or none, on its 発令日, with history, once."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from accounts import roles
from accounts.access import case_scope
from accounts.models import Assignment, OrgUnit, PersonnelImport, User
from accounts.personnel_import import apply as apply_module
from accounts.personnel_import import services
from accounts.selectors import current_assignments, supervised_unit_ids
from accounts.tests.personnel_files import org_row, staff_row, xlsx

pytestmark = pytest.mark.django_db
Status = PersonnelImport.Status

APRIL_FILE = dict(
    staff=[
        staff_row(
            "900100",
            "新規",
            氏名="試験 新人",
            フリガナ="シケン シンジン",
            所属コード="C1-13",
            権限="caseworker",
        ),
        staff_row("800004", "異動", 所属コード="C1-12", 役職="主査"),
        staff_row("800002", "異動", 所属コード="C1-12", 権限="supervisor"),
        staff_row("800003", "異動", 所属コード="C1-11", 権限="supervisor"),
        staff_row("800005", "退職", "2027/3/31"),
        staff_row("800006", "休職"),
        staff_row("800007", "復職", 所属コード="C1-11"),
    ],
    org=[
        org_row("C1-13", "新設", 名称="相談第三係", 種別="児童相談所", 上位組織コード="C1-1"),
        org_row("C1-1", "名称変更", 名称="相談支援課"),
        org_row("W01", "統合", 統合先コード="C1-13"),
    ],
)


@pytest.fixture
def april_day(time_machine):
    time_machine.move_to("2027-04-01 09:00 +0900")


def upload(data, user, name="idou.xlsx"):
    return services.personnel_import_upload(data=data, filename=name, user=user)


def test_apply_carries_out_every_row(city, city_admin, april_day):
    record = upload(xlsx(**APRIL_FILE), city_admin)
    assert record.status == Status.READY, record.problems

    record = services.personnel_import_apply(import_id=record.pk, user=city_admin)

    assert record.status == Status.APPLIED
    new = User.objects.get(employee_number="900100")
    assert new.is_active and new.role_codes == {roles.CASEWORKER}
    assert not new.has_usable_password()
    assert current_assignments(user=new).get().org_unit.name == "相談第三係"
    moved = current_assignments(user=city.worker1).get()
    assert (moved.org_unit.code, moved.position, moved.valid_from) == (
        "C1-12",
        "主査",
        date(2027, 4, 1),
    )
    old = Assignment.objects.get(user=city.worker1, org_unit=city.sec1)
    assert old.valid_to == date(2027, 3, 31)
    city.worker2.refresh_from_db()
    assert not city.worker2.is_active
    assert not current_assignments(user=city.worker2).exists()
    city.ward_staff.refresh_from_db()
    assert not city.ward_staff.is_active
    city.on_leave.refresh_from_db()
    assert city.on_leave.is_active


def test_a_rename_keeps_the_past_name_for_the_past(city, city_admin, april_day):
    record = upload(xlsx(**APRIL_FILE), city_admin)
    services.personnel_import_apply(import_id=record.pk, user=city_admin)

    versions = OrgUnit.objects.filter(code="C1-1").order_by("valid_from")
    assert [(v.name, v.valid_to) for v in versions] == [
        ("相談指導課", date(2027, 3, 31)),
        ("相談支援課", None),
    ]
    from accounts.selectors import org_tree

    assert (
        org_tree(on=date(2026, 10, 1)).path_name(city.sec1.pk)
        == "試験児童相談所 ＞ 相談指導課 ＞ 相談第一係"
    )
    assert (
        org_tree(on=date(2027, 4, 1)).path_name(city.sec1.pk)
        == "試験児童相談所 ＞ 相談支援課 ＞ 相談第一係"
    )


def test_a_merge_moves_the_members_to_the_successor(city, city_admin, april_day):
    # ward_staff goes on leave in APRIL_FILE; use a file where W01 keeps a member.
    data = xlsx(org=[org_row("W01", "統合", 統合先コード="C1-12")])
    record = services.personnel_import_apply(import_id=upload(data, city_admin).pk, user=city_admin)
    assert record.status == Status.APPLIED
    assert current_assignments(user=city.ward_staff).get().org_unit == city.sec2
    city.ward.refresh_from_db()
    assert (city.ward.valid_to, city.ward.successor) == (date(2027, 3, 31), city.sec2)


def test_a_failure_in_the_middle_changes_nothing(city, city_admin, april_day, monkeypatch):
    before = (
        list(User.objects.order_by("pk").values_list("employee_number", "is_active")),
        list(Assignment.objects.order_by("pk").values_list("pk", "org_unit_id", "valid_to")),
        OrgUnit.objects.count(),
    )
    real_bulk_create = apply_module.bulk_create_with_history
    calls = {"n": 0}

    def failing_bulk_create(objs, model, **kwargs):
        # New users, updates and roles are already written when the postings fail.
        calls["n"] += 1
        if model is Assignment:
            raise RuntimeError("disk full")
        return real_bulk_create(objs, model, **kwargs)

    monkeypatch.setattr(apply_module, "bulk_create_with_history", failing_bulk_create)
    record = upload(xlsx(**APRIL_FILE), city_admin)

    record = services.personnel_import_apply(import_id=record.pk, user=city_admin)

    assert calls["n"] == 2  # users first, then the failing postings
    assert record.status == Status.FAILED
    assert "何も変更していません" in record.error_message
    after = (
        list(User.objects.order_by("pk").values_list("employee_number", "is_active")),
        list(Assignment.objects.order_by("pk").values_list("pk", "org_unit_id", "valid_to")),
        OrgUnit.objects.count(),
    )
    assert after == before


def test_a_future_date_schedules_the_import_and_beat_applies_it_that_day(
    city, city_admin, time_machine
):
    time_machine.move_to("2027-03-20 15:00 +0900")
    record = upload(xlsx(staff=[staff_row("800004", "異動", 所属コード="C1-12")]), city_admin)

    record = services.personnel_import_apply(import_id=record.pk, user=city_admin)

    assert record.status == Status.SCHEDULED
    assert record.scheduled_for.isoformat() == "2027-04-01T00:00:00+09:00"
    time_machine.move_to("2027-03-31 23:55 +0900")
    assert services.personnel_imports_apply_due() == []
    assert current_assignments(user=city.worker1).get().org_unit == city.sec1

    time_machine.move_to("2027-04-01 00:00:30 +0900")
    assert services.personnel_imports_apply_due() == [record.pk]
    record.refresh_from_db()
    assert record.status == Status.APPLIED
    assert record.applied_by == city_admin
    assert current_assignments(user=city.worker1).get().org_unit == city.sec2


def test_a_scheduled_import_can_be_cancelled(city, city_admin, time_machine):
    time_machine.move_to("2027-03-20 15:00 +0900")
    record = upload(xlsx(staff=[staff_row("800004", "異動", 所属コード="C1-12")]), city_admin)
    services.personnel_import_apply(import_id=record.pk, user=city_admin)

    services.personnel_import_cancel(import_id=record.pk, user=city_admin)

    time_machine.move_to("2027-04-01 00:05 +0900")
    assert services.personnel_imports_apply_due() == []
    assert current_assignments(user=city.worker1).get().org_unit == city.sec1
    with pytest.raises(ValidationError):
        services.personnel_import_cancel(import_id=record.pk, user=city_admin)


def test_the_same_file_cannot_be_applied_twice(city, city_admin, april_day):
    data = xlsx(staff=[staff_row("800004", "異動", 所属コード="C1-12")])
    first = upload(data, city_admin)
    services.personnel_import_apply(import_id=first.pk, user=city_admin)

    second = upload(data, city_admin)

    assert second.status == Status.INVALID
    assert f"#{first.pk}" in second.problems[0]["message"]
    assert Assignment.objects.filter(user=city.worker1).count() == 2
    with pytest.raises(ValidationError):
        services.personnel_import_apply(import_id=first.pk, user=city_admin)


def test_a_transfer_moves_case_visibility_with_the_person(city, city_admin, april_day):
    assert supervised_unit_ids(user=city.sv1) == {city.sec1.pk}
    data = xlsx(
        staff=[
            staff_row("800002", "異動", 所属コード="C1-12"),
            staff_row("800003", "異動", 所属コード="C1-11"),
        ]
    )
    services.personnel_import_apply(import_id=upload(data, city_admin).pk, user=city_admin)

    city.sv1.refresh_from_db()
    assert supervised_unit_ids(user=city.sv1) == {city.sec2.pk}
    assert case_scope(city.sv1).supervised_unit_ids == {city.sec2.pk}
    # The director sees the whole centre before and after.
    assert {city.sec1.pk, city.sec2.pk} <= supervised_unit_ids(user=city.director)


def test_a_leaver_loses_every_case_scope(city, city_admin, april_day):
    data = xlsx(staff=[staff_row("800002", "退職", "2027/3/31")])
    services.personnel_import_apply(import_id=upload(data, city_admin).pk, user=city_admin)
    leaver = User.objects.get(pk=city.sv1.pk)
    assert not case_scope(leaver).allowed
    assert supervised_unit_ids(user=leaver) == set()


def test_every_change_leaves_history_naming_the_import_and_the_admin(city, city_admin, april_day):
    record = upload(xlsx(**APRIL_FILE), city_admin)
    services.personnel_import_apply(import_id=record.pk, user=city_admin)
    reason = f"人事異動取込 #{record.pk}"

    retired = User.history.filter(employee_number="800005").latest("history_date")
    assert (retired.is_active, retired.history_user, retired.history_change_reason) == (
        False,
        city_admin,
        reason,
    )
    posting = Assignment.history.filter(user_id=city.worker1.pk, org_unit_id=city.sec2.pk).get()
    assert (posting.history_type, posting.history_user, posting.history_change_reason) == (
        "+",
        city_admin,
        reason,
    )
    created = User.history.filter(employee_number="900100").order_by("history_date")
    assert {h.history_change_reason for h in created} == {reason}
    assert OrgUnit.history.filter(code="C1-1", history_change_reason=reason).exists()
    assert PersonnelImport.history.filter(id=record.pk, status=Status.APPLIED).exists()


def test_a_result_file_lists_what_was_done(city, city_admin, april_day):
    record = upload(xlsx(**APRIL_FILE), city_admin)
    record = services.personnel_import_apply(import_id=record.pk, user=city_admin)

    ws = load_workbook(record.result_file.open("rb")).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert len(rows) == len(APRIL_FILE["staff"]) + len(APRIL_FILE["org"])
    transfer = next(r for r in rows if r[2] == "800004")
    assert transfer[4:6] == ["異動", "反映"]
    assert "相談第一係 → 相談第二係" in transfer[6]


def test_bad_files_are_refused_and_nothing_changes(city, city_admin):
    users = User.objects.count()
    for data, expected in [
        (b"not an excel file at all", "読み込めません"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".xls"),
    ]:
        record = upload(data, city_admin)
        assert record.status == Status.INVALID
        assert expected in record.problems[0]["message"]
    with pytest.raises(ValidationError, match="10MB"):
        upload(b"x" * (10 * 1024 * 1024 + 1), city_admin)
    assert User.objects.count() == users


def test_command_checks_and_exits_nonzero_on_errors(city, city_admin, tmp_path, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx(staff=[staff_row("123456", "退職")]))
    with pytest.raises(CommandError, match="エラーが 1 件"):
        call_command("import_personnel", str(path))
    assert "シート「職員」 2行目 「職員番号」" in capsys.readouterr().out
    assert User.objects.filter(employee_number="123456").count() == 0


def test_command_applies_with_apply(city, city_admin, tmp_path, capsys, april_day):
    path = tmp_path / "good.xlsx"
    path.write_bytes(xlsx(staff=[staff_row("800004", "異動", 所属コード="C1-12")]))
    call_command("import_personnel", str(path))
    assert current_assignments(user=city.worker1).get().org_unit == city.sec1  # preview only

    call_command("import_personnel", str(path), "--apply", "--user", city_admin.employee_number)

    out = capsys.readouterr().out
    assert "相談第一係 → 相談第二係" in out
    assert "反映しました" in out
    assert current_assignments(user=city.worker1).get().org_unit == city.sec2


def test_a_role_change_is_recorded_in_history(city, city_admin, april_day):
    data = xlsx(staff=[staff_row("800004", "異動", 所属コード="C1-11", 権限="supervisor")])
    record = services.personnel_import_apply(import_id=upload(data, city_admin).pk, user=city_admin)

    assert dict(record.preview["counts"])["権限変更"] == 1
    latest = User.history.filter(id=city.worker1.pk).latest("history_date")
    assert latest.history_change_reason == f"人事異動取込 #{record.pk}"
    assert latest.history_user == city_admin
    assert [row.group.name for row in latest.groups.all()] == [roles.SUPERVISOR]
    city.worker1.refresh_from_db()
    assert city.worker1.role_codes == {roles.SUPERVISOR}


def test_a_big_file_is_checked_in_the_background_with_progress(city, city_admin, april_day):
    from core.models import OutboxMessage

    rows = [staff_row("800004", "異動", 所属コード="C1-12")]
    rows += [
        staff_row(
            f"6{i:05d}",
            "新規",
            氏名="試験 新人",
            フリガナ="シケン シンジン",
            所属コード="C1-11",
            権限="caseworker",
        )
        for i in range(1500)
    ]
    record = upload(xlsx(staff=rows), city_admin)

    assert record.status == Status.VALIDATING
    job = OutboxMessage.objects.get(task_name="accounts.validate_personnel_import")
    assert job.args == [record.pk]
    assert services.import_progress(record) == {"done": 0, "total": 0}

    from accounts.tasks import apply_personnel_import, validate_personnel_import

    assert validate_personnel_import(record.pk) == Status.READY
    record = services.personnel_import_apply(import_id=record.pk, user=city_admin)
    assert record.status == Status.APPLYING  # over the inline limit: applied by a worker
    assert OutboxMessage.objects.filter(
        task_name="accounts.apply_personnel_import", args=[record.pk]
    ).exists()
    assert apply_personnel_import(record.pk) == Status.APPLIED
    assert apply_personnel_import(record.pk) == Status.APPLIED  # a redelivered task changes nothing
    assert User.objects.filter(employee_number__startswith="6").count() == 1500
    record.refresh_from_db()
    assert services.import_progress(record) == {"done": 1501, "total": 1501}
