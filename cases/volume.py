"""Synthetic big-city volume for load tests: twenty years of case records.

Called by ``manage.py seed_volume``. Everything is made up: names are random
combinations of kanji/kana parts, addresses are in 架空市, phone numbers are in
the 000 block. The rows are written with PostgreSQL COPY (psycopg 3) in one
transaction, because three million progress notes must load in minutes;
simple-history rows are deliberately not written for this bulk load (the
history pages of these cases are empty). The tables are ANALYZEd at the end.

The generator is deterministic for a given ``seed`` and database state.

Shape of the data (defaults: 200,000 children, 300,000 consultations,
3,000,000 notes over 20 fiscal years):

- children born across ~37 years (a child is 0-17 at a consultation), siblings
  share a family (surname, address, guardians); 1-2 guardians per family
  (実母/実父/養父/養母/祖母 …, Relationship.is_guardian), ~3% of families under a
  DV support measure (address_confidential, the father recorded as adversary);
- consultations rise over the years, numbered ``{fy}-{seq:05d}`` after the
  highest sequence already used in each fiscal year; ~20% are abuse reports
  (rising from 8% to 28%), with safety checks, reporters and a few
  temporary protections; how long a case stays open is drawn from a mixture
  (most close within weeks, ~1% are placements that run until the child is 18),
  which leaves >98% of cases from earlier years closed, ~95% of last year's and
  ~70% of this year's, and ~7,300 open cases at the default size, i.e. 20-53
  open cases per caseworker (median 38);
- one active lead per open case (a caseworker posted to the case's section),
  ended assignments for closed ones, occasional handovers and 児童心理司;
  demo user 900001 (C1-11) leads ~40 open cases of C1-11;
- progress notes (50-800 characters) spread over each case's life, more for
  longer cases; meetings (受理会議, 援助方針会議, reviews with next_review_on).
"""

from __future__ import annotations

import bisect
import math
import random
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone
from psycopg import sql

from accounts.demo import CASE_UNITS, WARDS
from accounts.models import Assignment, OrgUnit, User
from accounts.selectors import supervised_unit_ids, valid_on
from cases.codes_seed import CLOSURE_REASONS, PERMANENT_CLOSURE_REASONS
from cases.models import CaseAssignment, Code, Consultation
from core.numbering import lock_fiscal_year
from core.textnorm import search_form
from core.timeutil import JST, fiscal_year

DAY = 86400.0
YEAR = 365.2425 * DAY
RETENTION_YEARS = 25
DEMO_CASEWORKER = "900001"
DEMO_SUPERVISOR = "900002"
DEMO_SECTION = "C1-11"
DEMO_CASELOAD = 40
# Same advisory-lock key as cases.services._next_number: numbering is serialised
# per fiscal year, so a live intake cannot take a number this load is using.
# A load leaves a note on cases_consultation (COMMENT ON TABLE): when, what, and
# the first case it wrote, so a second run can tell that the volume is still there.
MARKER = "seed_volume:"
MARKER_REF = re.compile(r"\[first (\d+) (\S+)\]")

TABLES = [
    "cases_person",
    "cases_relationship",
    "cases_consultation",
    "cases_caseassignment",
    "cases_abusereport",
    "cases_safetycheck",
    "cases_reporter",
    "cases_meeting",
    "cases_protection",
    "cases_progressnote",
]


class VolumeError(Exception):
    """The load cannot run (missing demo data, or volume already loaded)."""


# --- names --------------------------------------------------------------------------

SURNAME_HEADS = [
    ("高", "タカ"), ("山", "ヤマ"), ("中", "ナカ"), ("小", "コ"), ("大", "オオ"),
    ("石", "イシ"), ("松", "マツ"), ("竹", "タケ"), ("森", "モリ"), ("青", "アオ"),
    ("岩", "イワ"), ("桜", "サクラ"), ("西", "ニシ"), ("北", "キタ"), ("南", "ミナミ"),
    ("東", "ヒガシ"), ("前", "マエ"), ("今", "イマ"), ("宮", "ミヤ"), ("市", "イチ"),
    ("金", "カネ"), ("長", "ナガ"), ("浜", "ハマ"), ("柳", "ヤナギ"), ("藤", "フジ"),
    ("吉", "ヨシ"), ("岡", "オカ"), ("福", "フク"), ("平", "ヒラ"), ("上", "カミ"),
    ("下", "シモ"), ("内", "ウチ"), ("新", "ニイ"), ("古", "フル"), ("黒", "クロ"),
    ("白", "シラ"), ("柴", "シバ"), ("菊", "キク"), ("梅", "ウメ"), ("杉", "スギ"),
    ("広", "ヒロ"), ("富", "トミ"), ("渡", "ワタ"), ("川", "カワ"), ("野", "ノ"),
]  # fmt: skip
SURNAME_TAILS = [
    ("田", "ダ"), ("山", "ヤマ"), ("川", "カワ"), ("本", "モト"), ("村", "ムラ"),
    ("野", "ノ"), ("井", "イ"), ("崎", "ザキ"), ("島", "ジマ"), ("沢", "ザワ"),
    ("橋", "ハシ"), ("木", "キ"), ("原", "ハラ"), ("口", "グチ"), ("谷", "タニ"),
    ("部", "ベ"), ("岡", "オカ"), ("瀬", "セ"), ("尾", "オ"), ("坂", "サカ"), ("辺", "ナベ"),
]  # fmt: skip
# 異体字 written by some families (core.textnorm folds them back for search).
VARIANT_KANJI = {
    "高": "髙", "崎": "﨑", "島": "嶋", "沢": "澤", "浜": "濱", "辺": "邊",
    "桜": "櫻", "広": "廣", "富": "冨", "黒": "黑", "柳": "栁", "瀬": "瀨",
}  # fmt: skip
VARIANT_SHARE = 0.04

BOY_HEADS = [
    ("翔", "ショウ"), ("健", "ケン"), ("悠", "ユウ"), ("大", "ダイ"), ("陽", "ハル"),
    ("蒼", "ソウ"), ("拓", "タク"), ("航", "コウ"), ("颯", "ハヤ"), ("湊", "ミナ"),
    ("蓮", "レン"), ("樹", "イツ"), ("勇", "ユウ"), ("隼", "ジュン"), ("誠", "セイ"),
]  # fmt: skip
BOY_TAILS = [
    ("太", "タ"), ("斗", "ト"), ("輝", "キ"), ("真", "マ"), ("也", "ヤ"),
    ("介", "スケ"), ("平", "ヘイ"), ("人", "ト"), ("希", "キ"), ("吾", "ゴ"),
]  # fmt: skip
GIRL_HEADS = [
    ("美", "ミ"), ("結", "ユ"), ("心", "ココ"), ("陽", "ヒ"), ("彩", "アヤ"),
    ("愛", "アイ"), ("真", "マ"), ("優", "ユウ"), ("莉", "リ"), ("花", "ハナ"),
    ("咲", "サ"), ("紗", "サ"), ("菜", "ナ"), ("杏", "アン"), ("凛", "リン"),
]  # fmt: skip
GIRL_TAILS = [
    ("子", "コ"), ("菜", "ナ"), ("香", "カ"), ("奈", "ナ"), ("花", "カ"), ("希", "キ"),
    ("音", "ネ"), ("衣", "イ"), ("美", "ミ"), ("佳", "カ"), ("乃", "ノ"), ("葉", "ハ"),
]  # fmt: skip
# Parents' generation: a few older-style endings on top of the children's pools.
MAN_TAILS = [*BOY_TAILS, ("一", "イチ"), ("郎", "ロウ"), ("男", "オ"), ("治", "ジ")]
WOMAN_TAILS = [*GIRL_TAILS, ("恵", "エ"), ("代", "ヨ"), ("江", "エ"), ("里", "リ")]

