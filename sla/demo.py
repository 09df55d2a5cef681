"""Demo data: both cities' agreed SLA catalogues (SLA 項目定義) as approved version 1.

Sendai: the 29 items of 仕様書 12 付表 (1), 2024-04-01 → 2029-03-31.
Kobe: the six target-type items of its 運用保守仕様書, 2025-06-02 → 2030-03-31.
Each item carries the text that goes into the SLA 実施手順書 (where the figure comes from).

Idempotent: a profile that already has a version is left as it is. A rule code is set only
when sla.computations registers it (``RULES`` below names the code each item is computed by);
items whose rule is not registered keep an empty rule and are listed in the output.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from accounts import roles
from core.timeutil import JST
from sla import computations
from sla.models import Item, Policy
from sla.services.catalog import policy_import_approved

U = Item.Unit
M = Item.Measurement
PER = Item.Period

EXCL_STOPS = (
    "計画停止：保守・バックアップ等のため市と事前に合意し承認を得た停止時間（計画停止一覧に記録）\n"
    "市ネットワーク障害：本市間・本市内のネットワーク障害による停止（事業者の責によらないため、"
    "障害票で原因区分を「市ネットワーク」とし、市の確認を得たもの）"
)
EXCL_INCIDENT = (
    "計画停止中の事象、および市ネットワーク・市が提供する基盤に起因する障害"
    "（障害票の原因区分と市の確認で判断）"
)
EXCL_RESPONSE = (
    "市が提供するサーバ仮想化基盤・ネットワークの影響による遅延（同時間帯の基盤障害記録と照合）\n"
    "縮退運転時（障害対応のため縮退運転としていた時間帯）\n"
    "計画停止中のリクエスト"
)


def _item(number, name, *, unit, measurement=M.COMPUTED, period=PER.MONTHLY, **fields):
    return {
        "number": str(number),
        "name": name,
        "unit": unit,
        "measurement": measurement,
        "period": period,
        **fields,
    }


def _pct(value: str) -> dict:
    return {"unit": U.PERCENT, "target_value": Decimal(value), "comparison": "ge"}


def _le(value: str, unit: str) -> dict:
    return {"unit": unit, "target_value": Decimal(value), "comparison": "le"}


# Rule code each item is computed by (sla.computations); set only when registered.
RULES = {
    ("sendai", "1"): "service_hours",
    ("sendai", "2"): "batch_availability",
    ("sendai", "3"): "max_stop_office_hours",
    ("sendai", "4"): "availability",
    ("sendai", "5"): "response_search",
    ("sendai", "6"): "response_update",
    ("sendai", "7"): "response_transition",
    ("sendai", "8"): "batch_processing_time",
    ("sendai", "9"): "operations_on_schedule",
    ("sendai", "10"): "parameters_current",
    ("sendai", "11"): "work_requests_handled",
    ("sendai", "12"): "incident_count",
    ("sendai", "13"): "incident_count",
    ("sendai", "14"): "onsite_arrival",
    ("sendai", "15"): "milestone_time",
    ("sendai", "16"): "milestone_compliance",
    ("sendai", "17"): "milestone_time",
    ("sendai", "18"): "milestone_compliance",
    ("sendai", "19"): "milestone_time",
    ("sendai", "20"): "milestone_compliance",
    ("sendai", "21"): "milestone_time",
    ("sendai", "22"): "milestone_compliance",
    ("sendai", "23"): "backups_as_planned",
    ("sendai", "24"): "recovery_point",
    ("sendai", "25"): "users_current",
    ("sendai", "26"): "permissions_current",
    ("sendai", "27"): "operation_history",
    ("sendai", "28"): "virus_definitions_on_time",
    ("sendai", "29"): "patches_on_time",
    ("kobe", "1"): "service_hours",
    ("kobe", "2"): "response_transition",
    ("kobe", "3"): "availability",
    ("kobe", "4"): "interruption_per_incident",
    ("kobe", "5"): "milestone_time",
    ("kobe", "6"): "milestone_time",
}

SENDAI_ITEMS = [
    _item(
        1,
        "オンライン利用時間",
        target_text="全日 全時間",
        **_pct("100"),
        exclusions=EXCL_STOPS,
        method=(
            "オンラインは全日・全時間の利用を提供する。障害票に記録された停止区間（停止開始〜復旧）を"
            "暦日ごとに集計し、市の承認を得た計画停止と市ネットワーク障害による停止を除いて、24時間"
            "サービスを提供できた日の割合を実績とする（障害による停止が1分でもあった日は未提供日）。"
        ),
    ),
    _item(
        2,
        "バッチ利用可能時間",
        target_text="制限なし",
        **_pct("100"),
        exclusions=EXCL_STOPS,
        method=(
            "バッチ処理は時間の制限なく実行できることとする。夜間のバッチ時間帯（開庁時間外から前後4時間を"
            "除いた時間帯）ごとに、障害票の停止区間と照合して計画外の停止がなかった夜の割合を実績とする。"
        ),
    ),
    _item(
        3,
        "サービス停止時間",
        **_le("24", U.HOURS),
        exclusions=EXCL_STOPS,
        method=(
            "開庁時間において利用停止となった場合の最大利用停止時間。障害票の停止区間のうち、"
            "営業日の開庁時間（業務カレンダー：土日・祝日・年末年始を除く）に掛かる部分の長さを停止ごとに"
            "求め、その月の最長のものを実績とする。計画停止・市ネットワーク障害による停止は除く。"
        ),
    ),
    _item(
        4,
        "稼働率",
        **_pct("99.5"),
        rule_params={"min_sample_coverage": "0.99"},
        exclusions=EXCL_STOPS,
        method=(
            "稼働率 =（利用時間 − 停止時間）÷ 利用時間 × 100。利用時間は暦時間から計画停止と本市間・"
            "本市内のネットワーク障害による停止を除いた時間、停止時間は障害票の停止区間（全面停止）の合計"
            "とする。死活監視の記録（1分ごと）が月の99%に満たない場合は推測せず「データ欠損」と報告する。"
        ),
    ),
    _item(
        5,
        "データ検索処理時間",
        **_le("3", U.SECONDS),
        rule_params={"measure": "p95", "threshold_seconds": 3},
        exclusions=EXCL_RESPONSE,
        method=(
            "検索結果が表示されるまでの所要時間。システムのリクエスト計測で「検索」に分類した画面要求の"
            "サーバ応答時間から、月内の p50・p95・p99 と 3 秒以内に応答した割合を全時間帯・開庁時間帯別に"
            "求め、p95 を実績値とする。計測に欠けのある時間帯があれば「データ欠損」とする。"
        ),
    ),
    _item(
        6,
        "オンライン応答時間",
        **_le("3", U.SECONDS),
        rule_params={"measure": "p95", "threshold_seconds": 3},
        exclusions=EXCL_RESPONSE,
        method=(
            "オンライン処理（登録・更新）を実施してから画面が表示されるまでの所要時間。リクエスト計測で"
            "「更新」に分類した要求の応答時間から p50・p95・p99 と 3 秒以内の割合を求め、p95 を実績値とする。"
        ),
    ),
    _item(
        7,
        "画面遷移時間",
        **_le("3", U.SECONDS),
        rule_params={"measure": "p95", "threshold_seconds": 3},
        exclusions=EXCL_RESPONSE,
        method=(
            "ボタンをクリックしてから遷移先の画面の表示が完了するまでの所要時間。リクエスト計測で"
            "「画面遷移」に分類した要求の応答時間から p50・p95・p99 と 3 秒以内の割合を求め、p95 を実績値とする。"
        ),
    ),
    _item(
        8,
        "バッチ処理時間",
        target_text="0.5～2 時間",
        period=PER.PER_EVENT,
        **_le("2", U.HOURS),
        exclusions="市の指示による再実行・臨時実行（実行記録に理由を残したもの）",
        method=(
            "バッチ処理が完了するまでの所要時間。夜間ジョブ（バックアップ、統計、帳票）の実行記録の"
            "開始・終了時刻から処理時間を求め、2 時間以内に完了した割合と最長の処理時間を報告する。"
        ),
    ),
    _item(
        9,
        "システム運用",
        measurement=M.COMPUTED_MANUAL,
        **_pct("100"),
        exclusions="市の指示により中止・延期した作業（定常運用の記録に理由を残したもの）",
        method=(
            "定められた運用スケジュールどおりに運用が実施され、成果物が納品されているかの度合い。"
            "定常運用の予定（月内に期限のある作業）のうち期限までに実施を記録した割合を求める。"
            "成果物の納品は市の受領を確認できる資料（受領メール・受領印のある送付状など）を確認資料として添付する。"
        ),
    ),
    _item(
        10,
        "各種パラメータの管理",
        **_pct("100"),
        method=(
            "各種パラメータが常に最新の状態で管理されているかの度合い。月内に適用したパラメータ変更のうち、"
            "市の承認を得た変更記録に基づいて適用し、構成管理の記録を更新したものの割合を求める"
            "（承認前の緊急適用は例外として件数を示す）。"
        ),
    ),
    _item(
        11,
        "作業依頼書の対応",
        **_pct("100"),
        exclusions="市が取り下げた依頼、市の都合で期限を延長した依頼",
        method=(
            "提示された作業依頼書を取り纏め、検討、調整し、実施したかの度合い。ヘルプデスクの作業依頼の"
            "うち月内に期限を迎えたものについて、期限までに作業報告まで完了した割合を求める。"
        ),
    ),
    _item(
        12,
        "障害発生",
        period=PER.YEARLY,
        unit=U.COUNT,
        target_value=Decimal(3),
        comparison="lt",
        exclusions=EXCL_INCIDENT,
        method=(
            "本番環境での障害発生件数。障害票のうち本番環境で発生したものを年度（4月〜翌3月）で数える。"
            "月次報告では年度初めからの累計を示す。"
        ),
    ),
    _item(
        13,
        "委託事業者の人的要因による障害発生",
        period=PER.YEARLY,
        unit=U.COUNT,
        target_value=Decimal(1),
        comparison="lt",
        rule_params={"vendor_caused": True},
        exclusions=EXCL_INCIDENT,
        method=(
            "委託事業者の人的要因により発生した障害の件数。障害票の原因区分が「事業者の人的要因」の"
            "ものを年度で数える（原因区分は障害報告書の承認時に市と確認する）。"
        ),
    ),
    _item(
        14,
        "駆け付け時間",
        measurement=M.COMPUTED_MANUAL,
        period=PER.PER_EVENT,
        unit=U.TEXT,
        target_text="異常検知からユーザの翌営業開始時間まで",
        exclusions="現地対応を要しない障害（リモートで復旧したもの）",
        method=(
            "現地対応が必要な場合の駆け付け時間。障害票の検知時刻と現地到着時刻を比べ、検知後の"
            "翌営業日の開庁時刻（業務カレンダー）までに到着したかを障害ごとに判定する。"
            "到着の記録（作業報告・入館記録）を確認資料として添付する。"
        ),
    ),
    _item(
        15,
        "障害発生通知時間",
        period=PER.PER_EVENT,
        **_le("30", U.MINUTES),
        rule_params={"milestone": "first_report"},
        exclusions=EXCL_INCIDENT,
        method=(
            "障害を認知してから市に通知するまでの時間。障害票の認知時刻から第一報の記録時刻"
            "（電話・メールの記録）までを障害ごとに求める。"
        ),
    ),
    _item(
        16,
        "障害発生通知時間順守率",
        **_pct("95"),
        rule_params={"milestone": "first_report"},
        exclusions=EXCL_INCIDENT,
        method=(
            "障害発生通知時間（項目15）が守られた障害の比率。月内に認知した障害（除外したものを除く）の"
            "うち、認知から30分以内に市へ通知したものの割合を求め、守れなかった障害を一覧にする。"
        ),
    ),
    _item(
        17,
        "障害一時対応通知時間",
        period=PER.PER_EVENT,
        **_le("1", U.HOURS),
        rule_params={"milestone": "initial_plan"},
        exclusions=EXCL_INCIDENT,
        method=(
            "障害発生の通知から対応策の提出予定時期の通知を行うまでの時間。障害票の第一報時刻から"
            "初動方針（提出予定時期）の通知記録までを障害ごとに求める。"
        ),
    ),
    _item(
        18,
        "障害一時対応通知順守率",
        **_pct("95"),
        rule_params={"milestone": "initial_plan"},
        exclusions=EXCL_INCIDENT,
        method=(
            "障害一時対応通知時間（項目17）が守られた障害の比率。月内に通知した障害のうち、通知から"
            "1時間以内に対応策の提出予定時期を通知したものの割合を求め、守れなかった障害を一覧にする。"
        ),
    ),
    _item(
        19,
        "障害本格対応通知時間",
        period=PER.PER_EVENT,
        **_le("48", U.HOURS),
        rule_params={"milestone": "full_response"},
        exclusions=EXCL_INCIDENT,
        method=(
            "障害発生の通知から一次回答を行うまでの時間。障害票の第一報時刻から一次回答の記録時刻までを"
            "障害ごとに求める。"
        ),
    ),
    _item(
        20,
        "障害本格対応通知順守率",
        **_pct("95"),
        rule_params={"milestone": "full_response"},
        exclusions=EXCL_INCIDENT,
        method=(
            "障害本格対応通知時間（項目19）が守られた障害の比率。月内に通知した障害のうち、通知から"
            "48時間以内に一次回答を行ったものの割合を求め、守れなかった障害を一覧にする。"
        ),
    ),
    _item(
        21,
        "障害復旧時間",
        measurement=M.COMPUTED_MANUAL,
        period=PER.PER_EVENT,
        unit=U.TEXT,
        target_text="障害発生時に指示し決定した時間",
        rule_params={"milestone": "recovery"},
        exclusions=EXCL_INCIDENT,
        method=(
            "障害が復旧するまでに要する時間。障害ごとに市の指示・承認を得た復旧予定時刻を障害票に記録し、"
            "実際の復旧時刻がそれまでに収まったかを判定する。承認の記録（市からのメール等）を確認資料として添付する。"
        ),
    ),
    _item(
        22,
        "障害復旧時間順守率",
        **_pct("95"),
        rule_params={"milestone": "recovery"},
        exclusions=EXCL_INCIDENT,
        method=(
            "承認を得た障害復旧時間（項目21）が守られた障害の比率。月内に復旧した障害のうち、市の指示・"
            "承認を得た復旧予定時刻までに復旧したものの割合を求め、守れなかった障害を一覧にする。"
        ),
    ),
    _item(
        23,
        "データバックアップ",
        **_pct("100"),
        exclusions="計画停止によりバックアップを実施しない日として市と合意した日",
        method=(
            "予定どおりデータバックアップが実施されたかの度合い。営業日ごとに、前営業日の業務終了後の"
            "バックアップが取得・検証済み（世代の検証記録あり）であるかを判定し、その割合を求める。"
        ),
    ),
    _item(
        24,
        "データリカバリ",
        unit=U.TEXT,
        target_text="リカバリ前日業務終了時点まで復旧（日次バックアップによるリカバリ）",
        method=(
            "どの時点までデータが回復されるかの度合い。月内の営業日ごとに、検証済みの最新バックアップの"
            "取得時点が前営業日の業務終了時点以降であるかを判定する（回復可能時点が前営業日の終業に"
            "届かない日を未達として列挙する）。"
        ),
    ),
    _item(
        25,
        "利用者管理",
        **_pct("100"),
        method=(
            "常に最新の状態で管理している利用者の割合。人事異動の発令日どおりの所属反映、退職者の退職日までの"
            "無効化、有効な配置のない有効アカウントがないことを確認し、例外を一覧にする。"
        ),
    ),
    _item(
        26,
        "操作権限",
        **_pct("100"),
        method=(
            "操作権限レベルを設定し常に最新の状態で管理している業務の割合。役割の変更が発令日どおりに"
            "権限へ反映されているかを確認し、例外を一覧にする。"
        ),
    ),
    _item(
        27,
        "操作履歴",
        **_pct("100"),
        method=(
            "データ更新処理時に採取・管理できている操作履歴の割合。月内のデータ変更件数（データベースの"
            "テーブル別更新統計または監査トリガの記録）と、記録された変更履歴の件数をテーブルごとに"
            "突き合わせ、網羅率と履歴のないテーブルを報告する（推定ではなく実測）。"
        ),
    ),
    _item(
        28,
        "ウイルス定義ファイルの更新",
        period=PER.PER_EVENT,
        **_le("7", U.DAYS),
        method=(
            "発表後からウイルスチェックソフトのウイルス定義を更新するまでの時間。構成管理の"
            "ウイルス定義の記録（発表日・適用日）から、サーバ・端末ごとに適用までの日数を求める。"
        ),
    ),
    _item(
        29,
        "セキュリティパッチの適用",
        period=PER.PER_EVENT,
        **_le("30", U.DAYS),
        exclusions="市と協議のうえ適用を見送った・延期したパッチ（理由を記録したもの）",
        method=(
            "発表日から適用検証の後に実際に本番環境に適用した日までに要する日数。構成管理のパッチ記録"
            "（発表日・検証日・本番適用日）から日数を求める。"
        ),
    ),
]

KOBE_ITEMS = [
    _item(
        1,
        "サービス時間",
        target_text="平日・休日を問わず 24 時間（保守・バックアップ等による計画停止は除く）",
        **_pct("100"),
        exclusions=EXCL_STOPS,
        method=(
            "平日・休日を問わず 24 時間のサービス提供。障害票の停止区間を暦日ごとに集計し、計画停止を"
            "除いて 24 時間提供できた日の割合を実績とする。"
        ),
    ),
    _item(
        2,
        "応答時間",
        measurement=M.COMPUTED_MANUAL,
        **_le("3", U.SECONDS),
        rule_params={"measure": "p95", "threshold_seconds": 3, "concurrent_terminals": 200},
        exclusions=EXCL_RESPONSE,
        method=(
            "同時接続数 200 台の状態で、DB の更新や検索等の処理を伴わない通常の画面遷移に関わる端末応答時間を"
            "3 秒以内とする。リクエスト計測で「画面遷移」に分類した要求の p95 を実績値とし、3 秒以内の割合も示す。"
            "200 台同時接続の条件は負荷試験の結果報告を確認資料として添付する。"
        ),
    ),
    _item(
        3,
        "サービス稼動時間",
        **_pct("99.9"),
        rule_params={"min_sample_coverage": "0.99"},
        exclusions=EXCL_STOPS,
        method=(
            "サービス稼動率 =（サービス時間 − 停止時間）÷ サービス時間 × 100。サービス時間は計画停止を"
            "除いた暦時間、停止時間は障害票の停止区間（全面停止）の合計。サービス時間以外は SLA の対象外とする。"
        ),
    ),
    _item(
        4,
        "オンライン中断（障害発生時）",
        period=PER.PER_EVENT,
        **_le("6", U.HOURS),
        exclusions=EXCL_INCIDENT,
        method=(
            "障害 1 回あたりのオンライン中断時間。障害票の停止区間から障害ごとの中断時間（24 時間制）を求め、"
            "6 時間を超えたものを未達とする。"
        ),
    ),
    _item(
        5,
        "障害発生原因の一次切り分け",
        period=PER.PER_EVENT,
        **_le("12", U.HOURS),
        rule_params={"milestone": "isolation"},
        exclusions=EXCL_INCIDENT,
        method="障害発生から原因の一次切り分けを終えるまでの時間。障害票の発生時刻と切り分け完了の記録から求める。",
    ),
    _item(
        6,
        "障害検知から本市への通知時間",
        period=PER.PER_EVENT,
        **_le("3", U.HOURS),
        rule_params={"milestone": "notification"},
        exclusions=EXCL_INCIDENT,
        method="障害を検知してから本市へ通知するまでの時間。障害票の検知時刻から第一報の記録時刻までを求める。",
    ),
]

CATALOGS = [
    {
        "profile": "sendai",
        "name": "仙台市 児童相談システム 運用・保守業務 SLA",
        "contract_start": date(2024, 4, 1),
        "contract_end": date(2029, 3, 31),
        "items": SENDAI_ITEMS,
        "note": "仕様書「12 付表 (1) SLA 項目定義」の案を本稼働前に協議し承認を得たもの（仕様書 7(1)）。",
    },
    {
        "profile": "kobe",
        "name": "神戸市 児童相談システム 運用保守 SLA",
        "contract_start": date(2025, 6, 2),
        "contract_end": date(2030, 3, 31),
        "items": KOBE_ITEMS,
        "note": (
            "目標型の SLA。目標を達成できなかった場合は 1 か月以内に改善策の方針を報告し、"
            "3 か月以内に改善策を完了する。"
        ),
    },
]


class _Null:
    def write(self, *args, **kwargs):
        pass


def _approver():
    users = get_user_model().objects.filter(is_active=True)
    return (
        users.filter(employee_number="900006").first()
        or users.filter(groups__name=roles.CITY_ADMIN).order_by("pk").first()
    )


def _with_rule(profile: str, fields: dict, missing: list[str]) -> dict:
    code = RULES.get((profile, fields["number"]), "")
    if code and computations.get(code) is not None:
        return {**fields, "rule": code}
    if fields["measurement"] != M.MANUAL:
        missing.append(f"{profile} {fields['number']} {fields['name']}（{code or '未定'}）")
    return {**fields, "rule": ""}


def seed(stdout=None) -> None:
    out = stdout or _Null()
    approver = _approver()
    for spec in CATALOGS:
        profile = spec["profile"]
        if Policy.objects.filter(profile=profile).exists():
            out.write(f"SLA 項目定義（{profile}）: 既存の版があるため追加しません")
            continue
        missing: list[str] = []
        items = [_with_rule(profile, fields, missing) for fields in spec["items"]]
        start = spec["contract_start"]
        policy = policy_import_approved(
            profile=profile,
            name=spec["name"],
            contract_start=start,
            contract_end=spec["contract_end"],
            effective_from=start,
            effective_to=None,
            items=items,
            approver=approver,
            approved_at=datetime.combine(start - timedelta(days=14), time(10, 0), tzinfo=JST),
            note=spec["note"],
        )
        out.write(
            f"SLA 項目定義（{profile}）: 第{policy.version}版 {len(items)}項目を承認済みで登録"
        )
        if missing:
            out.write("  算出規則が未登録の項目: " + "、".join(missing))
