"""Checking a transfer file: every rule names the sheet, row and column, and nothing is written."""

from datetime import date

import pytest

from accounts import hooks, roles
from accounts.models import Assignment, OrgUnit, User
from accounts.personnel_import.plan import build_plan
from accounts.personnel_import.reader import read_personnel_workbook
from accounts.tests.personnel_files import org_row, staff_row, xlsx

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 28)


def plan_for(staff=(), org=()):
    return build_plan(read_personnel_workbook(xlsx(staff, org)), today=TODAY)


def messages(plan):
    return [(p.row, p.column, p.message) for p in plan.problems]


def the_problem(plan):
    assert len(plan.problems) == 1, messages(plan)
    return plan.problems[0]


def test_a_clean_file_gives_a_plan_with_counts_and_writes_nothing(city):
    before = (User.objects.count(), Assignment.objects.count(), OrgUnit.objects.count())
    plan = plan_for(
        staff=[
            staff_row(
                "900100",
                "新規",
                氏名="試験 新人",
                フリガナ="シケン シンジン",
                所属コード="C1-12",
                権限="caseworker",
            ),
            staff_row("800004", "異動", 所属コード="C1-12"),
            staff_row("800005", "退職", "2027/3/31"),
            staff_row("800006", "休職"),
            staff_row("800007", "復職", 所属コード="C1-11"),
        ],
        org=[org_row("C1-13", "新設", 名称="相談第三係", 種別="児童相談所", 上位組織コード="C1-1")],
    )
    assert plan.ok, messages(plan)
    counts = plan.counts()
    assert (
        counts["新規"],
        counts["異動"],
        counts["退職"],
        counts["休職"],
        counts["復職"],
        counts["新設"],
    ) == (
        1,
        1,
        1,
        1,
        1,
        1,
    )
    assert plan.effective_date == date(2027, 4, 1)
    transfer = next(c for c in plan.staff if c.kind == "異動")
    assert (transfer.from_unit, transfer.to_unit) == ("相談第一係", "相談第二係")
    assert (User.objects.count(), Assignment.objects.count(), OrgUnit.objects.count()) == before


def test_a_retirement_takes_effect_the_day_after_the_last_day(city):
    plan = plan_for(staff=[staff_row("800005", "退職", "2027/3/31")])
    assert plan.staff[0].effective_date == date(2027, 4, 1)


def test_unknown_unit_code_is_named_with_its_row_and_column(city):
    problem = the_problem(plan_for(staff=[staff_row("800004", "異動", 所属コード="X99")]))
    assert (problem.sheet, problem.row, problem.column) == ("職員", 2, "所属コード")
    assert "X99" in problem.message


def test_unknown_role_is_refused(city):
    problem = the_problem(
        plan_for(staff=[staff_row("800004", "異動", 所属コード="C1-12", 権限="管理人")])
    )
    assert problem.column == "権限"
    assert "管理人" in problem.message


def test_roles_accept_codes_and_japanese_labels(city):
    plan = plan_for(
        staff=[
            staff_row(
                "800004", "異動", 所属コード="C1-12", 権限="スーパーバイザー・係長、caseworker"
            )
        ]
    )
    assert plan.ok, messages(plan)
    assert plan.staff[0].roles == sorted([roles.SUPERVISOR, roles.CASEWORKER])


def test_vendor_and_case_roles_cannot_be_combined(city):
    problem = the_problem(
        plan_for(
            staff=[
                staff_row("800004", "異動", 所属コード="C1-12", 権限="vendor_operator,caseworker")
            ]
        )
    )
    assert "委託事業者" in problem.message


def test_duplicate_employee_number_in_the_file_names_both_rows(city):
    problem = the_problem(
        plan_for(
            staff=[
                staff_row("800004", "異動", 所属コード="C1-12"),
                staff_row("８００００４", "退職"),
            ]
        )
    )
    assert problem.row == 3
    assert "2行目" in problem.message


def test_retiring_someone_who_does_not_exist_is_refused(city):
    problem = the_problem(plan_for(staff=[staff_row("123456", "退職")]))
    assert (problem.row, problem.column) == (2, "職員番号")
    assert "登録されていません" in problem.message


def test_new_staff_need_name_kana_unit_and_role(city):
    plan = plan_for(staff=[staff_row("900100", "新規")])
    assert {p.column for p in plan.problems} == {"氏名", "フリガナ", "所属コード", "権限"}


def test_new_staff_who_already_exists_is_told_to_use_transfer(city):
    problem = the_problem(
        plan_for(
            staff=[
                staff_row(
                    "800004",
                    "新規",
                    氏名="試験",
                    フリガナ="シケン",
                    所属コード="C1-12",
                    権限="caseworker",
                )
            ]
        )
    )
    assert "異動として記入" in problem.message


def test_dates_that_are_not_dates_are_refused(city):
    problem = the_problem(
        plan_for(staff=[staff_row("800004", "異動", "令和9年13月1日", 所属コード="C1-12")])
    )
    assert problem.column == "発令日"
    assert "日付として読めません" in problem.message