TOWNS = [
    "本町", "旭町", "若葉", "緑ヶ丘", "桜台", "中島", "栄町", "新田", "東原", "西原",
    "南台", "北野", "大和町", "昭和町", "松が丘", "梅田", "宮前", "川端", "浜町", "青葉",
    "富士見", "日の出町", "港町", "柳町", "寺町", "鶴見", "泉", "花園", "美園", "錦町",
]  # fmt: skip
APARTMENTS = ["ハイツ", "コーポ", "メゾン", "荘", "レジデンス", "団地"]
OCCUPATIONS = [
    "会社員", "会社員", "パート", "パート", "自営業", "無職", "公務員", "看護師",
    "運転手", "飲食店勤務", "介護職", "建設業", "販売員", "派遣社員", "",
]  # fmt: skip

# --- consultations ------------------------------------------------------------------

ABUSE_TYPE_CODE = "11"
OTHER_TYPE_WEIGHTS = {
    "12": 12, "21": 1, "31": 1, "32": 0.5, "33": 5, "34": 1, "35": 28, "36": 8,
    "41": 3, "42": 3, "51": 6, "52": 4, "53": 1, "54": 6, "61": 8,
}  # fmt: skip
ABUSE_ROUTE_WEIGHTS = {
    "07": 50, "04": 11, "02": 6, "01": 2, "17": 7, "10": 6, "08": 2, "18": 2,
    "15": 1, "05": 1, "09": 4, "12": 2, "99": 6,
}  # fmt: skip
OTHER_ROUTE_WEIGHTS = {
    "02": 40, "01": 3, "10": 12, "11": 5, "17": 10, "18": 5, "19": 3, "13": 5,
    "20": 3, "07": 5, "03": 2, "05": 1, "15": 2, "16": 1, "99": 3,
}  # fmt: skip
ABUSE_CHANNELS = (["report", "phone", "visit", "document"], [60, 30, 5, 5])
OTHER_CHANNELS = (["visit", "phone", "document", "referral"], [45, 40, 8, 7])
AGE_WEIGHTS = [6, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5, 4, 3]
AGE_OUT_REASON = "年齢超過"  # set when a case runs until the child's 18th birthday
_CLOSURE_SHARES = {
    "援助の終了": 70,
    "他機関への移管": 12,
    "管外転出": 10,
    "特別養子縁組の成立": 0.5,
}
CLOSURE_WEIGHTS = {
    reason: _CLOSURE_SHARES.get(reason, 7.5)
    for reason in CLOSURE_REASONS
    if reason != AGE_OUT_REASON
}

CONCERNS = {
    "11": [
        "近隣住民から、夜間に子どもの泣き声と大人の怒鳴り声が続いているとの通告。",
        "警察から、夫婦間の暴力の場に児童が居合わせたとの心理的虐待通告（面前DV）。",
        "学校から、児童の腕にあざがあり、本人が「父に叩かれた」と話しているとの通告。",
        "保育所から、児童が数日同じ服で登園し、空腹を訴えているとの連絡。",
        "医療機関から、乳児の受診時に説明のつかない骨折が見つかったとの通告。",
        "児童本人が学校で「家に帰りたくない」と訴えたとの連絡。",
        "区役所から、乳幼児健診が未受診で、家庭訪問でも児童に会えないとの連絡。",
        "警察から、深夜に幼児が一人で屋外にいたところを保護したとの通告。",
    ],
    "12": [
        "母の入院により養育者が不在となるため、一時的な養育について相談。",
        "保護者の経済的困窮により養育の継続が難しいとの相談。",
        "父子家庭で、父の夜勤中の養育について相談。",
    ],
    "21": ["低出生体重児の養育について保健センターから相談。"],
    "3": [
        "言葉の発達の遅れについて保護者から相談。療育手帳の判定を希望。",
        "療育手帳の再判定。",
        "発達障害の診断を受けており、集団生活での困りごとについて相談。",
        "障害児入所施設の利用について相談。",
    ],
    "4": [
        "万引きを繰り返しているとして警察から通告。",
        "深夜徘徊と家出を繰り返しているとの相談。",
        "同級生への暴力行為について学校から相談。",
    ],
    "5": [
        "不登校が半年以上続いており、保護者から相談。",
        "家庭内での暴言・反抗について保護者から相談。",
        "しつけの方法について母から相談。",
        "進路と適性について本人・保護者から相談。",
    ],
    "6": ["その他の相談。関係機関からの照会。"],
}

REPORTER_RELATIONS = {
    "07": "警察署生活安全課",
    "04": "近隣住民",
    "02": "親族",
    "01": "保護者本人",
    "17": "学校（担任）",
    "10": "区役所保健福祉課",
    "08": "福祉事務所",
    "18": "医療機関（医療ソーシャルワーカー）",
    "15": "保育所",
    "05": "児童本人",
    "09": "他の児童相談所",
    "12": "市（子育て支援課）",
    "99": "匿名の電話",
}
REPORTER_WISHES = ["調査を希望", "相談のみ", "保護を希望", "連絡は不要", ""]
PERPETRATORS = (["実母", "実父", "実父以外の父", "実母以外の母", "その他"], [48, 41, 6, 1, 4])
ABUSE_TYPE_WEIGHTS = (["psychological", "physical", "neglect", "sexual"], [56, 25, 17, 2])
URGENCY_WEIGHTS = (["AA", "A", "B", "C", "D"], [2, 8, 25, 40, 25])

ATTENDEES = [
    "所長、課長、係長、担当児童福祉司、児童心理司",
    "課長、係長、担当児童福祉司",
    "係長、担当児童福祉司、児童心理司、保健師",
    "所長、係長、担当児童福祉司、一時保護所職員",
]
DECISIONS = [
    "在宅指導（児童福祉司指導）とし、3か月後に見直す。",
    "一時保護を継続し、家庭復帰の条件を整理する。",
    "助言指導とし、関係機関の見守りに移行して終結予定。",
    "児童心理司による心理診断を実施し、次回会議で援助方針を決める。",
    "学校・区役所と見守り体制を組み、月1回の家庭訪問を継続する。",
    "保護者の同意を得て児童養護施設への入所措置を検討する。",
    "要保護児童対策地域協議会で情報を共有し、役割分担を確認する。",
]
FACILITIES = [
    "架空市乳児院",
    "架空市立さくら学園",
    "里親（架空市登録）",
    "架空市児童養護施設 若葉寮",
]

