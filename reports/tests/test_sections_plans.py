"""The plan sections of the monthly report: SLA実績, 翌月の予定, 改善提案."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest

from incidents.models import PlannedStop, Problem
from ops.models.registry import (
    Environment,
    Licence,
    Patch,
    Server,
    SoftwareItem,
    VirusDefinitionUpdate,
)
from ops.models.routine import RoutineOccurrence, RoutineOperation, TrainingSession
from reports.models.meetings import Meeting
from reports.sections.base import JST, Period
from reports.sections.plans import next_month, proposals, sla_results
from sla.models import ImprovementPlan, Item, Result
from sla.tests.catalog_support import item_fields, make_policy

pytestmark = pytest.mark.django_db

OCTOBER = Period(date(2026, 10, 1), "sendai")


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


@pytest.fixture
def clock(time_machine):
    """Move the clock (history dates follow it) to a JST instant."""

    def move(*args):
        time_machine.move_to(jst(*args), tick=False)

    return move


def table(section, caption):
    return next(t for t in section.tables if t.caption == caption)


def figure(section, label):
    return next(f for f in section.figures if f.label == label)


# --- SLA実績 ---------------------------------------------------------------------------------


@pytest.fixture
def policy():
    policy = make_policy("sendai", items=0)
    Item.objects.create(policy=policy, order=4, rule="availability", **item_fields("4"))
    Item.objects.create(
        policy=policy,
        order=5,
        rule="response_search",
        **item_fields(
            "5", name="データ検索時間", unit=Item.Unit.SECONDS, target_value=3, comparison="le"
        ),
    )
    Item.objects.create(
        policy=policy,
        order=8,
        **item_fields("8", name="手動の項目", measurement=Item.Measurement.MANUAL),
    )
    Item.objects.create(
        policy=policy, order=99, **item_fields("Y1", name="年次", period=Item.Period.YEARLY)
    )
    return policy


def result(policy, number, month: date, state, value=None, computed_at=None):
    last = Period(month, "sendai").last
    return Result.objects.create(
        item=Item.objects.get(policy=policy, number=number),
        period_start=month,
        period_end=last,
        state=state,
        value=value,
        in_scope=10,
        computed_at=computed_at or jst(last.year, last.month, last.day) + timedelta(days=2),
    )


def test_sla_without_policy_says_so():
    section = sla_results(OCTOBER)

    assert section.absent == "2026年10月に適用される承認済みのSLA（項目定義）がありません。"
    assert not section.has_content


def test_sla_month_not_computed_is_words_not_zeros(policy):
    result(policy, "4", date(2026, 9, 1), Result.State.MET, Decimal("99.9"))

    section = sla_results(OCTOBER)

    assert "2026年10月のSLA実績はまだ算出されていません" in section.absent
    assert section.figures == []


def test_sla_results_counts_rows_and_trends(policy):
    result(policy, "4", date(2026, 10, 1), Result.State.MET, Decimal("99.950"))
    result(policy, "5", date(2026, 10, 1), Result.State.MISSED, Decimal("3.200"))
    # other months: trend only, never counted in the month
    result(policy, "4", date(2026, 9, 1), Result.State.MISSED, Decimal("98.000"))
    result(policy, "5", date(2026, 11, 1), Result.State.MET, Decimal("1.000"))
    result(policy, "5", date(2025, 11, 1), Result.State.DATA_MISSING)

    section = sla_results(OCTOBER)

    assert section.absent == ""
    assert [(f.label, f.value) for f in section.figures] == [
        ("達成", 1),
        ("未達", 1),
        ("その他（対象なし・データ欠損・確認待ち・未算出）", 1),
    ]
    rows = section.tables[0].rows
    assert [r[:6] for r in rows] == [
        ["4", "項目4", "≥ 99.5%", Decimal("99.950"), "%", "達成"],
        ["5", "データ検索時間", "≤ 3秒", Decimal("3.200"), "秒", "未達"],
        ["8", "手動の項目", "≥ 99.5%", None, "", "未算出"],
    ]
    assert "1項目は当月の実績が未算出です（0とは扱いません）。" in section.notes
    assert "年次の項目（1項目）は年度の実績報告で判定します。" in section.notes
    availability, response = section.charts
    assert availability.categories[0] == "25/11"
    assert availability.categories[-1] == "26/10"
    assert availability.series[0].name == "#4 項目4"
    assert availability.series[0].values == [None] * 10 + [98.0, 99.95]
    # Nov 2026 is after the month; Nov 2025 data missing has no value: gaps, not 0
    assert response.series[0].values == [None] * 11 + [3.2]
    assert response.unit == "秒"


def test_sla_result_computed_mid_month_is_flagged(policy):
    result(policy, "4", date(2026, 10, 1), Result.State.MET, Decimal(100), jst(2026, 10, 15, 1))

    section = sla_results(OCTOBER)

    assert "1項目の実績は月の途中に算出した途中経過です（月末後の再算出で確定します）。" in (
        section.notes
    )


def test_sla_is_deterministic(policy):
    result(policy, "4", date(2026, 10, 1), Result.State.MET, Decimal("99.950"))

    assert sla_results(OCTOBER) == sla_results(OCTOBER)


# --- 翌月の予定 ------------------------------------------------------------------------------


def test_next_month_empty_keeps_tables_with_words():
    section = next_month(OCTOBER)

    assert section.absent == ""
    assert all(t.rows == [] for t in section.tables)
    assert table(section, "次回の定例報告会議").empty == (
        "2026年11月の定例報告会議はまだ登録されていません。"
    )
    assert table(section, "定例作業の予定").empty == (
        "翌月に予定されている定例作業は登録されていません。"
    )


def operation(name, frequency, category=RoutineOperation.Category.STATISTICS):
    return RoutineOperation.objects.create(
        name=name,
        category=category,
        frequency=frequency,
        day_of_month=3,
        weekday=0,
        due_time=time(17, 0),
        valid_from=date(2026, 4, 1),
    )


def occur(op, day):
    RoutineOccurrence.objects.create(
        operation=op, rule_date=day, due_date=day, due_at=jst(day.year, day.month, day.day, 17)
    )


def test_next_month_routine_operations_grouped_with_dates():
    stats = operation("統計情報の作成", RoutineOperation.Frequency.MONTHLY)
    daily = operation("死活監視の確認", "daily", RoutineOperation.Category.MONITORING)
    occur(stats, date(2026, 10, 3))  # this month: not next month's plan
    occur(stats, date(2026, 11, 3))
    occur(stats, date(2026, 12, 3))
    for day in range(1, 31):
        occur(daily, date(2026, 11, day))

    rows = table(next_month(OCTOBER), "定例作業の予定").rows

    assert rows == [
        ["死活監視の確認", "監視", "毎日", 30, "11/1〜11/30（30回）"],
        ["統計情報の作成", "統計情報", "毎月", 1, "11/3"],
    ]


def test_next_month_stops_meeting_training(make_user):
    vendor = make_user(name="事業者")
    PlannedStop.objects.create(
        starts_at=jst(2026, 11, 10, 20),
        ends_at=jst(2026, 11, 10, 23),
        reason="OS更新",
        created_by=vendor,
        approved_at=jst(2026, 10, 20, 9),
    )
    PlannedStop.objects.create(  # starts in October
        starts_at=jst(2026, 10, 31, 23),
        ends_at=jst(2026, 11, 1, 2),
        reason="前月",
        created_by=vendor,
    )
    PlannedStop.objects.create(  # December 1 00:00 JST is the next month's end
        starts_at=jst(2026, 12, 1), ends_at=jst(2026, 12, 1, 3), reason="翌々月", created_by=vendor
    )
    Meeting.objects.create(
        profile="sendai", year=2026, month=11, held_at=jst(2026, 11, 12, 14), place="本庁舎3階"
    )
    Meeting.objects.create(
        profile="kobe", year=2026, month=11, held_at=jst(2026, 11, 13, 14), place="神戸"
    )
    TrainingSession.objects.create(title="異動者研修", planned_date=date(2026, 11, 5))
    TrainingSession.objects.create(
        title="中止研修", planned_date=date(2026, 11, 6), status=TrainingSession.Status.CANCELLED
    )
    TrainingSession.objects.create(title="12月研修", planned_date=date(2026, 12, 1))

    section = next_month(OCTOBER)

    assert table(section, "計画停止").rows == [
        [jst(2026, 11, 10, 20), jst(2026, 11, 10, 23), "OS更新", "承認済"]
    ]
    assert table(section, "次回の定例報告会議").rows == [[jst(2026, 11, 12, 14), "本庁舎3階"]]
    assert table(section, "研修").rows == [["異動者研修", date(2026, 11, 5), "計画"]]


def test_next_month_registry_is_taken_as_of_the_month_end(clock):
    clock(2026, 10, 20, 10)
    django = SoftwareItem.objects.create(
        name="Django", category="library", vendor="DSF", support_ends_on=date(2026, 11, 30)
    )
    SoftwareItem.objects.create(name="Old", category="os", support_ends_on=date(2026, 10, 31))
    due = Patch.objects.create(
        software=django, identifier="P-1", title="修正1", released_on=date(2026, 10, 5)
    )
    applied_later = Patch.objects.create(
        software=django, identifier="P-2", title="修正2", released_on=date(2026, 10, 15)
    )
    Patch.objects.create(  # applied within the month
        software=django,
        identifier="P-3",
        title="修正3",
        released_on=date(2026, 10, 10),
        applied_on=date(2026, 10, 20),
    )
    Patch.objects.create(  # due October 31
        software=django, identifier="P-4", title="修正4", released_on=date(2026, 10, 1)
    )
    licence = Licence.objects.create(
        name="DBライセンス", count=2, holder="市", expires_on=date(2026, 11, 30)
    )
    Licence.objects.create(name="翌々月", count=1, holder="市", expires_on=date(2026, 12, 1))
    env, _ = Environment.objects.get_or_create(
        code="production", defaults={"name": "本番", "kind": "production"}
    )
    ap01 = Server.objects.create(environment=env, name="ap01")
    newer = VirusDefinitionUpdate.objects.create(
        server=ap01, definition_version="v30", released_on=date(2026, 10, 30)
    )
    VirusDefinitionUpdate.objects.create(  # due 10/27: this month's
        server=ap01, definition_version="v20", released_on=date(2026, 10, 20)
    )
    VirusDefinitionUpdate.objects.create(  # superseded by v30 before the month ended
        server=ap01, definition_version="v29", released_on=date(2026, 10, 29), covered_by=newer
    )
    # Edits after the month ends do not change the October report.
    clock(2026, 11, 2, 10)
    applied_later.applied_on = date(2026, 11, 2)
    applied_later.save()
    licence.expires_on = date(2027, 11, 30)
    licence.save()
    Patch.objects.create(
        software=django, identifier="P-5", title="後日登録", released_on=date(2026, 10, 20)
    )

    section = next_month(OCTOBER)

    assert table(section, "パッチの適用期限（公開から30日）").rows == [
        ["P-1", "修正1", "Django", date(2026, 10, 5), date(2026, 11, 4)],
        ["P-2", "修正2", "Django", date(2026, 10, 15), date(2026, 11, 14)],
    ]
    assert table(section, "ウイルス定義の適用期限（公開から7日）").rows == [
        ["ap01", "v30", date(2026, 10, 30), date(2026, 11, 6)]
    ]
    assert table(section, "ライセンスの期限").rows == [
        ["DBライセンス", "市", 2, date(2026, 11, 30)]
    ]
    assert table(section, "ソフトウェアのサポート終了").rows == [
        ["Django", "ライブラリ", "DSF", date(2026, 11, 30)]
    ]
    assert due.pk  # created, shown above
    assert next_month(OCTOBER) == section


def plan(item, month, opened, *, policy_due, completion_due, **kw):
    return ImprovementPlan.objects.create(
        item=item,
        period_start=month,
        opened_at=opened,
        policy_due=policy_due,
        completion_due=completion_due,
        **kw,
    )


def test_next_month_improvement_plan_deadlines(policy, clock):
    item4 = Item.objects.get(policy=policy, number="4")
    item5 = Item.objects.get(policy=policy, number="5")
    clock(2026, 10, 20, 10)
    plan(
        item4,
        date(2026, 9, 1),
        jst(2026, 10, 20, 10),
        policy_due=date(2026, 11, 20),
        completion_due=date(2027, 1, 20),
    )
    plan(
        item5,
        date(2026, 8, 1),
        jst(2026, 9, 3),
        policy_due=date(2026, 10, 3),
        completion_due=date(2026, 12, 3),
        policy_reported_at=jst(2026, 10, 1),
        status=ImprovementPlan.Status.POLICY_REPORTED,
    )

    rows = table(next_month(OCTOBER), "SLA改善策の期限").rows

    assert rows == [["4", "項目4", "2026年9月", "改善方針の報告", date(2026, 11, 20), "方針未報告"]]


# --- 改善提案 --------------------------------------------------------------------------------


def test_proposals_without_policy_or_plans_is_words():
    section = proposals(OCTOBER)

    first = section.figures[0]
    assert first.value is None
    assert first.absent == "2026年10月に適用されるSLAがありません"
    assert table(section, "SLA改善策").rows == []


def test_proposals_opened_is_unknown_while_no_month_is_computed(policy):
    section = proposals(OCTOBER)

    opened = figure(section, "当月起票の改善策")
    assert opened.value is None
    assert opened.absent == "前月・当月のSLA実績が未算出のため未確定"
    assert figure(section, "当月末時点で未完了の改善策").value == 0


def test_proposals_counts_the_month_of_each_plan(policy, clock):
    item4 = Item.objects.get(policy=policy, number="4")
    item5 = Item.objects.get(policy=policy, number="5")
    item8 = Item.objects.get(policy=policy, number="8")
    result(policy, "4", date(2026, 9, 1), Result.State.MISSED, Decimal("98.000"))
    clock(2026, 8, 3, 10)
    reported = plan(
        item5,
        date(2026, 7, 1),
        jst(2026, 8, 3, 10),
        policy_due=date(2026, 9, 3),
        completion_due=date(2026, 11, 3),
    )
    done_before = plan(
        item8,
        date(2026, 7, 1),
        jst(2026, 8, 3, 10),
        policy_due=date(2026, 9, 3),
        completion_due=date(2026, 11, 3),
    )
    clock(2026, 9, 20, 10)
    done_before.completed_at = jst(2026, 9, 20, 10)
    done_before.status = ImprovementPlan.Status.COMPLETED
    done_before.save()
    clock(2026, 10, 5, 10)
    opened = plan(
        item4,
        date(2026, 9, 1),
        jst(2026, 10, 5, 10),
        policy_due=date(2026, 11, 5),
        completion_due=date(2027, 1, 5),
    )
    reported.policy_reported_at = jst(2026, 10, 5, 11)
    reported.policy_text = "監視間隔を短縮する"
    reported.status = ImprovementPlan.Status.POLICY_REPORTED
    reported.save()
    clock(2026, 11, 2, 10)  # after the month: invisible in October
    opened.completed_at = jst(2026, 11, 2, 10)
    opened.status = ImprovementPlan.Status.COMPLETED
    opened.save()

    section = proposals(OCTOBER)

    assert [(f.label, f.value) for f in section.figures] == [
        ("当月起票の改善策", 1),
        ("当月に方針報告した改善策", 1),
        ("当月に完了した改善策", 0),
        ("当月末時点で未完了の改善策", 2),
        ("うち期限超過", 0),
        ("当月立案の恒久対策", 0),
    ]
    rows = table(section, "SLA改善策").rows
    assert [(r[0], r[4], r[7], r[8]) for r in rows] == [
        ("5", "方針報告済・改善中", "監視間隔を短縮する", "方針報告"),
        ("4", "方針未報告", None, "起票"),
    ]
    assert proposals(OCTOBER) == section


def test_proposals_overdue_and_completed_in_month(policy, clock):
    item4 = Item.objects.get(policy=policy, number="4")
    item5 = Item.objects.get(policy=policy, number="5")
    clock(2026, 6, 3, 10)
    plan(
        item4,
        date(2026, 5, 1),
        jst(2026, 6, 3, 10),
        policy_due=date(2026, 7, 3),
        completion_due=date(2026, 9, 3),
    )
    late = plan(
        item5,
        date(2026, 5, 1),
        jst(2026, 6, 3, 10),
        policy_due=date(2026, 7, 3),
        completion_due=date(2026, 9, 3),
    )
    clock(2026, 10, 31, 23, 59)
    late.completed_at = jst(2026, 10, 31, 23, 59)
    late.save()

    section = proposals(OCTOBER)

    assert figure(section, "当月に完了した改善策").value == 1
    assert figure(section, "当月末時点で未完了の改善策").value == 1
    assert figure(section, "うち期限超過").value == 1
    assert [r[8] for r in table(section, "SLA改善策").rows] == [None, "完了"]


def test_proposals_permanent_fixes_first_recorded_in_month(clock):
    clock(2026, 9, 10, 10)
    earlier = Problem.objects.create(title="前月の問題", permanent_fix="手順書を改訂")
    pending = Problem.objects.create(title="調査中の問題")
    clock(2026, 10, 15, 10)
    earlier.permanent_fix = "手順書を再改訂"
    earlier.save()
    pending.permanent_fix = "証明書の期限監視を追加"
    pending.status = Problem.Status.FIXING
    pending.save()
    Problem.objects.create(title="原因調査のみ")
    clock(2026, 11, 1, 0, 0)
    pending.status = Problem.Status.RESOLVED
    pending.save()

    section = proposals(OCTOBER)

    assert table(section, "再発防止策（問題管理の恒久対策）").rows == [
        [date(2026, 10, 15), "調査中の問題", "証明書の期限監視を追加", "恒久対策中", None]
    ]
    assert figure(section, "当月立案の恒久対策").value == 1