def test_missing_issue_date_is_refused(city):
    problem = the_problem(plan_for(staff=[staff_row("800004", "異動", None, 所属コード="C1-12")]))
    assert problem.column == "発令日"


def test_unknown_transfer_kind_is_refused(city):
    problem = the_problem(plan_for(staff=[staff_row("800004", "転勤", 所属コード="C1-12")]))
    assert problem.column == "異動区分"


def test_what_a_person_would_normalise_is_normalised(city):
    plan = plan_for(
        staff=[
            staff_row(
                "９００１００",
                "新規",
                "令和9年4月1日",
                氏名="試験　新人",
                フリガナ="しけん　しんじん",
                所属コード="ｃ１－１２",
                権限="caseworker",
                メール="A@City.Example.JP",
            ),
            staff_row(" 800004 ", "異動", 46478, 所属コード="C1-12"),  # Excel serial for 2027-04-01
        ]
    )
    assert plan.ok, messages(plan)
    new, moved = plan.staff
    assert (new.employee_number, new.name, new.kana, new.unit_code, new.email) == (
        "900100",
        "試験 新人",
        "シケン シンジン",
        "C1-12",
        "a@city.example.jp",
    )
    assert new.issued_on == moved.issued_on == date(2027, 4, 1)


def test_kana_must_be_katakana(city):
    problem = the_problem(
        plan_for(
            staff=[
                staff_row(
                    "900100",
                    "新規",
                    氏名="試験",
                    フリガナ="Shiken",
                    所属コード="C1-12",
                    権限="caseworker",
                )
            ]
        )
    )
    assert problem.column == "フリガナ"


def test_unchanged_rows_are_no_ops(city):
    plan = plan_for(staff=[staff_row("800004", "異動", 所属コード="C1-11")])
    assert plan.ok
    assert plan.staff[0].noop
    assert plan.counts()["異動"] == 0
    assert plan.counts()["変更なし"] == 1


def test_org_changes_are_checked(city):
    plan = plan_for(
        org=[
            org_row("C1-11", "新設", 名称="重複", 種別="児童相談所"),
            org_row("Z9", "名称変更", 名称="存在しない"),
            org_row("C1-12", "統合", 統合先コード="Q1"),
            org_row("C1-99", "新設", 名称="新係", 種別="その他"),
        ]
    )
    found = {(p.row, p.column) for p in plan.problems}
    assert found == {(2, "組織コード"), (3, "組織コード"), (4, "統合先コード"), (5, "種別")}


def test_abolishing_a_unit_that_still_has_staff_is_refused(city):
    problem = the_problem(plan_for(org=[org_row("C1-12", "廃止")]))
    assert (problem.sheet, problem.row) == ("組織", 2)
    assert "800003" in problem.message


def test_abolishing_works_once_its_staff_are_moved(city):
    plan = plan_for(
        staff=[
            staff_row("800003", "異動", 所属コード="C1-11"),
            staff_row("800005", "異動", 所属コード="C1-11"),
        ],
        org=[org_row("C1-12", "廃止")],
    )
    assert plan.ok, messages(plan)


def test_staff_cannot_move_into_a_unit_the_same_file_abolishes(city):
    problem = the_problem(
        plan_for(
            staff=[staff_row("800004", "異動", 所属コード="C1-12")],
            org=[org_row("C1-12", "統合", 統合先コード="C1-11")],
        )
    )
    assert problem.column == "所属コード"


def test_staff_can_move_into_a_unit_the_same_file_creates(city):
    plan = plan_for(
        staff=[staff_row("800004", "異動", 所属コード="C1-13")],
        org=[org_row("C1-13", "新設", 名称="相談第三係", 種別="児童相談所", 上位組織コード="C1-1")],
    )
    assert plan.ok, messages(plan)


@pytest.fixture
def open_cases_in_section_two(city):
    def provider(unit_ids):
        return {city.sec2.pk: 3}

    hooks.register_open_work_provider(provider)
    yield
    hooks.unregister_open_work_provider(provider)


def test_a_transfer_that_leaves_open_cases_without_a_supervisor_is_refused(
    city, open_cases_in_section_two
):
    # 係長 800003 is the only supervisor on section two's line (the director does
    # not count: supervision is the SV/係長 line's job).
    plan = plan_for(staff=[staff_row("800003", "異動", 所属コード="C1-11")])
    problem = the_problem(plan)
    assert (problem.row, problem.column) == (2, "異動区分")
    assert "相談第二係" in problem.message
    assert "3件" in problem.message


def test_a_successor_supervisor_in_the_same_file_makes_it_acceptable(
    city, open_cases_in_section_two
):
    plan = plan_for(
        staff=[
            staff_row("800003", "異動", 所属コード="C1-11"),
            staff_row("800002", "異動", 所属コード="C1-12"),
        ]
    )
    assert plan.ok, messages(plan)


def test_a_supervisor_posted_to_the_division_covers_its_sections(city, open_cases_in_section_two):
    Assignment.objects.filter(user=city.sv1).update(org_unit=city.division)
    plan = plan_for(staff=[staff_row("800003", "異動", 所属コード="C1-11")])
    assert plan.ok, messages(plan)
