"""A few synthetic cases for the demo logins (900001 caseworker in 相談第一係,
900002 its supervisor). Made-up names only. `seed_volume` adds a big city's volume."""

import random
from datetime import date, timedelta

from django.apps import apps
from django.utils import timezone

from accounts.models import OrgUnit, User
from cases import services
from cases.codes_seed import ensure_code_lists
from cases.models import Code, Consultation

GIVEN = [
    ("陽翔", "ハルト"),
    ("結衣", "ユイ"),
    ("蓮", "レン"),
    ("葵", "アオイ"),
    ("湊", "ミナト"),
    ("凛", "リン"),
    ("悠真", "ユウマ"),
    ("芽依", "メイ"),
    ("大和", "ヤマト"),
    ("陽菜", "ヒナ"),
]
FAMILY = [
    ("髙橋", "タカハシ"),
    ("山﨑", "ヤマサキ"),
    ("佐野", "サノ"),
    ("森下", "モリシタ"),
    ("川口", "カワグチ"),
    ("石田", "イシダ"),
    ("北村", "キタムラ"),
    ("原田", "ハラダ"),
]
NOTES = [
    "母親と面接。最近は夜泣きが続き、育児に疲れているとのこと。保健師の訪問を提案した。",
    "学校の担任から電話。登校時の様子に大きな変化はない。引き続き見守りを依頼。",
    "家庭訪問。児童と面会し、表情は明るい。室内の様子も落ち着いている。",
    "関係機関会議。保育所・保健センターと情報共有し、月1回の連絡を確認した。",
]


def seed(*, stdout) -> None:
    ensure_code_lists(apps)
    if Consultation.objects.exists():
        stdout.write("ケース: 既存のデータがあるため追加しません")
        return
    worker = User.objects.filter(employee_number="900001").first()
    unit = OrgUnit.objects.filter(code="C1-11", valid_to__isnull=True).first()
    if worker is None or unit is None:
        return
    rng = random.Random(11)  # noqa: S311 - synthetic demo data
    route = Code.objects.get(code_list__key="keiro", code="15")
    types = list(Code.objects.filter(code_list__key="soudan_shubetsu", group__isnull=False))
    now = timezone.now()
    made = []
    for i in range(24):
        (fam, fam_k), (giv, giv_k) = rng.choice(FAMILY), rng.choice(GIVEN)
        child = services.person_create(
            name=f"{fam} {giv}",
            name_kana=f"{fam_k} {giv_k}",
            sex=rng.choice("MF"),
            birth_date=date(2012 + i % 12, 1 + i % 12, 1 + i % 27),
            address=f"架空市中央区{i + 1}-1-1",
            address_confidential=(i == 3),
        )
        guardian = services.person_create(
            name=f"{fam} 保護者{i + 1}", name_kana=f"{fam_k} ホゴシャ"
        )
        services.relationship_add(
            person=child, other=guardian, relation="実母", is_guardian=True, lives_together=True
        )
        abuse = None
        is_abuse = i in (0, 1, 2)
        received = now - timedelta(hours=(20, 60, 30)[i] if is_abuse else 24 * (5 + i * 7))
        if is_abuse:
            abuse = {"abuse_types": ["neglect"], "urgency": "A", "accepted_at": received}
        case = services.consultation_intake(
            actor=worker,
            unit=unit,
            received_at=received,
            channel="report" if is_abuse else "phone",
            route=route,
            consultation_type=types[0] if is_abuse else rng.choice(types),
            main_concern="近隣から、夜間に子どもだけで過ごしているようだと通告。"
            if is_abuse
            else "育児の相談。",
            child=child,
            reporter={"anonymous": True} if is_abuse else None,
            abuse=abuse,
        )
        for j in range(3):
            services.note_add(
                consultation=case,
                actor=worker,
                occurred_at=received + timedelta(hours=j + 1),
                kind="interview",
                text=NOTES[(i + j) % len(NOTES)],
            )
        made.append(case)
    services.protection_start(
        consultation=made[2],
        start_at=now - timedelta(days=3),
        reason="emergency_i",
        place="center",
        parental_consent=False,
    )
    stdout.write(f"ケース: {len(made)} 件（900001 の担当、うち虐待通告 3 件・一時保護 1 件）")
