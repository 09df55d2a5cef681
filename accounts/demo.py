"""A synthetic city: org units and ~400 staff with made-up names."""

import os
import random
from datetime import date

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from simple_history.utils import bulk_create_with_history

from accounts import roles
from accounts.models import Assignment, OrgUnit, User
from accounts.services import roles_sync

DEMO_PASSWORD_DEFAULT = "demo-pass-2026"  # noqa: S105 - synthetic demo accounts only
FY_START = date(2026, 4, 1)

SURNAMES = [
    ("青山", "アオヤマ"),
    ("石川", "イシカワ"),
    ("上田", "ウエダ"),
    ("江口", "エグチ"),
    ("大野", "オオノ"),
    ("加藤", "カトウ"),
    ("木村", "キムラ"),
    ("工藤", "クドウ"),
    ("小松", "コマツ"),
    ("佐々木", "ササキ"),
    ("柴田", "シバタ"),
    ("杉山", "スギヤマ"),
    ("関口", "セキグチ"),
    ("高橋", "タカハシ"),
    ("千葉", "チバ"),
    ("土屋", "ツチヤ"),
    ("寺田", "テラダ"),
    ("戸田", "トダ"),
    ("中村", "ナカムラ"),
    ("西田", "ニシダ"),
    ("野口", "ノグチ"),
    ("橋本", "ハシモト"),
    ("平野", "ヒラノ"),
    ("藤井", "フジイ"),
    ("堀内", "ホリウチ"),
    ("松本", "マツモト"),
    ("三浦", "ミウラ"),
    ("村上", "ムラカミ"),
    ("森田", "モリタ"),
    ("山口", "ヤマグチ"),
    ("吉田", "ヨシダ"),
    ("若林", "ワカバヤシ"),
    ("今井", "イマイ"),
    ("遠藤", "エンドウ"),
    ("菊地", "キクチ"),
]
GIVEN = [
    ("彩", "アヤ"),
    ("健一", "ケンイチ"),
    ("美咲", "ミサキ"),
    ("大輔", "ダイスケ"),
    ("陽子", "ヨウコ"),
    ("翔太", "ショウタ"),
    ("真由美", "マユミ"),
    ("拓也", "タクヤ"),
    ("恵", "メグミ"),
    ("誠", "マコト"),
    ("直子", "ナオコ"),
    ("浩二", "コウジ"),
    ("由紀", "ユキ"),
    ("亮", "リョウ"),
    ("智子", "トモコ"),
    ("修", "オサム"),
    ("香織", "カオリ"),
    ("隆", "タカシ"),
    ("千尋", "チヒロ"),
    ("悠斗", "ユウト"),
    ("舞", "マイ"),
    ("和也", "カズヤ"),
    ("里美", "サトミ"),
    ("勇気", "ユウキ"),
    ("明日香", "アスカ"),
]
WARDS = ["東", "西", "南", "北", "中央", "緑", "港", "山手", "川辺", "丘陵"]

# (employee number, role, unit code, position, job type) for the printed demo logins.
DEMO_LOGINS = [
    ("900001", roles.CASEWORKER, "C1-11", "主事", "児童福祉司"),
    ("900002", roles.SUPERVISOR, "C1-11", "係長", "スーパーバイザー"),
    ("900003", roles.CENTER_DIRECTOR, "C1", "所長", "児童福祉司"),
    ("900004", roles.PROTECTION_STAFF, "C1-P", "主事", "保護所職員"),
    ("900005", roles.WARD_STAFF, "W01", "主事", "保健師"),
    ("900006", roles.CITY_ADMIN, "HQ-1", "主査", "事務"),
    ("900007", roles.VENDOR_OPERATOR, "V1", "", "委託事業者"),
    ("900008", roles.VENDOR_MANAGER, "V1", "責任者", "委託事業者"),
    ("900009", roles.MEETING_ATTENDEE, "HQ-1", "課長", "事務"),
]