# --- notes --------------------------------------------------------------------------

NOTE_KINDS = (["interview", "home_visit", "phone", "agency", "meeting"], [25, 20, 30, 18, 7])
DISCLOSURES = (["open", "third_party", "assessment", "agency"], [60, 15, 15, 10])
NOTE_PHRASES = {
    "interview": [
        "母来所。担当者と面接。",
        "児童と個別に面接を行った。",
        "最近の家庭での様子を聞き取る。",
        "母によると、夜は落ち着いて眠れるようになってきたとのこと。",
        "児童は担当者の問いかけに笑顔で応じ、学校での出来事を話した。",
        "父は当初関与を否定していたが、面接の終盤で叩いたことを認めた。",
        "今後は月1回の来所面接を継続することで合意した。",
        "母は仕事と育児の両立に強い負担を感じていると話す。",
        "児童は「家ではゲームをしている」と話し、表情は硬かった。",
        "祖母も同席し、放課後の見守りに協力できると申し出があった。",
    ],
    "home_visit": [
        "家庭訪問。母と児童が在宅。",
        "室内は片付いており、台所には夕食の準備がされていた。",
        "玄関先に空き缶やごみ袋が積まれている状態であった。",
        "児童の顔や腕にあざ等は見られなかった。",
        "弟も同席し、落ち着いた様子で過ごしていた。",
        "訪問時不在。不在票を投函し、後日電話で連絡することとした。",
        "区役所の保健師と同行訪問。乳児の体重は順調に増えている。",
        "寝具が不足しているため、支援団体からの提供について案内した。",
    ],
    "phone": [
        "学校より電話。",
        "母より電話。面接日を変更したいとの連絡。",
        "担任より、今週は3日登校できたとの報告があった。",
        "保育所より、本日も元気に登園したとの連絡。",
        "不在のため留守番電話に伝言を残した。",
        "父より、児童の通院の付き添いについて相談があった。",
        "区役所より、転入手続きが完了したとの連絡。",
    ],
    "agency": [
        "要保護児童対策地域協議会の個別ケース検討会議に出席。",
        "区役所保健福祉課と情報共有を行った。",
        "学校と今後の見守り体制について協議した。",
        "主治医から所見を聴取した。",
        "警察署生活安全課と連絡調整を行った。",
        "施設の担当職員と、週末帰宅の可否について協議した。",
    ],
    "meeting": [
        "所内援助方針会議で協議。",
        "在宅での継続指導とし、3か月後に見直すこととなった。",
        "一時保護の解除に向けた条件を整理した。",
        "スーパーバイザーから助言を受けた。",
        "判定会議で心理診断の結果を共有した。",
    ],
}
COMMON_PHRASES = [
    "今後も関係機関と連携して見守る。",
    "引き続き経過を観察する。",
    "児童の安全は確認できている。",
    "次回は来月上旬に連絡する予定。",
    "児童の表情は前回より明るい。",
    "母の疲労感が強く、育児負担の軽減策を検討する必要がある。",
    "所見：家庭の養育力は一定程度あるが、支援の継続が必要。",
    "生活リズムは改善傾向にあるが、朝の登校準備に課題が残る。",
    "経済的な支援制度について改めて説明した。",
    "本人の意向を尊重しつつ、保護者とも調整を続ける。",
    "前回合意した約束事は概ね守られている。",
    "夜間の連絡体制について確認した。",
]
NOTE_POOL_SIZE = 800  # texts per kind
NOTE_MIN, NOTE_MAX, NOTE_MEDIAN = 50, 800, 220


# --- plan rows ----------------------------------------------------------------------


@dataclass(slots=True)
class Family:
    surname: tuple[str, str]
    address: str
    confidential: bool
    guardians: list[tuple[int, str, bool, bool]]  # (person index, relation, together, adversary)


@dataclass(slots=True)
class Child:
    index: int  # into the persons list
    birth: date
    first_ts: float
    adult_ts: float  # 18th birthday


@dataclass(slots=True)
class Case:
    child: Child
    received_ts: float
    abuse: bool = False
    fy: int = 0
    seq: int = 0
    pk: int = 0
    unit: str = ""
    status: str = "closed"
    accepted_ts: float | None = None
    closed_ts: float | None = None
    closure_reason: str = ""
    route: str = ""
    lead: int = 0  # the current (or last) lead worker
    team: list[tuple[int, str, float, float | None]] = field(default_factory=list)
    end_ts: float = 0.0  # end of the case's life for notes: closed_at or now


def _weighted(mapping: dict[str, float]) -> tuple[list[str], list[float]]:
    return list(mapping), list(mapping.values())


CLOSURES = _weighted(CLOSURE_WEIGHTS)


