"""Personnel import at the yearly-transfer scale: a 3,000-row file.

Creates 3,000 synthetic staff inside a transaction, builds a transfer file that
touches every one of them (transfers, role changes, leavers, leave, new staff),
then times check+preview and apply. Everything is rolled back at the end.

    eval "$(bash scripts/dev.sh env)"; .venv/bin/python bench/personnel_import.py [rows]
Targets (issue 3): check and preview < 3 s, apply < 5 s.
"""

import io
import sys
import time

from _common import setup_django

setup_django()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import transaction  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from accounts.models import Assignment, OrgUnit, PersonnelImport, User  # noqa: E402
from accounts.personnel_import import services  # noqa: E402
from accounts.personnel_import.reader import STAFF_HEADERS  # noqa: E402
from core.timeutil import now_jst  # noqa: E402


class Rollback(Exception):
    pass


def build(rows: int):
    today = now_jst().date()
    units = list(
        OrgUnit.objects.filter(
            kind__in=["center", "ward"], valid_to__isnull=True, code__startswith="B"
        )
    )
    if not units:
        units = [
            OrgUnit.objects.create(
                code=f"B{i:02d}", name=f"ベンチ係{i}", kind="center", valid_from=today
            )
            for i in range(20)
        ]
    caseworker = Group.objects.get(name="caseworker")
    hashed = make_password(None)
    existing = rows - rows // 6
    users = User.objects.bulk_create(
        [
            User(
                employee_number=f"8{i:05d}",
                name=f"ベンチ 職員{i}",
                name_kana="ベンチ ショクイン",
                password=hashed,
            )
            for i in range(existing)
        ]
    )
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=caseworker.pk) for u in users]
    )
    Assignment.objects.bulk_create(
        [
            Assignment(user=u, org_unit=units[i % len(units)], position="主事", valid_from=today)
            for i, u in enumerate(users)
        ]
    )
    wb = Workbook()
    ws = wb.active
    ws.title = "職員"
    ws.append(STAFF_HEADERS)
    issued = today.strftime("%Y/%m/%d")
    for i, u in enumerate(users):
        kind = ("異動", "異動", "異動", "退職", "休職", "異動")[i % 6]
        role = "caseworker、supervisor" if i % 10 == 0 else None
        unit = units[(i + 1) % len(units)].code if kind == "異動" else None
        ws.append([u.employee_number, None, None, unit, "主査", None, role, kind, issued, None])
    for i in range(rows - existing):
        ws.append(
            [
                f"7{i:05d}",
                f"ベンチ 新人{i}",
                "べんち しんじん",
                units[i % len(units)].code,
                "主事",
                "児童福祉司",
                "caseworker",
                "新規",
                issued,
                f"n{i}@city.example.jp",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    admin = User.objects.filter(groups__name="city_admin", is_active=True).first()
    if admin is None:
        sys.exit("run `manage.py seed_demo` first (make bench does)")
    try:
        with transaction.atomic():
            data = build(rows)
            record = PersonnelImport.objects.create(
                original_name="bench.xlsx", sha256="bench", size=len(data), uploaded_by=admin
            )
            from django.core.files.base import ContentFile

            record.file.save("bench.xlsx", ContentFile(data))
            t0 = time.perf_counter()
            record = services.personnel_import_validate(import_id=record.pk)
            t1 = time.perf_counter()
            assert record.status == PersonnelImport.Status.READY, record.problems[:5]
            PersonnelImport.objects.filter(pk=record.pk).update(status="applying", applied_by=admin)
            t2 = time.perf_counter()
            record = services.personnel_import_execute(import_id=record.pk)
            t3 = time.perf_counter()
            assert record.status == PersonnelImport.Status.APPLIED, (
                record.error_message,
                record.problems[:5],
            )
            counts = dict(record.preview["counts"])
            record.file.delete(save=False)
            record.result_file.delete(save=False)
            raise Rollback
    except Rollback:
        pass
    print(
        f"personnel import, {rows} rows ({len(data) // 1024} KB): check+preview {t1 - t0:.2f} s, "
        f"apply {t3 - t2:.2f} s  counts={ {k: v for k, v in counts.items() if v} }"
    )


if __name__ == "__main__":
    main()