# How many further staff each role gets, and where they sit.
ON_LEAVE = (
    roles.WARD_STAFF,
    1,
    ["W02"],
    ["主事"],
    ["保健師"],
)  # 休職中; the sample file brings them back
CASE_UNITS = ["C1-11", "C1-12", "C1-13", "C1-21", "C1-22"]
STAFF_PLAN = [
    (roles.CASEWORKER, 190, CASE_UNITS, ["主事", "主査"], ["児童福祉司", "児童心理司"]),
    (roles.SUPERVISOR, 28, CASE_UNITS, ["係長", "スーパーバイザー"], ["児童福祉司"]),
    (roles.PROTECTION_STAFF, 60, ["C1-P"], ["主事", "主査"], ["保護所職員", "保健師", "医師"]),
    (
        roles.WARD_STAFF,
        90,
        [f"W{i:02d}" for i in range(1, 11)],
        ["主事", "主査"],
        ["保健師", "事務"],
    ),
    ON_LEAVE,
    (roles.CITY_ADMIN, 4, ["HQ-1"], ["主事", "主査"], ["事務"]),
    (roles.VENDOR_OPERATOR, 14, ["V1"], [""], ["委託事業者"]),
    (roles.VENDOR_MANAGER, 2, ["V1"], ["責任者"], ["委託事業者"]),
    (roles.MEETING_ATTENDEE, 4, ["HQ-1", "V1"], ["課長", "係長"], ["事務"]),
]


def _org_units() -> dict[str, OrgUnit]:
    spec = [
        ("HQ", "こども家庭局", OrgUnit.Kind.HQ, None),
        ("HQ-1", "こども家庭支援課", OrgUnit.Kind.HQ, "HQ"),
        ("C1", "中央児童相談所", OrgUnit.Kind.CENTER, None),
        ("C1-1", "相談指導課", OrgUnit.Kind.CENTER, "C1"),
        ("C1-11", "相談第一係", OrgUnit.Kind.CENTER, "C1-1"),
        ("C1-12", "相談第二係", OrgUnit.Kind.CENTER, "C1-1"),
        ("C1-13", "相談第三係", OrgUnit.Kind.CENTER, "C1-1"),
        ("C1-P", "一時保護所", OrgUnit.Kind.PROTECTION, "C1"),
        ("C1-2", "判定・措置課", OrgUnit.Kind.CENTER, "C1"),
        ("C1-21", "心理判定係", OrgUnit.Kind.CENTER, "C1-2"),
        ("C1-22", "措置係", OrgUnit.Kind.CENTER, "C1-2"),
        ("C1-29", "特命係", OrgUnit.Kind.CENTER, "C1-2"),  # empty; the sample file abolishes it
        ("V1", "運用保守事業者 サポートチーム", OrgUnit.Kind.VENDOR, None),
    ]
    spec += [
        (f"W{i:02d}", f"{w}区役所 保健福祉課", OrgUnit.Kind.WARD, None)
        for i, w in enumerate(WARDS, 1)
    ]
    units: dict[str, OrgUnit] = {}
    for code, name, kind, parent in spec:
        unit, _ = OrgUnit.objects.get_or_create(
            code=code,
            valid_from=FY_START,
            defaults={"name": name, "kind": kind, "parent": units.get(parent) if parent else None},
        )
        units[code] = unit
    return units


