"""Build personnel-transfer workbooks in memory for tests."""

import io
from datetime import date

import pytest
from openpyxl import Workbook

from accounts import roles
from accounts.models import Assignment, OrgUnit
from accounts.personnel_import.reader import ORG_HEADERS, STAFF_HEADERS
from accounts.tests.factories import UserFactory

FY = date(2026, 4, 1)


def staff_row(number, kind, issued="2027/4/1", **cells):
    row = {"職員番号": number, "異動区分": kind, "発令日": issued}
    row.update(cells)
    return row


def org_row(code, kind, issued="2027/4/1", **cells):
    row = {"組織コード": code, "変更区分": kind, "発令日": issued}
    row.update(cells)
    return row


def xlsx(staff=(), org=(), *, staff_headers=STAFF_HEADERS, org_headers=ORG_HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "職員"
    ws.append(list(staff_headers))
    for row in staff:
        ws.append([row.get(h) for h in staff_headers])
    if org:
        ows = wb.create_sheet("組織")
        ows.append(list(org_headers))
        for row in org:
            ows.append([row.get(h) for h in org_headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


class City:
    """A small synthetic city: one centre with two sections, a ward office."""

    def __init__(self):
        unit = lambda code, name, kind, parent=None: OrgUnit.objects.create(  # noqa: E731
            code=code, name=name, kind=kind, parent=parent, valid_from=FY
        )
        self.center = unit("C1", "試験児童相談所", OrgUnit.Kind.CENTER)
        self.division = unit("C1-1", "相談指導課", OrgUnit.Kind.CENTER, self.center)
        self.sec1 = unit("C1-11", "相談第一係", OrgUnit.Kind.CENTER, self.division)
        self.sec2 = unit("C1-12", "相談第二係", OrgUnit.Kind.CENTER, self.division)
        self.ward = unit("W01", "試験区役所 保健福祉課", OrgUnit.Kind.WARD)
        self.director = self.person("800001", roles.CENTER_DIRECTOR, self.center, "所長")
        self.sv1 = self.person("800002", roles.SUPERVISOR, self.sec1, "係長")
        self.sv2 = self.person("800003", roles.SUPERVISOR, self.sec2, "係長")
        self.worker1 = self.person("800004", roles.CASEWORKER, self.sec1, "主事")
        self.worker2 = self.person("800005", roles.CASEWORKER, self.sec2, "主事")
        self.ward_staff = self.person("800006", roles.WARD_STAFF, self.ward, "主事")
        self.on_leave = self.person("800007", roles.CASEWORKER, self.sec1, "主事", is_active=False)

    def person(self, number, role, unit, position, **kwargs):
        user = UserFactory(
            employee_number=number, roles=[role], name=f"試験 職員{number[-2:]}", **kwargs
        )
        Assignment.objects.create(
            user=user, org_unit=unit, position=position, job_type="児童福祉司", valid_from=FY
        )
        return user


@pytest.fixture
def city(db):
    return City()
