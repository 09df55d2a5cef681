"""Service sections of the monthly report: exact figures from hand-built records, words (not 0)
for a month without data, the same section twice, and nothing from outside the month."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine

from core.timeutil import JST
from incidents import clocks
from incidents.models import (
    HealthSample,
    Incident,
    MilestoneDefinition,
    PlannedStop,
    Problem,
    StopInterval,
)
from ops.models.routine import RoutineOccurrence, RoutineOperation
from reports.sections.base import Period
from reports.sections.service import incident_monitoring, maintenance, service_hours, troubles

pytestmark = pytest.mark.django_db

OCTOBER = Period(date(2026, 10, 1), "sendai")
AUGUST = Period(date(2026, 8, 1), "sendai")
OCTOBER_MINUTES = 31 * 24 * 60


@pytest.fixture(autouse=True)
def _milestone_presets(db):
    # A transactional test elsewhere may have flushed the rows the migration ships.
    from django.apps import apps

    from incidents.presets import ensure_milestone_presets

    ensure_milestone_presets(apps)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


_seq = iter(range(1, 10_000))


def incident(aware: str, **kw) -> Incident:
    n = next(_seq)
    fields = {
        "number": f"I8-{n:04d}",
        "fiscal_year": 2026,
        "sequence": n,
        "source": Incident.Source.VENDOR,
        "title": f"障害{n}",
        "aware_at": at(aware),
    }
    fields.update(kw)
    return Incident.objects.create(**fields)


def stop(inc: Incident, start: str, end: str | None, **kw) -> StopInterval:
    return StopInterval.objects.create(
        incident=inc, started_at=at(start), ended_at=at(end) if end else None, **kw
    )


def fill_samples(start: datetime, end: datetime, *, skip=(), component="database") -> None:
    rows, t = [], start
    while t < end:
        if not any(a < t < b for a, b in skip):
            rows.append(HealthSample(at=t, component=component, ok=True))
        t += timedelta(minutes=1)
    HealthSample.objects.bulk_create(rows, batch_size=5000)


def figures(section) -> dict:
    return {f.label: f for f in section.figures}


# --- service_hours --------------------------------------------------------------------------------


@pytest.fixture
def october_stops(city_admin, vendor_operator):
    fill_samples(
        OCTOBER.start, OCTOBER.end, skip=[(at("2026-10-05 03:00"), at("2026-10-05 03:30"))]
    )
    inc = incident("2026-10-10 10:00")
    stop(inc, "2026-10-10 10:00", "2026-10-10 11:00")
    stop(inc, "2026-10-11 10:00", "2026-10-11 12:00", partial=True, functions="帳票出力")
    stop(inc, "2026-10-20 09:00", "2026-10-20 10:00", city_network=True)
    PlannedStop.objects.create(
        starts_at=at("2026-10-15 22:00"),
        ends_at=at("2026-10-16 02:00"),
        reason="OSパッチ",
        approved_by=city_admin,
        approved_at=at("2026-10-01 09:00"),
        created_by=vendor_operator,
    )
    stop(inc, "2026-10-15 22:00", "2026-10-16 02:30")  # 30 minutes past the planned window
    outside = incident("2026-09-20 10:00")
    stop(outside, "2026-09-20 10:00", "2026-09-20 12:00")
    stop(outside, "2026-11-02 10:00", "2026-11-02 12:00")
    return inc


def test_service_hours_breaks_down_the_stops_and_computes_availability(october_stops):
    section = service_hours(OCTOBER)

    f = figures(section)
    service = OCTOBER_MINUTES - 240 - 60
    assert f["サービス提供予定時間"].value == round(service / 60, 2)
    assert f["計画停止（市承認済み・除外）"].value == 240
    assert f["市ネットワーク障害による停止（除外）"].value == 60
    # 60 (incident) + 30 (overrun) + 30 (monitoring gap); September / November not counted.
    assert f["計画外停止（障害・監視記録の欠落を含む）"].value == 120
    assert f["うち稼働監視の記録の欠落"].value == 30
    assert f["一部機能の停止（稼働率に含めない）"].value == 120
    assert f["稼働率"].value == round((service - 120) / service * 100, 3)

    rows = section.tables[0].rows
    assert [r[3] for r in rows] == [
        "稼働監視の記録なし",
        "障害による停止",
        "一部機能の停止（帳票出力）",
        "計画停止（OSパッチ）",
        "障害による停止",
        "市ネットワーク障害",
    ]
    overrun = rows[4]
    assert overrun[2:7] == [270, "障害による停止", october_stops.number, 30, "一部除外"]
    assert rows[5][5:7] == [0, "除外"]

    chart = section.charts[0]
    assert chart.categories[0] == "25/11" and chart.categories[-1] == "26/10"
    # Months without any monitoring record are gaps, never 100 %.
    assert chart.series[0].values == [None] * 11 + [f["稼働率"].value]


def test_service_hours_is_the_same_twice(october_stops):
    assert service_hours(OCTOBER) == service_hours(OCTOBER)


def test_service_hours_with_sparse_monitoring_says_data_missing_not_100():
    fill_samples(OCTOBER.start, at("2026-10-10 00:00"))
    f = figures(service_hours(OCTOBER))
    assert f["稼働率"].value is None
    assert "データ欠損" in f["稼働率"].absent


def test_service_hours_without_any_record_is_absent():
    section = service_hours(AUGUST)
    assert section.absent and not section.has_content


def test_an_open_stop_counts_up_to_month_end_only():
    fill_samples(OCTOBER.start, OCTOBER.end)
    stop(incident("2026-10-31 23:00"), "2026-10-31 23:00", None)
    section = service_hours(OCTOBER)
    assert figures(section)["計画外停止（障害・監視記録の欠落を含む）"].value == 60
    assert "月末時点で継続中" in section.tables[0].rows[0][7]


# --- maintenance ----------------------------------------------------------------------------------


def occurrence(op, due: date, done: str | None = None) -> RoutineOccurrence:
    due_at = datetime.combine(due, time(17, 0), tzinfo=JST)
    return RoutineOccurrence.objects.create(
        operation=op,
        rule_date=due,
        due_date=due,
        due_at=due_at,
        done_at=at(done) if done else None,
        status=(
            RoutineOccurrence.Status.PLANNED
            if not done
            else RoutineOccurrence.Status.DONE
            if at(done) <= due_at
            else RoutineOccurrence.Status.LATE
        ),
    )


def operation(name: str) -> RoutineOperation:
    return RoutineOperation.objects.create(
        name=name,
        category=RoutineOperation.Category.MONITORING,
        frequency=RoutineOperation.Frequency.WEEKLY,
        weekday=0,
        due_time=time(17, 0),
        valid_from=date(2026, 4, 1),
    )


@pytest.fixture
def october_work():
    a, b = operation("A ログ確認"), operation("B 容量確認")
    occurrence(a, date(2026, 10, 5), "2026-10-05 10:00")  # on time
    occurrence(a, date(2026, 10, 12), "2026-10-13 09:00")  # late, within the month
    occurrence(a, date(2026, 10, 26), "2026-11-02 09:00")  # done only after month end
    occurrence(b, date(2026, 10, 19))  # never done
    occurrence(a, date(2026, 9, 28), "2026-09-28 10:00")  # September: not counted
    occurrence(b, date(2026, 11, 2))  # November: not counted
    for minute, component, ok in [
        (0, "database", True),
        (1, "database", True),
        (2, "database", True),
        (0, "redis", True),
        (1, "redis", False),
    ]:
        HealthSample.objects.create(
            at=at("2026-10-07 12:00") + timedelta(minutes=minute), component=component, ok=ok
        )
    HealthSample.objects.create(at=at("2026-11-01 00:00"), component="redis", ok=False)
    incident("2026-10-07 12:01", source=Incident.Source.MONITORING, monitored_component="redis")
    incident(
        "2026-10-08 00:00",
        source=Incident.Source.MONITORING,
        kind=Incident.Kind.SECURITY,
        monitored_component="axes:2026-10-07",
    )
    incident("2026-11-01 00:00", source=Incident.Source.MONITORING, monitored_component="redis")


def test_maintenance_counts_work_samples_and_monitoring_detections(october_work):
    section = maintenance(OCTOBER)

    f = figures(section)
    assert f["定常運用（予定）"].value == 4
    assert f["期限内に実施"].value == 1
    assert f["遅延して実施"].value == 1
    assert f["月末時点で未実施"].value == 2
    assert f["期限内実施率"].value == 25.0
    assert section.tables[0].rows == [
        ["A ログ確認", "監視", "毎週", 3, 1, 1, 1, 1],
        ["B 容量確認", "監視", "毎週", 1, 0, 0, 1, 0],
    ]
    assert f["死活監視の記録"].value == 5
    assert f["異常（応答なし）の記録"].value == 1
    alive = section.tables[1].rows
    assert [r[:4] for r in alive] == [
        ["database", 3, 0, OCTOBER_MINUTES - 3],
        ["redis", 2, 1, OCTOBER_MINUTES - 2],
    ]
    # Only 3 minutes of database samples: the rest of the month is a gap.
    assert f["監視記録の途切れ（データベース）"].value == OCTOBER_MINUTES - 2
    assert f["監視による障害の起票"].value == 2
    assert section.tables[2].rows == [
        ["redis", "障害", 1],
        ["ログイン失敗の監視", "セキュリティ事象", 1],
    ]
    assert any("本システムでは記録していません" in n for n in section.notes)
    assert maintenance(OCTOBER) == section


def test_maintenance_without_records_uses_words_not_zero():
    section = maintenance(AUGUST)
    assert section.absent
    f = figures(section)
    for label in (
        "期限内に実施",
        "死活監視の記録",
        "異常（応答なし）の記録",
        "監視による障害の起票",
    ):
        assert f[label].value is None and f[label].absent


# --- incident_monitoring --------------------------------------------------------------------------


def definition(code: str) -> MilestoneDefinition:
    return MilestoneDefinition.objects.get(profile="sendai", code=code)


@pytest.fixture
def october_incidents():
    with time_machine.travel(at("2026-10-03 09:00"), tick=False):
        one = incident("2026-10-03 09:00", severity=2)
        first = clocks.clock_start(
            incident=one, definition=definition("first_report"), at=one.aware_at
        )
        clocks.clock_stop(clock=first, at=at("2026-10-03 09:20"))
    with time_machine.travel(at("2026-10-03 15:00"), tick=False):
        one.recovered_at, one.status = at("2026-10-03 15:00"), Incident.Status.RECOVERED
        one.save()
    with time_machine.travel(at("2026-10-20 08:00"), tick=False):
        two = incident(
            "2026-10-20 08:00", source=Incident.Source.MONITORING, monitored_component="redis"
        )
        first = clocks.clock_start(
            incident=two, definition=definition("first_report"), at=two.aware_at
        )
        clocks.clock_stop(clock=first, at=at("2026-10-20 08:45"))
        clocks.clock_start(
            incident=two, definition=definition("initial_plan"), at=at("2026-10-20 08:45")
        )
    with time_machine.travel(at("2026-11-05 10:00"), tick=False):
        one.status = Incident.Status.CLOSED
        one.save()
        two.recovered_at, two.status = at("2026-11-02 10:00"), Incident.Status.RECOVERED
        two.save()
    with time_machine.travel(at("2026-09-25 10:00"), tick=False):
        earlier = incident("2026-09-25 10:00")
        clocks.clock_start(
            incident=earlier, definition=definition("first_report"), at=earlier.aware_at
        )
    incident("2026-11-01 00:00")
    return one, two


def test_incident_monitoring_counts_the_month_and_its_state_at_month_end(october_incidents):
    one, two = october_incidents
    section = incident_monitoring(OCTOBER)

    f = figures(section)
    assert f["当月に認知した障害"].value == 2
    # two (recovered only in November) and the September one still open.
    assert f["月末時点で未復旧の障害（前月以前の認知を含む）"].value == 2
    breakdown = section.tables[0].rows
    assert ["重大度", "2", 1] in breakdown and ["重大度", "3", 1] in breakdown
    assert ["種別", "障害", 2] in breakdown
    assert ["発見経路", "監視", 1] in breakdown and ["監視対象", "redis", 1] in breakdown
    assert section.tables[1].rows == [
        ["第一報（市への通知）", "30分", 2, 1, 1, 0, 50.0],
        ["初動方針通知", "60分", 1, 0, 0, 1, None],
    ]
    assert section.tables[2].rows == [
        [one.number, one.title, one.aware_at, 2, "障害", "復旧", one.recovered_at],
        [two.number, two.title, two.aware_at, 3, "障害", "対応中", two.recovered_at],
    ]
    assert incident_monitoring(OCTOBER) == section


def test_incident_monitoring_without_records_is_absent():
    section = incident_monitoring(AUGUST)
    assert section.absent and not section.has_content


def test_incident_monitoring_with_no_incidents_but_monitoring_shows_a_counted_zero():
    HealthSample.objects.create(at=at("2026-10-07 12:00"), component="database", ok=True)
    f = figures(incident_monitoring(OCTOBER))
    assert f["当月に認知した障害"].value == 0
    assert f["月末時点で未復旧の障害（前月以前の認知を含む）"].value == 0


# --- troubles -------------------------------------------------------------------------------------


def test_troubles_lists_recovered_and_closed_incidents_and_problems_of_the_month():
    with time_machine.travel(at("2026-08-10 10:00"), tick=False):
        untouched = Problem.objects.create(title="手つかずの問題")
        resolved = Problem.objects.create(title="夜間バッチの遅延")
    with time_machine.travel(at("2026-10-15 10:00"), tick=False):
        resolved.status, resolved.resolved_on = Problem.Status.RESOLVED, date(2026, 10, 15)
        resolved.permanent_fix = "索引を追加"
        resolved.save()
    with time_machine.travel(at("2026-10-10 10:00"), tick=False):
        new = Problem.objects.create(title="接続数の上限", root_cause="設定値が小さい")
    recovered = incident(
        "2026-10-03 09:00",
        recovered_at=at("2026-10-03 15:00"),
        status=Incident.Status.RECOVERED,
        cause="ディスク容量不足",
        countermeasure="ログを削除",
        prevention="容量監視の閾値を見直し",
        problem=new,
    )
    with time_machine.travel(at("2026-09-29 10:00"), tick=False):
        closed = incident(
            "2026-09-28 09:00", recovered_at=at("2026-09-29 10:00"), status="recovered"
        )
    with time_machine.travel(at("2026-10-02 10:00"), tick=False):
        closed.status = Incident.Status.CLOSED
        closed.save()
    incident("2026-10-30 09:00", recovered_at=at("2026-11-02 10:00"))  # November: not here

    section = troubles(OCTOBER)

    f = figures(section)
    assert f["当月に復旧・完了した障害"].value == 2
    assert f["うち予防策・是正策が未記入"].value == 1
    assert f["当月に動きのあった問題（根本原因）"].value == 2
    rows = section.tables[0].rows
    assert [r[0] for r in rows] == [closed.number, recovered.number]
    assert rows[0][4] == "完了" and rows[0][7] == "（未記入）"
    assert rows[1][5:] == [
        "ディスク容量不足",
        "ログを削除",
        "容量監視の閾値を見直し",
        "なし",
        "接続数の上限",
    ]
    problems = {r[0]: r for r in section.tables[1].rows}
    assert untouched.title not in problems
    assert problems["接続数の上限"][1:4] == ["新規", "調査中", "設定値が小さい"]
    assert problems["接続数の上限"][6] == 1
    assert problems["夜間バッチの遅延"][1:3] == ["解決", "解決"]
    assert problems["夜間バッチの遅延"][4:6] == ["索引を追加", date(2026, 10, 15)]
    assert troubles(OCTOBER) == section


def test_troubles_without_records_is_absent():
    with time_machine.travel(at("2026-08-10 10:00"), tick=False):
        Problem.objects.create(title="古い問題")
    section = troubles(OCTOBER)
    assert section.absent and not section.has_content