def seed(*, stdout) -> None:
    roles_sync()
    units = _org_units()
    groups = {g.name: g for g in Group.objects.all()}
    password = os.environ.get("DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT)
    hashed = make_password(password)  # one hash for all demo users keeps seeding fast
    rng = random.Random(2026)  # noqa: S311 - deterministic synthetic data, not security

    planned = []  # (number, role, unit, position, job)
    planned += DEMO_LOGINS
    number = 100001
    on_leave = set()
    for index, (role, count, unit_codes, positions, jobs) in enumerate(STAFF_PLAN):
        for _ in range(count):
            if STAFF_PLAN[index] is ON_LEAVE:
                on_leave.add(str(number))
            planned.append(
                (str(number), role, rng.choice(unit_codes), rng.choice(positions), rng.choice(jobs))
            )
            number += 1

    existing = set(User.objects.values_list("employee_number", flat=True))
    new_users = []
    for emp, *_ in planned:
        if emp in existing:
            continue
        (sur, sur_k), (giv, giv_k) = rng.choice(SURNAMES), rng.choice(GIVEN)
        new_users.append(
            User(
                employee_number=emp,
                name=f"{sur} {giv}",
                name_kana=f"{sur_k} {giv_k}",
                email=f"u{emp}@city.example.jp",
                password=hashed,
                is_staff=False,
                is_active=emp not in on_leave,
            )
        )
    if new_users:
        bulk_create_with_history(new_users, User, batch_size=500)
    by_number = {
        u.employee_number: u
        for u in User.objects.filter(employee_number__in=[p[0] for p in planned])
    }
    memberships, assignments = [], []
    through = User.groups.through
    has_group = set(through.objects.values_list("user_id", "group_id"))
    has_assignment = set(Assignment.objects.values_list("user_id", flat=True))
    for emp, role, unit_code, position, job in planned:
        user = by_number[emp]
        if (user.pk, groups[role].pk) not in has_group:
            memberships.append(through(user_id=user.pk, group_id=groups[role].pk))
        if user.pk not in has_assignment:
            assignments.append(
                Assignment(
                    user=user,
                    org_unit=units[unit_code],
                    position=position,
                    job_type=job,
                    valid_from=FY_START,
                )
            )
    through.objects.bulk_create(memberships)
    if assignments:
        bulk_create_with_history(assignments, Assignment, batch_size=500)

    stdout.write(f"職員 {len(planned)} 名（新規 {len(new_users)} 名）、組織 {len(units)} 件")
    stdout.write(
        "デモ用ログイン（パスワードはすべて %s）:"
        % ("$DEMO_PASSWORD" if "DEMO_PASSWORD" in os.environ else password)
    )
    for emp, role, *_ in DEMO_LOGINS:
        stdout.write(f"  {emp}  {roles.role_label(role)}")


SAMPLE_PATH = "docs/samples/jinji_idou_sample.xlsx"


def sample_transfer_workbook() -> bytes:
    """The April transfer sample (docs/samples/): every 異動区分 and 変更区分 against
    the demo city, written the way a city's file really looks (和暦, full-width
    digits, hiragana フリガナ, Japanese role names)."""
    import io
    from datetime import datetime

    from openpyxl import Workbook

    from accounts.personnel_import.reader import ORG_HEADERS, STAFF_HEADERS

    wb = Workbook()
    staff = wb.active
    staff.title = "職員"
    staff.append(STAFF_HEADERS)
    rows = [
        (
            "910001",
            "試験 新人一",
            "しけん しんじんいち",
            "C1-14",
            "主事",
            "児童福祉司",
            "児童福祉司・児童心理司",
            "新規",
            "令和9年4月1日",
            "u910001@city.example.jp",
        ),
        (
            "910002",
            "試験 新人二",
            "シケン シンジンニ",
            "W01",
            "主事",
            "保健師",
            "ward_staff",
            "新規",
            datetime(2027, 4, 1),
            "",
        ),
        ("100001", None, None, "C1-14", "主査", None, None, "異動", "2027/4/1", None),
        ("１０００１０", None, None, "C1-13", None, None, None, "異動", "2027/04/01", None),
        ("100191", None, None, "C1-14", "係長", None, "supervisor", "異動", "R9.4.1", None),
        (
            "100002",
            None,
            None,
            "C1-11",
            "係長",
            None,
            "caseworker、supervisor",
            "異動",
            "2027/4/1",
            None,
        ),
        ("100003", None, None, None, None, None, None, "退職", "2027/3/31", None),
        ("100004", None, None, None, None, None, None, "休職", "2027/4/1", None),
        ("100369", None, None, "W03", None, None, None, "復職", "2027/4/1", None),
    ]
    for row in rows:
        staff.append(list(row))
    org = wb.create_sheet("組織")
    org.append(ORG_HEADERS)
    for row in [
        ("C1-14", "相談第四係", "児童相談所", "C1-1", "新設", None, "2027/4/1"),
        ("C1-12", "相談第二係（虐待対応）", None, None, "名称変更", None, "2027/4/1"),
        ("W10", None, None, None, "統合", "W09", "2027/4/1"),
        ("C1-29", None, None, None, "廃止", None, "2027/4/1"),
    ]:
        org.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