class VolumeLoader:
    def __init__(
        self,
        *,
        children: int,
        consultations: int,
        notes: int,
        years: int,
        seed: int,
        stdout,
        force: bool = False,
        now: datetime | None = None,
    ):
        if children < 1 or consultations < children or notes < 0 or years < 1:
            raise VolumeError(
                "件数が不正です（児童 >= 1、相談 >= 児童数、経過記録 >= 0、年数 >= 1）。"
            )
        self.n_children = children
        self.n_consultations = consultations
        self.n_notes = notes
        self.years = years
        self.seed = seed
        self.force = force
        self.out = stdout
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.now = now or timezone.now()
        self.now_ts = self.now.timestamp()
        self.today = self.now.astimezone(JST).date()
        self.current_fy = fiscal_year(self.now)
        self.first_fy = self.current_fy - years + 1
        self.start_ts = datetime(self.first_fy, 4, 1, tzinfo=JST).timestamp()
        self.persons: list[tuple] = []
        self.relationships: list[tuple] = []
        self.counts: dict[str, int] = {}
        self._t0 = time.perf_counter()

    # --- output ----------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.out.write(f"[{time.perf_counter() - self._t0:7.1f} s] {text}")

    def _phase(self, label: str, rows: int, started: float) -> None:
        self.counts[label] = self.counts.get(label, 0) + rows
        secs = time.perf_counter() - started
        rate = rows / secs if secs > 0 else 0
        self._say(f"{label}: {rows:,} 行 {secs:.1f} 秒 ({rate:,.0f} 行/秒)")

    # --- checks and context ------------------------------------------------------------

    @staticmethod
    def existing_marker() -> str | None:
        """The note left on cases_consultation by an earlier load, if its data is still there."""
        with connection.cursor() as cur:
            cur.execute("SELECT obj_description('cases_consultation'::regclass, 'pg_class')")
            comment = cur.fetchone()[0] or ""
        if not comment.startswith(MARKER):
            return None
        ref = MARKER_REF.search(comment)
        if ref:  # the first case that load wrote, by id and number
            present = Consultation.objects.filter(pk=int(ref[1]), number=ref[2]).exists()
        else:
            present = Consultation.objects.exists()
        return comment if present else None

    def _load_context(self) -> None:
        units = {
            u.code: u.pk for u in OrgUnit.objects.filter(valid_on(self.today), code__in=CASE_UNITS)
        }
        posts = (
            Assignment.objects.filter(
                valid_on(self.today),
                org_unit_id__in=units.values(),
                user__is_active=True,
                user__groups__name="caseworker",
            )
            .values_list("user_id", "user__employee_number", "org_unit__code", "job_type")
            .order_by("user__employee_number")
            .distinct()
        )
        self.workers: dict[str, list[int]] = {code: [] for code in units}
        self.psychologists: dict[str, list[int]] = {code: [] for code in units}
        self.demo_worker = None
        for user_id, number, code, job in posts:
            if number == DEMO_CASEWORKER:
                self.demo_worker = user_id
                continue
            self.workers[code].append(user_id)
            if job == "児童心理司":
                self.psychologists[code].append(user_id)
        self.units = {code: pk for code, pk in units.items() if self.workers[code]}
        if not self.units:
            raise VolumeError(
                "相談係（C1-11 など）に配置された児童福祉司がいません。"
                "先に `manage.py seed_demo` を実行してください。"
            )
        if self.demo_worker is None or DEMO_SECTION not in self.units:
            self._say(
                f"注意: デモ職員 {DEMO_CASEWORKER} が {DEMO_SECTION} に配置されていないため、"
                "担当ケースの割り当てを省略します。"
            )
            self.demo_worker = None
        self.unit_codes = list(self.units)
        self.unit_weights = [len(self.workers[c]) for c in self.unit_codes]

        codes = Code.objects.filter(code_list__key__in=["soudan_shubetsu", "keiro"]).values_list(
            "code_list__key", "code", "pk", "group_id"
        )
        self.type_ids = {c: pk for key, c, pk, g in codes if key == "soudan_shubetsu" and g}
        self.route_ids = {c: pk for key, c, pk, _ in codes if key == "keiro"}
        if ABUSE_TYPE_CODE not in self.type_ids or not self.route_ids:
            raise VolumeError(
                "コード表（相談種別・相談経路）がありません。migrate を実行してください。"
            )
        other = {c: w for c, w in OTHER_TYPE_WEIGHTS.items() if c in self.type_ids}
        other.update({c: 1 for c in self.type_ids if c not in other and c != ABUSE_TYPE_CODE})
        self.other_types = _weighted(other)
        self.abuse_routes = _weighted(
            {c: w for c, w in ABUSE_ROUTE_WEIGHTS.items() if c in self.route_ids}
        )
        self.other_routes = _weighted(
            {c: w for c, w in OTHER_ROUTE_WEIGHTS.items() if c in self.route_ids}
        )
        supervisor = User.objects.filter(employee_number=DEMO_SUPERVISOR).first()
        if supervisor is None or units.get(DEMO_SECTION) not in supervised_unit_ids(
            user=supervisor, on=self.today
        ):
            self._say(f"注意: デモ職員 {DEMO_SUPERVISOR} は {DEMO_SECTION} を監督していません。")

    # --- names and people ------------------------------------------------------------

    def _build_name_pools(self) -> None:
        rng = self.rng
        combos = [(h + t, hk + tk) for h, hk in SURNAME_HEADS for t, tk in SURNAME_TAILS if h != t]
        rng.shuffle(combos)
        self.surnames = combos[:300]
        # A gentle long tail: the commonest surname is ~1% of families, the rarest ~0.15%.
        self.surname_cum = list(
            _cumulative([1 / (rank + 15) ** 0.8 for rank in range(len(self.surnames))])
        )
        self.boy_names = [(h + t, hk + tk) for h, hk in BOY_HEADS for t, tk in BOY_TAILS]
        self.girl_names = [(h + t, hk + tk) for h, hk in GIRL_HEADS for t, tk in GIRL_TAILS]
        self.man_names = [(h + t, hk + tk) for h, hk in BOY_HEADS for t, tk in MAN_TAILS]
        self.woman_names = [(h + t, hk + tk) for h, hk in GIRL_HEADS for t, tk in WOMAN_TAILS]
        self._search_cache: dict[str, str] = {}

    def _search(self, text: str) -> str:
        form = self._search_cache.get(text)
        if form is None:
            form = self._search_cache[text] = search_form(text)
        return form

    def _surname(self) -> tuple[str, str]:
        rng = self.rng
        kanji, kana = self.surnames[_bisect(self.surname_cum, rng.random())]
        if rng.random() < VARIANT_SHARE:
            for plain, variant in VARIANT_KANJI.items():
                if plain in kanji:
                    kanji = kanji.replace(plain, variant, 1)
                    break
        return kanji, kana

    def _address(self) -> str:
        rng = self.rng
        address = (
            f"架空市{rng.choice(WARDS)}区{rng.choice(TOWNS)}"
            f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
        )
        if rng.random() < 0.4:
            address += f" {rng.choice(TOWNS)}{rng.choice(APARTMENTS)}{rng.randint(1, 5)}0{rng.randint(1, 9)}号室"
        return address

    def _school(self, birth: date) -> str:
        age = (self.today - birth).days // 365
        town = self.rng.choice(TOWNS)
        if age < 1:
            return ""
        if age < 6:
            return f"架空市立{town}保育所" if age < 3 else f"{town}こども園"
        if age < 12:
            return f"架空市立{town}小学校"
        if age < 15:
            return f"架空市立{town}中学校"
        if age < 18:
            return f"架空県立{town}高等学校"
        return ""

    def _add_person(
        self,
        surname: tuple[str, str],
        given: tuple[str, str],
        sex: str,
        birth: date | None,
        *,
        address: str,
        phone: str = "",
        school: str = "",
        occupation: str = "",
        confidential: bool = False,
    ) -> int:
        sep = "　" if self.rng.random() < 0.9 else " "
        name = f"{surname[0]}{sep}{given[0]}"
        kana = f"{surname[1]}{sep}{given[1]}"
        self.persons.append(
            (
                name,
                kana,
                sex,
                birth,
                address,
                phone,
                school,
                occupation,
                confidential,
                self._search(name),
                self._search(kana),
            )
        )
        return len(self.persons) - 1

    def _phone(self) -> str:
        return f"000-0000-{self.rng.randrange(10000):04d}" if self.rng.random() < 0.6 else ""

    def _new_family(self, child_birth: date) -> Family:
        rng = self.rng
        surname = self._surname()
        confidential = rng.random() < 0.03
        address = self._address()
        family = Family(surname=surname, address=address, confidential=confidential, guardians=[])

        def adult(sex: str, relation: str, min_gap: int, max_gap: int, together: bool, **kw):
            birth = child_birth - timedelta(days=rng.randint(min_gap * 365, max_gap * 365))
            given = rng.choice(self.woman_names if sex == "F" else self.man_names)
            idx = self._add_person(
                kw.pop("surname", surname),
                given,
                sex,
                birth,
                address=kw.pop("address", address),
                phone=self._phone(),
                occupation=rng.choice(OCCUPATIONS),
                confidential=kw.pop("confidential", confidential),
            )
            family.guardians.append((idx, relation, together, kw.pop("adversary", False)))

        if confidential:
            # DV support measure: mother and children hidden, the father recorded as adversary.
            adult("F", "実母", 18, 42, True)
            adult(
                "M",
                "実父",
                20,
                48,
                False,
                address="不明（DV等支援措置）",
                confidential=False,
                adversary=True,
            )
            return family
        r = rng.random()
        if r < 0.66:
            adult("F", "実母", 18, 42, rng.random() < 0.95)
            adult("M", "実父", 20, 48, rng.random() < 0.85)
        elif r < 0.76:
            adult("F", "実母", 18, 42, True)
            adult("M", "養父", 20, 50, rng.random() < 0.9)
        elif r < 0.77:
            adult("M", "実父", 20, 48, True)
            adult("F", "養母", 20, 48, True)
        elif r < 0.92:
            adult("F", "実母", 16, 42, rng.random() < 0.97)
        elif r < 0.97:
            adult("M", "実父", 20, 50, rng.random() < 0.95)
        else:
            adult("F", "祖母", 40, 70, rng.random() < 0.9)
        return family

    def _received_time(self) -> float:
        """When a consultation comes in: more each year (x3 over the period), office hours."""
        if not hasattr(self, "_fy_spans"):
            spans = []
            for k in range(self.years):
                weight = 0.5 + (k / (self.years - 1) if self.years > 1 else 1.0)
                start = datetime(self.first_fy + k, 4, 1, tzinfo=JST).timestamp()
                end = datetime(self.first_fy + k + 1, 4, 1, tzinfo=JST).timestamp()
                end = min(end, self.now_ts)
                spans.append((weight * max(end - start, 0) / YEAR, start, end))
            self._fy_spans = spans
            self._fy_cum = list(_cumulative([w for w, _, _ in spans]))
        rng = self.rng
        _, start, end = self._fy_spans[_bisect(self._fy_cum, rng.random())]
        ts = _office_time(rng, start + rng.random() * (end - start))
        return min(ts, self.now_ts - 3600)

    def plan_people(self) -> list[Child]:
        """Children (with their first consultation date) and their families."""
        rng = self.rng
        firsts = []
        for _ in range(self.n_children):
            ts = self._received_time()
            age = rng.choices(range(18), AGE_WEIGHTS)[0]
            day = datetime.fromtimestamp(ts, JST).date()
            birth = day - timedelta(days=age * 365 + rng.randint(0, 364))
            firsts.append((birth, ts))
        firsts.sort()
        families: list[Family] = []
        children: list[Child] = []
        for birth, ts in firsts:
            if families and rng.random() < 0.22:
                family = families[-rng.randint(1, min(len(families), 2000))]
            else:
                family = self._new_family(birth)
                families.append(family)
            boy = rng.random() < 0.51
            sex = "M" if boy else "F"
            if rng.random() < 0.004:
                sex = "U"
            given = rng.choice(self.boy_names if boy else self.girl_names)
            idx = self._add_person(
                family.surname,
                given,
                sex,
                birth,
                address=family.address,
                school=self._school(birth),
                confidential=family.confidential,
            )
            for g_idx, relation, together, adversary in family.guardians:
                self.relationships.append((idx, g_idx, relation, together, True, adversary))
            adult_ts = datetime(
                birth.year + 18, birth.month, min(birth.day, 28), tzinfo=JST
            ).timestamp()
            children.append(Child(idx, birth, ts, adult_ts))
        return children

    # --- consultations ------------------------------------------------------------------

    def plan_cases(self, children: list[Child]) -> list[Case]:
        """One consultation per child, the rest are repeat consultations: each drawn
        from the same yearly distribution, for a child first seen 2 weeks to 6 years
        earlier who is still under 18."""
        rng = self.rng
        cases = [Case(child=c, received_ts=c.first_ts) for c in children]
        by_first = sorted(children, key=lambda c: c.first_ts)
        firsts = [c.first_ts for c in by_first]
        extra = self.n_consultations - len(children)
        failures = 0
        while extra > 0:
            ts = self._received_time()
            lo = bisect.bisect_left(firsts, ts - 6 * YEAR)
            hi = bisect.bisect_right(firsts, ts - 14 * DAY)
            child = by_first[rng.randrange(lo, hi)] if hi > lo else None
            if child is None or child.adult_ts <= ts:
                failures += 1
                if failures > 1000 + 50 * self.n_consultations:
                    raise VolumeError(
                        "相談件数が児童数に対して多すぎます（--consultations を減らしてください）。"
                    )
                continue
            cases.append(Case(child=child, received_ts=ts))
            extra -= 1
        cases.sort(key=lambda c: c.received_ts)
        for case in cases:
            self._shape_case(case)
        self._number(cases)
        self._assign_demo_caseload(cases)
        for case in cases:
            self._team(case)
        return cases

    def _shape_case(self, case: Case) -> None:
        rng = self.rng
        case.fy = fiscal_year(datetime.fromtimestamp(case.received_ts, JST))
        k = case.fy - self.first_fy
        abuse_share = 0.08 + 0.2 * (k / (self.years - 1) if self.years > 1 else 0.5)
        case.abuse = rng.random() < abuse_share
        case.unit = rng.choices(self.unit_codes, self.unit_weights)[0]
        r = rng.random()
        if case.abuse:
            r = r * 0.85 + 0.15  # abuse cases skew longer
        if r < 0.66:
            days = rng.uniform(1, 45)
        elif r < 0.92:
            days = rng.uniform(45, 240)
        elif r < 0.99:
            days = rng.uniform(240, 730)
        else:
            days = math.inf  # a placement: open until the child comes of age
        received = case.received_ts
        end = received + days * DAY if days != math.inf else math.inf
        reason = ""
        if end >= case.child.adult_ts:
            end, reason = max(case.child.adult_ts, received + DAY), AGE_OUT_REASON
        age_days = (self.now_ts - received) / DAY
        if end <= self.now_ts:
            case.status = "closed"
            case.closed_ts = end
            case.closure_reason = reason or rng.choices(*CLOSURES)[0]
            case.accepted_ts = received + rng.uniform(0.5, 48) * 3600
            if case.accepted_ts >= end:
                case.accepted_ts = received + (end - received) / 2
            case.end_ts = end
            return
        case.end_ts = self.now_ts
        if age_days < 2:
            status = rng.choice(["received", "accepted"])
        elif age_days < 14:
            status = rng.choice(["accepted", "accepted", "investigating"])
        elif age_days < 60:
            status = rng.choice(["investigating", "determined", "supporting"])
        else:
            status = rng.choices(["supporting", "determined", "investigating"], [80, 10, 10])[0]
        case.status = status
        if status != "received":
            case.accepted_ts = min(received + rng.uniform(0.5, 48) * 3600, self.now_ts - 60)

    def _number(self, cases: list[Case]) -> None:
        fys = sorted({c.fy for c in cases})
        last = dict(
            Consultation.objects.filter(fiscal_year__in=fys)
            .values("fiscal_year")
            .annotate(m=Max("sequence"))
            .values_list("fiscal_year", "m")
        )
        taken = set(
            Consultation.objects.filter(fiscal_year__in=fys).values_list("number", flat=True)
        )
        for case in cases:  # in received order, so numbers follow the calendar
            seq = last.get(case.fy, 0) + 1
            while f"{case.fy}-{seq:05d}" in taken:
                seq += 1
            last[case.fy] = case.seq = seq

    def _assign_demo_caseload(self, cases: list[Case]) -> None:
        """900001 leads ~40 open cases of C1-11 (fewer at small sizes)."""
        self.demo_cases: set[int] = set()
        if self.demo_worker is None:
            return
        open_cases = [i for i, c in enumerate(cases) if c.status != "closed"]
        if not open_cases:
            return
        # ~40 in all, counting what 900001 already leads (seed_demo's handful of cases);
        # at small sizes a fifth of the open cases, and always at least one.
        already = (
            CaseAssignment.objects.filter(user_id=self.demo_worker, role="lead", ended_at=None)
            .exclude(consultation__status="closed")
            .count()
        )
        target = max(1, min(DEMO_CASELOAD - already, len(open_cases) // 5))
        in_section = [i for i in open_cases if cases[i].unit == DEMO_SECTION]
        others = [i for i in open_cases if cases[i].unit != DEMO_SECTION]
        self.rng.shuffle(in_section)
        self.rng.shuffle(others)
        chosen = (in_section + others)[:target]
        for i in chosen:
            cases[i].unit = DEMO_SECTION
        self.demo_cases = {id(cases[i]) for i in chosen}

    def _team(self, case: Case) -> None:
        """Assignments: (user, role, assigned_ts, ended_ts)."""
        rng = self.rng
        workers = self.workers[case.unit]
        start = case.received_ts
        end = case.closed_ts  # None while open
        demo = id(case) in self.demo_cases
        lead = case.lead = self.demo_worker if demo else rng.choice(workers)
        life = (end or self.now_ts) - start
        if life > 120 * DAY and rng.random() < (0.3 if end is None else 0.1):
            handover = start + rng.uniform(0.2, 0.8) * life
            first = rng.choice(workers)
            if first != lead:
                case.team.append((first, "lead", start, handover))
                start = handover
        case.team.append((lead, "lead", start, end))
        psychologists = self.psychologists[case.unit]
        if psychologists and rng.random() < 0.25:
            psy = rng.choice(psychologists)
            if psy != lead:
                joined = case.received_ts + rng.uniform(0.1, 0.5) * life
                case.team.append((psy, "psychologist", joined, end))

    # --- COPY ---------------------------------------------------------------------------

    def _reserve_ids(self, cur, table: str, n: int) -> int:
        """First id of a block of n ids nobody else can get (the table stays locked)."""
        cur.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        seq = cur.fetchone()[0]
        cur.execute(
            f"SELECT GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), "  # noqa: S608 - catalog names
            f"(SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {seq}))"
        )
        base = cur.fetchone()[0]
        if n:
            cur.execute("SELECT setval(%s, %s)", [seq, base + n])
        return base + 1

    @staticmethod
    def _copy(cur, table: str, columns: str, rows) -> int:
        n = 0
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)
                n += 1
        return n

    def run(self) -> dict[str, int]:
        marker = self.existing_marker()
        if marker and not self.force:
            raise VolumeError(
                f"大量データは既に投入済みです（{_describe(marker)}）。"
                "追加で投入する場合は --force を指定してください。"
            )
        self._load_context()
        self._build_name_pools()
        t = time.perf_counter()
        children = self.plan_people()
        cases = self.plan_cases(children)
        n_open = sum(1 for c in cases if c.status != "closed")
        self._say(
            f"計画: 児童 {len(children):,} 人、人物 {len(self.persons):,} 人、"
            f"相談 {len(cases):,} 件（未終結 {n_open:,} 件）"
            f"、{self.first_fy}〜{self.current_fy} 年度 {time.perf_counter() - t:.1f} 秒"
        )
        with (
            transaction.atomic(),
            connection.cursor() as django_cursor,
            django_cursor.connection.cursor() as cur,
        ):
            for fy in sorted({c.fy for c in cases}):
                lock_fiscal_year(cur, Consultation, fy)
            self._load_people(cur)
            self._load_cases(cur, cases)
            self._load_notes(cur, cases)
            earlier = MARKER_REF.search(marker) if marker else None
            ref = (
                earlier[0] if earlier else f"[first {cases[0].pk} {cases[0].fy}-{cases[0].seq:05d}]"
            )
            summary = (
                f"{MARKER} {ref} {self.now:%Y-%m-%d %H:%M} UTC seed={self.seed} "
                f"児童 {len(children):,} 人・相談 {len(cases):,} 件・経過記録 {self.n_notes:,} 件"
            )
            if marker:
                summary += f"（追加投入。以前: {_describe(marker)}）"
            cur.execute(
                sql.SQL("COMMENT ON TABLE cases_consultation IS {}").format(sql.Literal(summary))
            )
            t = time.perf_counter()
            for table in TABLES:
                cur.execute(f"ANALYZE {table}")
            self._say(f"ANALYZE {len(TABLES)} 表 {time.perf_counter() - t:.1f} 秒")
        return self.counts

    def vacuum(self) -> None:
        """VACUUM after commit (outside any transaction): hint bits and visibility map."""
        t = time.perf_counter()
        with connection.cursor() as cur:
            for table in TABLES:
                cur.execute(f"VACUUM {table}")
        self._say(f"VACUUM {len(TABLES)} 表 {time.perf_counter() - t:.1f} 秒")

    def _load_people(self, cur) -> None:
        t = time.perf_counter()
        first = self._reserve_ids(cur, "cases_person", len(self.persons))
        self.person_base = first
        # search_bigrams is filled right after by the same SQL rule as the migration.
        rows = ((first + i, *p, 1, "{}") for i, p in enumerate(self.persons))
        n = self._copy(
            cur,
            "cases_person",
            "id, name, name_kana, sex, birth_date, address, phone, school, occupation, "
            "address_confidential, search_name, search_kana, version, search_bigrams",
            rows,
        )
        self._phase("人物（児童・保護者）", n, t)
        t = time.perf_counter()
        cur.execute(
            "UPDATE cases_person SET search_bigrams = cases_bigrams(search_name, search_kana) WHERE id >= %s",
            [first],
        )
        self._phase("検索用の2文字索引", n, t)
        t = time.perf_counter()
        rows = (
            (first + p, first + o, rel, together, guardian, adversary)
            for p, o, rel, together, guardian, adversary in self.relationships
        )
        n = self._copy(
            cur,
            "cases_relationship",
            "person_id, other_id, relation, lives_together, is_guardian, is_adversary",
            rows,
        )
        self._phase("続柄（保護者）", n, t)
        self.persons.clear()
        self.relationships.clear()

    def _load_cases(self, cur, cases: list[Case]) -> None:
        rng = self.rng
        t = time.perf_counter()
        first = self._reserve_ids(cur, "cases_consultation", len(cases))
        for i, case in enumerate(cases):
            case.pk = first + i

        def consultation_rows():
            for case in cases:
                child = case.child
                if case.abuse:
                    type_code = ABUSE_TYPE_CODE
                    route = rng.choices(*self.abuse_routes)[0]
                    channel = rng.choices(*ABUSE_CHANNELS)[0]
                else:
                    type_code = rng.choices(*self.other_types)[0]
                    route = rng.choices(*self.other_routes)[0]
                    channel = rng.choices(*OTHER_CHANNELS)[0]
                case.route = route  # for the reporter
                concerns = CONCERNS.get(type_code) or CONCERNS[type_code[0]]
                closed = case.status == "closed"
                permanent = case.closure_reason in PERMANENT_CLOSURE_REASONS
                retention = None
                if closed:
                    b = child.birth
                    retention = date(b.year + RETENTION_YEARS, b.month, min(b.day, 28))
                yield (
                    case.pk,
                    f"{case.fy}-{case.seq:05d}",
                    case.fy,
                    case.seq,
                    _dt(case.received_ts),
                    channel,
                    rng.choice(concerns),
                    case.status,
                    _dt(case.accepted_ts),
                    _dt(case.closed_ts),
                    case.closure_reason,
                    retention,
                    permanent,
                    1,
                    self.type_ids[type_code],
                    case.team[0][0],  # the receiving worker is the first lead
                    self.route_ids[route],
                    self.units[case.unit],
                    self.person_base + child.index,
                )

        n = self._copy(
            cur,
            "cases_consultation",
            "id, number, fiscal_year, sequence, received_at, channel, main_concern, status, "
            "accepted_at, closed_at, closure_reason, retention_until, retain_permanently, "
            "version, consultation_type_id, receiver_id, route_id, unit_id, child_id",
            consultation_rows(),
        )
        self._phase("相談", n, t)

        t = time.perf_counter()
        rows = (
            (case.pk, user, role, _dt(since), _dt(until))
            for case in cases
            for user, role, since, until in case.team
        )
        n = self._copy(
            cur,
            "cases_caseassignment",
            "consultation_id, user_id, role, assigned_at, ended_at",
            rows,
        )
        self._phase("担当", n, t)
        self._load_abuse(cur, [c for c in cases if c.abuse])
        self._load_meetings(cur, cases)

    def _load_abuse(self, cur, cases: list[Case]) -> None:
        rng = self.rng
        t = time.perf_counter()
        first = self._reserve_ids(cur, "cases_abusereport", len(cases))
        reports, checks, reporters, protections = [], [], [], []
        warrant_rule = datetime(2025, 6, 1, tzinfo=JST).timestamp()
        for i, case in enumerate(cases):
            report_id = first + i
            accepted = case.accepted_ts or case.received_ts
            due = accepted + 48 * 3600
            lead = case.lead
            confirmed = None
            if self.now_ts - accepted < 48 * 3600 and case.status != "closed":
                if rng.random() < 0.5:
                    hours = rng.uniform(0.1, 0.9 * (self.now_ts - accepted) / 3600)
                    confirmed = min(accepted + hours * 3600, self.now_ts - 60)
            elif rng.random() < 0.999 or case.status == "closed":
                hours = rng.uniform(1, 46) if rng.random() < 0.98 else rng.uniform(48, 72)
                confirmed = min(accepted + hours * 3600, self.now_ts - 60)
            escalated = due + 600 if confirmed is None and due < self.now_ts else None
            if confirmed is not None and confirmed > due:
                escalated = due + 600
            types = sorted(
                {rng.choices(*ABUSE_TYPE_WEIGHTS)[0] for _ in range(1 + (rng.random() < 0.2))}
            )
            urgency = rng.choices(*URGENCY_WEIGHTS)[0]
            reports.append(
                (
                    report_id,
                    _dt(accepted),
                    _dt(due),
                    "{" + ",".join(types) + "}",
                    urgency,
                    rng.choices(*PERPETRATORS)[0],
                    _dt(confirmed),
                    _dt(escalated),
                    case.pk,
                )
            )
            if confirmed is not None:
                if rng.random() < 0.1:
                    tried = accepted + (confirmed - accepted) * rng.uniform(0.2, 0.8)
                    checks.append(
                        (_dt(tried), "sight", "not_seen", "訪問したが不在。", lead, report_id)
                    )
                method = "sight" if rng.random() < 0.85 else "agency"
                note = (
                    "児童を目視し、外傷等がないことを確認。"
                    if method == "sight"
                    else "学校で担任が目視確認。"
                )
                checks.append((_dt(confirmed), method, "confirmed", note, lead, report_id))
            elif rng.random() < 0.3:
                tried = min(accepted + 3 * 3600, self.now_ts - 60)
                checks.append(
                    (_dt(tried), "sight", "not_seen", "訪問したが不在。", lead, report_id)
                )
            anonymous = rng.random() < 0.25
            if anonymous:
                reporters.append(
                    (True, "", "", REPORTER_RELATIONS.get(case.route, ""), "", case.pk)
                )
            else:
                sur, given = self._surname(), rng.choice(self.woman_names + self.man_names)
                reporters.append(
                    (
                        False,
                        f"{sur[0]}　{given[0]}",
                        f"000-0000-{rng.randrange(10000):04d}",
                        REPORTER_RELATIONS.get(case.route, "その他"),
                        rng.choice(REPORTER_WISHES),
                        case.pk,
                    )
                )
            if urgency in ("AA", "A") and rng.random() < 0.7:
                start = min(accepted + rng.uniform(0, 48) * 3600, self.now_ts - 60)
                consent = rng.random() < 0.65
                warrant = None
                if not consent and start >= warrant_rule:
                    asked = start + rng.uniform(1, 6) * DAY
                    warrant = asked if asked <= self.now_ts else None
                end = start + rng.uniform(3, 60) * DAY
                if case.closed_ts is not None:
                    end = max(start, min(end, case.closed_ts))
                ended = end <= self.now_ts
                delegated = rng.random() < 0.3
                protections.append(
                    (
                        _dt(start),
                        "emergency_i" if rng.random() < 0.8 else "emergency_a",
                        "delegated" if delegated else "center",
                        rng.choice(FACILITIES) if delegated else "",
                        consent,
                        _dt(warrant),
                        None,
                        _dt(end) if ended else None,
                        rng.choice(["家庭復帰", "施設入所", "里親委託"]) if ended else "",
                        "自宅" if ended else "",
                        1,
                        case.pk,
                    )
                )
        n = self._copy(
            cur,
            "cases_abusereport",
            "id, accepted_at, safety_due_at, abuse_types, urgency, perpetrator, "
            "safety_confirmed_at, escalated_at, consultation_id",
            reports,
        )
        self._phase("虐待通告", n, t)
        t = time.perf_counter()
        n = self._copy(
            cur,
            "cases_safetycheck",
            "attempted_at, method, outcome, note, by_id, report_id",
            checks,
        )
        self._phase("安全確認", n, t)
        t = time.perf_counter()
        n = self._copy(
            cur,
            "cases_reporter",
            "anonymous, name, contact, relation, wishes, consultation_id",
            reporters,
        )
        self._phase("通告者", n, t)
        t = time.perf_counter()
        n = self._copy(
            cur,
            "cases_protection",
            "start_at, reason, place, facility, parental_consent, warrant_requested_at, "
            "court_approved_until, end_at, end_reason, destination, version, consultation_id",
            protections,
        )
        self._phase("一時保護", n, t)

    def _load_meetings(self, cur, cases: list[Case]) -> None:
        rng = self.rng
        t = time.perf_counter()
        today = self.today

        def day(ts: float) -> date:
            return min(datetime.fromtimestamp(ts, JST).date(), today)

        def rows():
            """受理会議 for every accepted case; 援助方針会議 for cases open a month or more.
            An open case has one pending review date, on its latest meeting (a 個別ケース
            検討会議 once the first review is past, ~4% of those overdue by up to a month);
            a closed case's meetings keep their old review dates."""
            for case in cases:
                if case.accepted_ts is None:
                    continue

                def meeting(kind, held, review=None, case=case):
                    attendees, decisions = rng.choice(ATTENDEES), rng.choice(DECISIONS)
                    return (kind, held, attendees, decisions, review, case.pk, case.lead)

                yield meeting(
                    "intake", day(min(case.accepted_ts + rng.uniform(0, 7) * DAY, case.end_ts))
                )
                if case.end_ts - case.received_ts < 30 * DAY:
                    continue
                held = day(case.received_ts + rng.uniform(14, 30) * DAY)
                period = timedelta(days=rng.choice([90, 180]))
                if case.status == "closed":
                    yield meeting(
                        "support_policy", held, held + period if rng.random() < 0.5 else None
                    )
                elif held + period >= today:
                    yield meeting("support_policy", held, held + period)
                else:
                    yield meeting("support_policy", held)
                    if rng.random() < 0.04:  # overdue
                        review = today - timedelta(days=rng.randint(1, 30))
                    else:
                        review = today + timedelta(days=rng.randint(0, period.days))
                    yield meeting("case_review", max(review - period, held), review)

        n = self._copy(
            cur,
            "cases_meeting",
            "kind, held_on, attendees, decisions, next_review_on, consultation_id, recorded_by_id",
            rows(),
        )
        self._phase("会議", n, t)

    # --- notes --------------------------------------------------------------------------

    def _note_pool(self) -> dict[str, list[str]]:
        rng = self.rng
        pool = {}
        mu = math.log(NOTE_MEDIAN)
        for kind, phrases in NOTE_PHRASES.items():
            texts = []
            for _ in range(NOTE_POOL_SIZE):
                target = min(max(int(rng.lognormvariate(mu, 0.6)), NOTE_MIN), NOTE_MAX)
                parts, length, sentences = [], 0, 0
                while length < target:
                    src = phrases if rng.random() < 0.55 else COMMON_PHRASES
                    part = rng.choice(src)
                    sentences += 1
                    if sentences % 4 == 0:
                        part = "\n" + part
                    parts.append(part)
                    length += len(part)
                text = "".join(parts)
                if len(text) > NOTE_MAX:
                    cut = text.rfind("。", NOTE_MIN, NOTE_MAX)
                    text = text[: cut + 1] if cut > 0 else text[:NOTE_MAX]
                texts.append(text)
            pool[kind] = texts
        return pool

    def _note_counts(self, cases: list[Case]) -> list[int]:
        """Notes per case, proportional to 1 + months open; exactly n_notes in total."""
        rng = self.rng
        weights = [1 + (c.end_ts - c.received_ts) / (30 * DAY) for c in cases]
        total = sum(weights)
        counts = []
        for w in weights:
            expected = self.n_notes * w / total
            base = int(expected)
            counts.append(base + (rng.random() < expected - base))
        diff = self.n_notes - sum(counts)
        while diff:
            i = rng.randrange(len(cases))
            if diff > 0:
                counts[i] += 1
                diff -= 1
            elif counts[i] > 0:
                counts[i] -= 1
                diff += 1
        return counts

    def _load_notes(self, cur, cases: list[Case]) -> None:
        if not self.n_notes:
            return
        rng = self.rng
        t = time.perf_counter()
        pool = self._note_pool()
        counts = self._note_counts(cases)
        kinds, kind_w = NOTE_KINDS
        kind_cum = list(_cumulative(kind_w))
        disc, disc_w = DISCLOSURES
        disc_cum = list(_cumulative(disc_w))
        now_ts = self.now_ts
        random_ = rng.random
        fromts = datetime.fromtimestamp
        utc = UTC
        progress_every = max(self.n_notes // 10, 1)
        self._notes_written = 0

        def rows():
            written = 0
            for case, n in zip(cases, counts, strict=True):
                if not n:
                    continue
                team = [u for u, *_ in case.team]
                lead = case.lead
                start = case.received_ts
                span = case.end_ts - start
                closed = case.closed_ts
                cid = case.pk
                for _ in range(n):
                    addendum = closed is not None and random_() < 0.02
                    if addendum:
                        occurred = closed + random_() * min(90 * DAY, now_ts - closed)
                    else:
                        occurred = start + random_() * span
                    created = min(occurred + random_() * 2 * DAY, now_ts)
                    kind = kinds[_bisect(kind_cum, random_())]
                    if kind == "agency" and random_() < 0.5:
                        disclosure = "agency"
                    else:
                        disclosure = disc[_bisect(disc_cum, random_())]
                    texts = pool[kind]
                    yield (
                        cid,
                        fromts(occurred, utc),
                        kind,
                        texts[int(random_() * len(texts))],
                        disclosure,
                        addendum,
                        fromts(created, utc),
                        1,
                        lead if random_() < 0.75 else team[int(random_() * len(team))],
                    )
                    written += 1
                    if written % progress_every == 0:
                        self._say(f"  経過記録 {written:,} / {self.n_notes:,}")

        n = self._copy(
            cur,
            "cases_progressnote",
            "consultation_id, occurred_at, kind, text, disclosure, is_addendum, created_at, "
            "version, author_id",
            rows(),
        )
        self._phase("経過記録", n, t)


# --- helpers --------------------------------------------------------------------------


def _cumulative(weights):
    total = float(sum(weights))
    acc = 0.0
    for w in weights:
        acc += w / total
        yield acc


def _bisect(cum: list[float], x: float) -> int:
    """Index drawn by x in [0, 1) from cumulative shares (the last may round below 1)."""
    return min(bisect.bisect_left(cum, x), len(cum) - 1)


def _office_time(rng: random.Random, ts: float) -> float:
    """Most contacts come in office hours (JST): move the time of day, keep the date."""
    local = datetime.fromtimestamp(ts, JST)
    if rng.random() < 0.75:
        minutes = rng.randint(8 * 60 + 30, 17 * 60 + 30)
    else:
        minutes = rng.randint(0, 24 * 60 - 1)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight + timedelta(minutes=minutes)).timestamp()


def _describe(marker: str) -> str:
    return MARKER_REF.sub("", marker.removeprefix(MARKER), count=1).strip()


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)
