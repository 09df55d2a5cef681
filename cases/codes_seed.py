"""The national code lists (運営指針, 福祉行政報告例) as shipped defaults.

Cities edit them in Django admin (add local sub-codes, retire codes with
valid_to); national_code keeps the mapping used for the national statistics.
"""

SOUDAN_SHUBETSU = [
    # (group code, group name, national group, [(code, name), ...])
    ("10", "養護相談", "養護", [("11", "児童虐待相談"), ("12", "その他の養護相談")]),
    ("20", "保健相談", "保健", [("21", "保健相談")]),
    (
        "30",
        "障害相談",
        "障害",
        [
            ("31", "肢体不自由相談"),
            ("32", "視聴覚障害相談"),
            ("33", "言語発達障害等相談"),
            ("34", "重症心身障害相談"),
            ("35", "知的障害相談"),
            ("36", "発達障害相談"),
        ],
    ),
    ("40", "非行相談", "非行", [("41", "ぐ犯等相談"), ("42", "触法行為等相談")]),
    (
        "50",
        "育成相談",
        "育成",
        [
            ("51", "性格行動相談"),
            ("52", "不登校相談"),
            ("53", "適性相談"),
            ("54", "育児・しつけ相談"),
        ],
    ),
    ("60", "その他の相談", "その他", [("61", "その他の相談")]),
]

KEIRO = [
    ("01", "家族（虐待者本人）"),
    ("02", "家族（虐待者以外）"),
    ("03", "親戚"),
    ("04", "近隣・知人"),
    ("05", "児童本人"),
    ("06", "児童委員"),
    ("07", "警察等"),
    ("08", "都道府県（福祉事務所）"),
    ("09", "他の児童相談所"),
    ("10", "市町村（福祉事務所）"),
    ("11", "市町村（保健センター）"),
    ("12", "市町村（その他）"),
    ("13", "児童福祉施設等"),
    ("14", "里親"),
    ("15", "保育所"),
    ("16", "幼稚園"),
    ("17", "学校・教育委員会"),
    ("18", "医療機関"),
    ("19", "保健所"),
    ("20", "家庭裁判所"),
    ("99", "その他（匿名を含む）"),
]

ENJO = [
    (
        "10",
        "在宅指導等",
        [
            ("11", "助言指導"),
            ("12", "継続指導"),
            ("13", "他機関あっせん"),
            ("14", "児童福祉司指導"),
            ("15", "児童委員指導"),
            ("16", "市町村指導"),
            ("17", "児童家庭支援センター指導"),
            ("18", "訓戒・誓約"),
        ],
    ),
    (
        "20",
        "児童福祉施設入所措置",
        [
            ("21", "乳児院"),
            ("22", "児童養護施設"),
            ("23", "障害児入所施設"),
            ("24", "児童心理治療施設"),
            ("25", "児童自立支援施設"),
            ("26", "指定発達支援医療機関委託"),
        ],
    ),
    (
        "30",
        "里親委託等",
        [("31", "里親委託"), ("32", "小規模住居型児童養育事業（ファミリーホーム）")],
    ),
    ("40", "児童自立生活援助", [("41", "児童自立生活援助")]),
    (
        "50",
        "送致・通知",
        [("51", "市町村への事案送致"), ("52", "福祉事務所送致・通知"), ("53", "家庭裁判所送致")],
    ),
    (
        "60",
        "家事審判申立て",
        [("61", "28条承認申立て"), ("62", "親権停止・喪失申立て"), ("63", "後見人選任申立て")],
    ),
    ("70", "特別養子縁組", [("71", "特別養子縁組")]),
]

CLOSURE_REASONS = [
    "援助の終了",
    "他機関への移管",
    "管外転出",
    "年齢超過",
    "特別養子縁組の成立",
    "その他",
]
PERMANENT_CLOSURE_REASONS = {"特別養子縁組の成立"}
PERMANENT_MEASURE_CODES = {"71"}


def ensure_code_lists(apps) -> None:
    """Create the shipped code lists where missing (migration, and tests that flush)."""
    CodeList = apps.get_model("cases", "CodeList")
    Code = apps.get_model("cases", "Code")

    def code_list(key, name):
        return CodeList.objects.get_or_create(key=key, defaults={"name": name})[0]

    shubetsu = code_list("soudan_shubetsu", "相談種別")
    for order, (gcode, gname, national, members) in enumerate(SOUDAN_SHUBETSU):
        group, _ = Code.objects.get_or_create(
            code_list=shubetsu,
            code=gcode,
            defaults={"name": gname, "national_code": national, "order": order * 10},
        )
        for i, (code, name) in enumerate(members):
            Code.objects.get_or_create(
                code_list=shubetsu,
                code=code,
                defaults={
                    "name": name,
                    "group": group,
                    "national_code": f"{national}:{code}",
                    "order": order * 10 + i + 1,
                },
            )
    keiro = code_list("keiro", "相談経路")
    for i, (code, name) in enumerate(KEIRO):
        Code.objects.get_or_create(
            code_list=keiro, code=code, defaults={"name": name, "national_code": code, "order": i}
        )
    enjo = code_list("enjo", "援助")
    for order, (gcode, gname, members) in enumerate(ENJO):
        group, _ = Code.objects.get_or_create(
            code_list=enjo,
            code=gcode,
            defaults={"name": gname, "national_code": gcode, "order": order * 10},
        )
        for i, (code, name) in enumerate(members):
            Code.objects.get_or_create(
                code_list=enjo,
                code=code,
                defaults={
                    "name": name,
                    "group": group,
                    "national_code": code,
                    "order": order * 10 + i + 1,
                },
            )
