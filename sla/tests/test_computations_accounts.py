"""Users and permissions current (#25, #26): each exception is a row, the figure a share."""

from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group

from accounts import roles
from accounts.models import Assignment, OrgUnit, PersonnelImport, User
from core.timeutil import JST
from sla import computations as C
from sla.models import Item, Policy

pytestmark = pytest.mark.django_db

APRIL = (datetime(2026, 4, 1, tzinfo=JST), datetime(2026, 5, 1, tzinfo=JST))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def item(code, **params):
    return Item(
        policy=Policy(profile="sendai", name="試験", version=1),
        number="25",
        name="試験項目",
        unit="percent",
        comparison="ge",
        target_value=Decimal(100),
        measurement="computed",
        period="monthly",
        rule=code,
        rule_params=params,
    )


def compute(it, start=APRIL[0], end=APRIL[1]):
    with time_machine.travel(at("2026-05-10 12:00"), tick=False):
        return C.get(it.rule).compute(it, start, end)


@pytest.fixture
def units():
    return (
        OrgUnit.objects.create(
            code="C1", name="児童相談所", kind="center", valid_from=date(2020, 1, 1)
        ),
        OrgUnit.objects.create(
            code="V1", name="事業者", kind="vendor", valid_from=date(2020, 1, 1)
        ),
    )


_n = iter(range(800000, 900000))


def user(*role_codes, when="2020-03-01 09:00", **kw) -> User:
    with time_machine.travel(at(when), tick=False):
        u = User.objects.create(
            employee_number=str(next(_n)), name="試験", name_kana="シケン", **kw
        )
        for code in role_codes:
            u.groups.add(Group.objects.get_or_create(name=code)[0])
    return u


def posting(u, unit, valid_from, valid_to=None, *, when):
    with time_machine.travel(at(when), tick=False):
        return Assignment.objects.create(
            user=u, org_unit=unit, valid_from=valid_from, valid_to=valid_to
        )


def deactivate(u, when):
    with time_machine.travel(at(when), tick=False):
        u.is_active = False
        u.save()


def test_users_current_lists_each_late_or_missing_change(units):
    center, _vendor = units
    admin = user(is_superuser=True)  # uploads imports; exempt as a system account
    on_time = user()
    posting(on_time, center, date(2026, 4, 1), when="2026-04-01 00:05")
    late = user()
    posting(late, center, date(2026, 4, 1), when="2026-04-03 09:00")
    leaver_ok, leaver_late, leaver_active = user(), user(), user()
    posting(leaver_ok, center, date(2020, 4, 1), date(2026, 4, 15), when="2020-04-01 09:00")
    posting(leaver_late, center, date(2020, 4, 1), date(2026, 4, 20), when="2020-04-01 09:00")
    posting(leaver_active, center, date(2020, 4, 1), date(2026, 4, 25), when="2020-04-01 09:00")
    deactivate(leaver_ok, "2026-04-15 18:00")
    deactivate(leaver_late, "2026-04-22 10:00")
    nobody = user()  # active, never posted anywhere
    PersonnelImport.objects.create(
        original_name="4月異動.xlsx", sha256="0" * 64, size=1, uploaded_by=admin,
        status="scheduled", effective_date=date(2026, 4, 10),
    )  # fmt: skip

    out = compute(item("users_current"))

    # postings 1/2, import 0/1, leavers 1/3, active without a posting 2/4 (on 4/30).
    assert (out.in_scope, out.value, out.state) == (10, Decimal("40.00"), C.MISSED)
    failures = {(r.label.split("（")[0], r.value) for r in out.rows}
    assert failures == {
        (f"職員 {late.employee_number} 所属", "2026/04/03 登録（2日遅れ）"),
        ("人事異動取込 #" + str(PersonnelImport.objects.get().pk), "未反映（反映予約）"),
        (f"職員 {leaver_late.employee_number}", "2026/04/22 無効化（2日遅れ）"),
        (f"職員 {leaver_active.employee_number}", "有効のまま"),
        (f"職員 {leaver_active.employee_number}", "所属なしで有効"),
        (f"職員 {nobody.employee_number}", "所属なしで有効"),
    }
    assert all(r.ok is False and r.url.startswith("/admin/accounts/") for r in out.rows)


def test_a_clean_month_is_met_and_grace_days_are_a_setting(units):
    center, _vendor = units
    u = user()
    posting(u, center, date(2026, 4, 1), when="2026-04-02 09:00")
    assert compute(item("users_current")).state == C.MISSED
    out = compute(item("users_current", grace_days=1))
    assert (out.state, out.value) == (C.MET, Decimal("100.00"))


def test_permissions_current_checks_import_role_changes_and_roles_against_postings(units):
    center, vendor = units
    admin = user(is_superuser=True)
    promoted = user(roles.CASEWORKER)
    posting(promoted, center, date(2020, 4, 1), when="2020-04-01 09:00")
    moved = user(roles.CASEWORKER)
    posting(moved, center, date(2020, 4, 1), when="2020-04-01 09:00")
    wrong = user(roles.VENDOR_OPERATOR)
    posting(wrong, center, date(2020, 4, 1), when="2020-04-01 09:00")
    right = user(roles.VENDOR_OPERATOR)
    posting(right, vendor, date(2020, 4, 1), when="2020-04-01 09:00")
    imp = PersonnelImport.objects.create(
        original_name="4月異動.xlsx", sha256="1" * 64, size=1, uploaded_by=admin,
        status="applied", effective_date=date(2026, 4, 1), applied_at=at("2026-04-01 00:05"),
        preview={"staff": [
            {"employee_number": promoted.employee_number, "kind": "異動", "noop": False,
             "roles": [roles.SUPERVISOR], "old_roles": [roles.CASEWORKER]},
            {"employee_number": moved.employee_number, "kind": "異動", "noop": False,
             "roles": [roles.CASEWORKER], "old_roles": [roles.WARD_STAFF]},
        ]},
    )  # fmt: skip

    out = compute(item("permissions_current"))

    # import role changes 1/2 (the promotion is not held), roles vs postings 3/4.
    assert (out.in_scope, out.value, out.state) == (6, Decimal("66.66"), C.MISSED)
    rows = {r.label.split("（")[0]: r for r in out.rows}
    assert rows[f"職員 {promoted.employee_number} 権限変更"].value == "権限が取込の内容と異なる"
    assert rows[f"職員 {wrong.employee_number}"].note == "事業者の権限だが市の所属"
    assert str(imp.pk) in rows[f"職員 {promoted.employee_number} 権限変更"].label
