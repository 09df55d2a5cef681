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
STAFF_PLAN = [
    (
        roles.CASEWORKER,
        190,
        ["C1-11", "C1-12", "C1-13", "C2-11"],
        ["主事", "主査"],
        ["児童福祉司", "児童心理司"],
    ),
    (
        roles.SUPERVISOR,
        28,
        ["C1-11", "C1-12", "C1-13", "C2-11"],
        ["係長", "スーパーバイザー"],
        ["児童福祉司"],
    ),
    (roles.CENTER_DIRECTOR, 1, ["C2"], ["所長"], ["児童福祉司"]),
    (roles.PROTECTION_STAFF, 60, ["C1-P"], ["主事", "主査"], ["保護所職員", "保健師", "医師"]),
    (
        roles.WARD_STAFF,
        90,
        [f"W{i:02d}" for i in range(1, 11)],
        ["主事", "主査"],
        ["保健師", "事務"],
    ),
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
        ("C2", "北部児童相談支所", OrgUnit.Kind.CENTER, None),
        ("C2-11", "北部相談係", OrgUnit.Kind.CENTER, "C2"),
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
    for role, count, unit_codes, positions, jobs in STAFF_PLAN:
        for _ in range(count):
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
