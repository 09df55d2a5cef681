"""Sections of the monthly meeting report about the service itself: service hours and stops,
maintenance work and monitoring, incident monitoring, and trouble reports (Sendai 図表7-1).

Every builder is a read-only function of the month. "Now" is never read: anything that
depends on the moment of reading (a stop still running, an incident's status, a clock not yet
stopped) is taken as it stood at the end of the month (period.end), so the same records always
give the same section. Nothing here reads case records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q

from core.calendar import BusinessCalendar, using_calendar
from incidents import clocks as clock_rules
from incidents.availability import (
    GAP_COMPONENT,
    GAP_TOLERANCE_MINUTES,
    Availability,
    availability,
)
from incidents.availability import clip_spans as clip
from incidents.availability import merge_spans as merge
from incidents.availability import span_minutes as minutes_of
from incidents.availability import subtract_spans as subtract
from incidents.models import (
    HealthSample,
    Incident,
    MilestoneClock,
    PlannedStop,
    Problem,
    StopInterval,
)
from incidents.selectors import incident_status_as_of, incidents_first_closed_between
from ops.models.routine import RoutineOperation
from ops.selectors.routine import occurrence_counts_by_operation
from reports.sections.base import (
    NO_DATA,
    NO_SOURCE,
    Chart,
    Figure,
    Period,
    Section,
    Series,
    Table,
    short_month,
)

Span = tuple[datetime, datetime]

# Below this share of monitored time a month's availability is "data missing", not a guess
# (the same default as the SLA item).
MIN_SAMPLE_COVERAGE = 0.99

AS_OF_NOTE = "「月末時点」は当月末日24時（翌月1日0時）直前の記録の状態です。"
STATUS_LABELS = dict(Incident.Status.choices)
KIND_LABELS = dict(Incident.Kind.choices)
SOURCE_LABELS = dict(Incident.Source.choices)
PROBLEM_LABELS = dict(Problem.Status.choices)


def _month_bounds(period: Period) -> list[tuple[str, datetime, datetime]]:
    months = []
    for first in period.previous_months(12):
        p = Period(first, period.profile)
        months.append((short_month(first), p.start, p.end))
    return months


def _text(value: str) -> str:
    return value.strip() if value and value.strip() else "（未記入）"


def _pct(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else round(numerator / denominator * 100, 1)


# --- availability of one month --------------------------------------------------------------------


@dataclass
class MonthAvailability:
    figure: Availability
    stops: list[StopInterval]
    planned: list[PlannedStop]
    samples: int
    gaps: list[Span]  # stretches without a database sample, excluded time removed
    gap_minutes: float
    unplanned_minutes: float  # full stops and gaps, excluded time removed
    ratio: float | None  # percent
    absent: str


def _month_availability(start: datetime, end: datetime) -> MonthAvailability:
    # now=end: a stop still open is counted up to the month's end, never up to the clock.
    figure = availability(start=start, end=end, now=end)
    stops = list(
        StopInterval.objects.filter(started_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .select_related("incident")
        .only("started_at", "ended_at", "partial", "city_network", "functions", "incident__number")
        .order_by("started_at", "pk")
    )
    planned = list(
        PlannedStop.objects.filter(approved_at__isnull=False, starts_at__lt=end, ends_at__gt=start)
        .only("starts_at", "ends_at", "reason")
        .order_by("starts_at", "pk")
    )
    agg = HealthSample.objects.filter(component=GAP_COMPONENT, at__gte=start, at__lt=end).aggregate(
        n=Count("pk"), first=Min("at"), last=Max("at")
    )

    def span(s: StopInterval) -> Span:
        return (s.started_at, s.ended_at or end)

    excluded = merge(
        clip(
            [(p.starts_at, p.ends_at) for p in planned]
            + [span(s) for s in stops if s.city_network and not s.partial],
            start,
            end,
        )
    )
    # availability() only counts gaps between samples; the stretches before the first and
    # after the last sample of the month are missing monitoring just the same.
    tolerance = timedelta(minutes=GAP_TOLERANCE_MINUTES)
    edge: list[Span] = []
    if agg["n"]:
        if agg["first"] - start > tolerance:
            edge.append((start, agg["first"]))
        if end - agg["last"] > tolerance:
            edge.append((agg["last"], end))
    inner = list(figure.gaps)
    full = merge(clip([span(s) for s in stops if not s.partial and not s.city_network], start, end))
    extra = minutes_of(subtract(subtract(merge(edge), merge(full + inner)), excluded))
    unplanned = figure.unplanned_stop_minutes + extra
    gaps = subtract(merge(inner + edge), excluded)
    gap_minutes = minutes_of(gaps)
    service = figure.service_minutes
    ratio, absent = None, ""
    if not agg["n"]:
        absent = "当月の稼働監視の記録がないため算出できません（データ欠損）。"
    elif service <= 0:
        absent = "当月の全時間が計画停止または市ネットワーク障害のため、対象時間がありません。"
    elif 1 - gap_minutes / service < MIN_SAMPLE_COVERAGE:
        coverage = (1 - gap_minutes / service) * 100
        absent = (
            f"稼働監視の記録が対象時間の{coverage:.2f}%しかないため算出できません"
            f"（基準 {MIN_SAMPLE_COVERAGE * 100:.0f}%、データ欠損）。"
        )
    else:
        ratio = round((service - unplanned) / service * 100, 3)
    return MonthAvailability(
        figure, stops, planned, agg["n"], gaps, gap_minutes, unplanned, ratio, absent
    )


def _stop_rows(m: MonthAvailability, start: datetime, end: datetime) -> list[list]:
    rows: list[tuple[tuple, list]] = []
    planned_spans = merge(clip([(p.starts_at, p.ends_at) for p in m.planned], start, end))
    city_spans = merge(
        clip(
            [(s.started_at, s.ended_at or end) for s in m.stops if s.city_network],
            start,
            end,
        )
    )
    for p in m.planned:
        minutes = minutes_of(clip([(p.starts_at, p.ends_at)], start, end))
        rows.append(
            (
                (p.starts_at, 0, p.pk),
                [
                    p.starts_at,
                    p.ends_at,
                    round(minutes),
                    f"計画停止（{p.reason}）",
                    None,
                    0,
                    "除外",
                    "市承認済みの計画停止",
                ],
            )
        )
    for s in m.stops:
        whole = clip([(s.started_at, s.ended_at or end)], start, end)
        minutes = minutes_of(whole)
        if s.partial:
            cause, counted, excluded, why = (
                "一部機能の停止",
                0,
                "対象外",
                "一部停止は稼働率に含めない",
            )
        elif s.city_network:
            cause, counted, excluded, why = "市ネットワーク障害", 0, "除外", "市のネットワーク障害"
        else:
            counted = minutes_of(subtract(whole, merge(planned_spans + city_spans)))
            cause = "障害による停止"
            excluded = "一部除外" if counted < minutes else "計上"
            why = "計画停止・市ネットワーク障害と重なる時間を除外" if counted < minutes else ""
        if s.functions:
            cause = f"{cause}（{s.functions}）"
        if s.ended_at is None or s.ended_at > end:
            why = f"{why}（月末時点で継続中）" if why else "月末時点で継続中"
        rows.append(
            (
                (s.started_at, 1, s.pk),
                [
                    s.started_at,
                    s.ended_at,
                    round(minutes),
                    cause,
                    s.incident.number,
                    round(counted),
                    excluded,
                    why,
                ],
            )
        )
    for i, (g_start, g_end) in enumerate(m.gaps):
        minutes = round(minutes_of([(g_start, g_end)]))
        rows.append(
            (
                (g_start, 2, i),
                [
                    g_start,
                    g_end,
                    minutes,
                    "稼働監視の記録なし",
                    None,
                    minutes,
                    "計上",
                    "監視記録が途切れた時間は停止として計上",
                ],
            )
        )
    return [row for _, row in sorted(rows, key=lambda r: r[0])]


def service_hours(period: Period) -> Section:
    section = Section("service_hours", "サービス提供時間（停止内訳）")
    m = _month_availability(period.start, period.end)
    if not m.samples and not m.stops and not m.planned:
        section.absent = (
            "当月の稼働監視の記録および停止の記録がないため、サービス提供時間を示せません。"
        )
        return section
    f = m.figure
    section.figures = [
        Figure("暦時間", round((period.end - period.start).total_seconds() / 3600, 2), "時間"),
        Figure(
            "サービス提供予定時間",
            round(f.service_minutes / 60, 2),
            "時間",
            note="24時間×日数から計画停止・市ネットワーク障害の時間を除いた時間",
        ),
        Figure("計画停止（市承認済み・除外）", round(f.planned_minutes), "分"),
        Figure("市ネットワーク障害による停止（除外）", round(f.city_network_minutes), "分"),
        Figure(
            "計画外停止（障害・監視記録の欠落を含む）",
            round(m.unplanned_minutes),
            "分",
        ),
        Figure(
            "うち稼働監視の記録の欠落",
            round(m.gap_minutes) if m.samples else None,
            "分",
            absent="稼働監視の記録なし",
        ),
        Figure("一部機能の停止（稼働率に含めない）", round(f.partial_stop_minutes), "分"),
        Figure("稼働率", m.ratio, "%", absent=m.absent or NO_DATA),
    ]
    section.tables.append(
        Table(
            "停止の内訳",
            [
                "開始",
                "終了",
                "時間（分）",
                "区分",
                "障害番号",
                "計上した停止（分）",
                "除外",
                "理由",
            ],
            _stop_rows(m, period.start, period.end),
            empty="当月の停止・計画停止・監視記録の欠落はありません。",
        )
    )
    categories, values = [], []
    for label, start, end in _month_bounds(period):
        categories.append(label)
        values.append(m.ratio if start == period.start else _month_availability(start, end).ratio)
    section.charts.append(
        Chart("稼働率の推移（直近12か月）", categories, [Series("稼働率", values)], "%", "line")
    )
    section.notes = [
        "稼働率 =（対象時間 − 計画外停止時間）÷ 対象時間。対象時間は24時間×日数から市承認済みの"
        "計画停止と市ネットワーク障害による停止を除いた時間。",
        "稼働監視（データベースの毎分の記録）が途切れた時間は停止として計上し、記録が対象時間の"
        f"{MIN_SAMPLE_COVERAGE * 100:.0f}%に満たない月は稼働率をデータ欠損として示す（グラフは空白）。",
        "月末時点で継続中の停止は月末までの時間を計上。未承認の計画停止は除外していない。",
    ]
    return section


# --- maintenance -----------------------------------------------------------------------------------


def maintenance(period: Period) -> Section:
    section = Section("maintenance", "保守作業状況（作業実績・死活監視・ログ監視）")
    categories = dict(RoutineOperation.Category.choices)
    frequencies = dict(RoutineOperation.Frequency.choices)

    # Work results: routine operations due this month, as they stood at month end.
    ops_rows = occurrence_counts_by_operation(period.first, period.last, as_of=period.end)
    totals = {k: sum(r[k] for r in ops_rows) for k in ("planned", "on_time", "late", "not_done")}
    no_ops = "当月に期限の定常運用はありません"
    section.figures += [
        Figure("定常運用（予定）", totals["planned"] or None, "件", absent=no_ops),
        Figure("期限内に実施", totals["on_time"] if ops_rows else None, "件", absent=no_ops),
        Figure("遅延して実施", totals["late"] if ops_rows else None, "件", absent=no_ops),
        Figure("月末時点で未実施", totals["not_done"] if ops_rows else None, "件", absent=no_ops),
        Figure("期限内実施率", _pct(totals["on_time"], totals["planned"]), "%", absent=no_ops),
    ]
    section.tables.append(
        Table(
            "作業実績（定常運用）",
            [
                "作業",
                "分類",
                "頻度",
                "予定",
                "期限内",
                "遅延",
                "未実施（月末時点）",
                "うち翌月以降に実施",
            ],
            [
                [
                    r["operation__name"],
                    categories.get(r["operation__category"], r["operation__category"]),
                    frequencies.get(r["operation__frequency"], r["operation__frequency"]),
                    r["planned"],
                    r["on_time"],
                    r["late"],
                    r["not_done"],
                    r["done_after"],
                ]
                for r in ops_rows
            ],
            empty="当月に期限の定常運用はありません。",
        )
    )

    # Alive monitoring: the per-minute health samples of each component.
    samples = list(
        HealthSample.objects.filter(at__gte=period.start, at__lt=period.end)
        .values("component")
        .annotate(n=Count("pk"), down=Count("pk", filter=Q(ok=False)), first=Min("at"))
        .annotate(last=Max("at"))
        .order_by("component")
    )
    expected = round((period.end - period.start).total_seconds() / 60)
    no_samples = "当月の死活監視の記録はありません"
    m = _month_availability(period.start, period.end) if samples else None
    section.figures += [
        Figure("死活監視の記録", sum(r["n"] for r in samples) or None, "件", absent=no_samples),
        Figure(
            "異常（応答なし）の記録",
            sum(r["down"] for r in samples) if samples else None,
            "件",
            absent=no_samples,
        ),
        Figure(
            "監視記録の途切れ（データベース）",
            round(m.gap_minutes) if m and m.samples else None,
            "分",
            absent=no_samples if not samples else "データベースの監視記録なし",
            note=f"{GAP_TOLERANCE_MINUTES}分を超えて記録がない時間（計画停止等を除く）",
        ),
    ]
    section.tables.append(
        Table(
            "死活監視（構成要素ごと）",
            ["構成要素", "記録数", "異常の記録", "欠測（分・概算）", "最初の記録", "最後の記録"],
            [
                [
                    r["component"],
                    r["n"],
                    r["down"],
                    max(expected - r["n"], 0),
                    r["first"],
                    r["last"],
                ]
                for r in samples
            ],
            empty="当月の死活監視の記録はありません。",
            note="毎分1件の記録を前提に、当月の分数との差を欠測として示す。",
        )
    )

    # Log monitoring: the product records only what monitoring turned into incidents.
    detected = list(
        Incident.objects.filter(
            source=Incident.Source.MONITORING,
            aware_at__gte=period.start,
            aware_at__lt=period.end,
        )
        .values("monitored_component", "kind")
        .annotate(n=Count("pk"))
        .order_by("monitored_component", "kind")
    )
    by_target: dict[tuple[str, str], int] = {}
    for r in detected:
        target = r["monitored_component"] or "（不明）"
        if target.startswith("axes:"):
            target = "ログイン失敗の監視"
        key = (target, KIND_LABELS.get(r["kind"], r["kind"]))
        by_target[key] = by_target.get(key, 0) + r["n"]
    section.figures.append(
        Figure(
            "監視による障害の起票",
            sum(by_target.values()) if samples or by_target else None,
            "件",
            absent="当月は監視の記録がなく、監視による検知の有無を示せません",
        )
    )
    section.tables.append(
        Table(
            "ログ監視（監視による障害の起票）",
            ["監視対象", "種別", "件数"],
            [[t, k, n] for (t, k), n in sorted(by_target.items())],
            empty="当月に監視から起票された障害はありません。",
        )
    )
    section.notes = [
        "作業実績は当月に期限のある定常運用の実施状況（" + AS_OF_NOTE + "）。"
        "成果物の納品期限の判定はSLA報告を参照。",
        "ログ監視: アプリケーション・OSのログ監視のアラートそのものは"
        f"{NO_SOURCE}（監視から起票された障害のみ記録）。",
    ]
    if not ops_rows and not samples and not by_target:
        section.absent = (
            "当月の定常運用の予定、死活監視の記録、監視による障害の起票はいずれもありません。"
        )
    return section


# --- incident monitoring ---------------------------------------------------------------------------


def _month_incidents(period: Period):
    return Incident.objects.filter(aware_at__gte=period.start, aware_at__lt=period.end)


def _status_at_end(incidents: list[Incident], period: Period) -> dict[int, str]:
    """Status at month end from history; without history, from the recovery time (the only
    dated fact), and 完了 cannot be told apart from 復旧 then."""
    known = incident_status_as_of([i.pk for i in incidents], period.end)
    result = {}
    for i in incidents:
        if i.pk in known:
            result[i.pk] = STATUS_LABELS.get(known[i.pk], known[i.pk])
        elif i.recovered_at and i.recovered_at < period.end:
            result[i.pk] = STATUS_LABELS[Incident.Status.RECOVERED]
        else:
            result[i.pk] = STATUS_LABELS[Incident.Status.OPEN]
    return result


def _milestone_rows(period: Period) -> list[list]:
    clocks = (
        MilestoneClock.objects.filter(
            definition__profile=period.profile,
            incident__aware_at__gte=period.start,
            incident__aware_at__lt=period.end,
        )
        .select_related("definition")
        .order_by("definition__order", "definition__code", "pk")
    )
    per: dict[tuple, list[int]] = {}
    with using_calendar(BusinessCalendar.load(period.profile)):
        for clock in clocks:  # at most the month's incidents × milestones
            d = clock.definition
            key = (d.order, d.code, d.name, d.target if d.unit != "agreed" else None)
            counts = per.setdefault(key, [0, 0, 0])
            if clock.stopped_at is not None and clock.stopped_at < period.end:
                counts[0 if clock_rules.met(clock) else 1] += 1
            else:
                counts[2] += 1
    rows = []
    for (_order, _code, name, target), (ok, missed, running) in sorted(per.items()):
        target_text = "都度合意" if target is None else f"{target}分"
        rows.append([name, target_text, ok + missed + running, ok, missed, running])
        rows[-1].append(_pct(ok, ok + missed))
    return rows


def incident_monitoring(period: Period) -> Section:
    section = Section("incident_monitoring", "障害監視状況")
    month = _month_incidents(period)
    incidents = list(
        month.only(
            "number", "title", "aware_at", "severity", "kind", "source", "recovered_at", "status"
        ).order_by("aware_at", "number")
    )
    monitored = HealthSample.objects.filter(at__gte=period.start, at__lt=period.end).exists()
    open_at_end = (
        Incident.objects.filter(aware_at__lt=period.end)
        .filter(Q(recovered_at__isnull=True) | Q(recovered_at__gte=period.end))
        .count()
    )
    if not incidents and not monitored and not open_at_end:
        section.absent = "当月の障害の記録および監視の記録はありません。"
        return section
    section.figures = [
        Figure(
            "当月に認知した障害",
            len(incidents) if incidents or monitored else None,
            "件",
            absent="当月は監視の記録がなく、障害が無かったとは言えません",
        ),
        Figure("月末時点で未復旧の障害（前月以前の認知を含む）", open_at_end, "件"),
    ]
    breakdown = []
    for field, label, names in (
        ("severity", "重大度", None),
        ("kind", "種別", KIND_LABELS),
        ("source", "発見経路", SOURCE_LABELS),
        ("monitored_component", "監視対象", None),
    ):
        for r in month.values(field).annotate(n=Count("pk")).order_by(field):
            value = r[field]
            if field == "severity":
                value = f"{value}"
            elif names:
                value = names.get(value, value)
            else:
                value = (
                    "ログイン失敗の監視" if value.startswith("axes:") else value or "（監視以外）"
                )
            breakdown.append([label, value, r["n"]])
    section.tables.append(
        Table(
            "当月に認知した障害の内訳",
            ["分類", "区分", "件数"],
            breakdown,
            empty="当月に認知した障害はありません。",
            note="重大度は1が最も重大（1〜4）。",
        )
    )
    section.tables.append(
        Table(
            "マイルストーンの遵守状況（当月に認知した障害）",
            [
                "マイルストーン",
                "目標",
                "対象",
                "期限内",
                "期限超過",
                "月末時点で未完了",
                "遵守率（%）",
            ],
            _milestone_rows(period),
            empty="当月に計測したマイルストーンはありません。",
            note="遵守率は月末までに完了したものについて。未完了は判定に含めない。",
        )
    )
    status = _status_at_end(incidents, period)
    section.tables.append(
        Table(
            "当月の障害一覧",
            ["障害番号", "件名", "認知日時", "重大度", "種別", "状態（月末時点）", "復旧日時"],
            [
                [
                    i.number,
                    i.title,
                    i.aware_at,
                    i.severity,
                    KIND_LABELS.get(i.kind, i.kind),
                    status[i.pk],
                    i.recovered_at,
                ]
                for i in incidents
            ],
            empty="当月に認知した障害はありません。",
        )
    )
    section.notes = [
        AS_OF_NOTE,
        "状態は障害の変更履歴から、履歴がない場合は復旧日時から判断（この場合「完了」は「復旧」と表示）。",
    ]
    return section


# --- troubles ------------------------------------------------------------------------------------


def _problem_rows(period: Period) -> list[list]:
    touched = set(
        Problem.history.filter(history_date__gte=period.start, history_date__lt=period.end)
        .values_list("id", flat=True)
        .distinct()
    ) | set(
        Problem.objects.filter(
            resolved_on__gte=period.first, resolved_on__lte=period.last
        ).values_list("pk", flat=True)
    )
    if not touched:
        return []
    opened = set(
        Problem.history.filter(
            id__in=touched,
            history_type="+",
            history_date__gte=period.start,
            history_date__lt=period.end,
        ).values_list("id", flat=True)
    )
    snapshot = {
        h.id: h
        for h in Problem.history.filter(id__in=touched, history_date__lt=period.end)
        .order_by("id", "-history_date", "-history_id")
        .distinct("id")
    }
    current = {
        p.pk: p
        for p in Problem.objects.filter(pk__in=touched).annotate(
            n=Count("incidents", filter=Q(incidents__aware_at__lt=period.end))
        )
    }
    rows = []
    for pk in sorted(touched):
        p = snapshot.get(pk, current[pk])
        events = ["新規"] if pk in opened else []
        if p.resolved_on and period.first <= p.resolved_on <= period.last:
            events.append("解決")
        event = "・".join(events) or "更新"
        rows.append(
            [
                p.title,
                event,
                PROBLEM_LABELS.get(p.status, p.status),
                _text(p.root_cause),
                _text(p.permanent_fix),
                p.resolved_on,
                current[pk].n,
            ]
        )
    return rows


def troubles(period: Period) -> Section:
    section = Section("troubles", "トラブル報告")
    recovered = Q(recovered_at__gte=period.start, recovered_at__lt=period.end)
    closed = incidents_first_closed_between(period.start, period.end)
    incidents = list(
        Incident.objects.filter(recovered | Q(pk__in=closed))
        .select_related("problem")
        .order_by("recovered_at", "aware_at", "number")
    )
    problems = _problem_rows(period)
    if not incidents and not problems:
        section.absent = (
            "当月に復旧・完了した障害、および動きのあった問題（根本原因）はありません。"
        )
        return section
    status = _status_at_end(incidents, period)
    section.figures = [
        Figure("当月に復旧・完了した障害", len(incidents), "件"),
        Figure(
            "うち予防策・是正策が未記入",
            sum(1 for i in incidents if not i.prevention.strip()),
            "件",
        ),
        Figure("当月に動きのあった問題（根本原因）", len(problems), "件"),
    ]
    section.tables.append(
        Table(
            "障害の原因・対応・予防策",
            [
                "障害番号",
                "件名",
                "認知日時",
                "復旧日時",
                "状態（月末時点）",
                "原因",
                "対応内容",
                "予防策・是正策",
                "人的要因（事業者）",
                "関連する問題",
            ],
            [
                [
                    i.number,
                    i.title,
                    i.aware_at,
                    i.recovered_at,
                    status[i.pk],
                    _text(i.cause),
                    _text(i.countermeasure),
                    _text(i.prevention),
                    "あり" if i.vendor_caused else "なし",
                    i.problem.title if i.problem else None,
                ]
                for i in incidents
            ],
            empty="当月に復旧・完了した障害はありません。",
        )
    )
    section.tables.append(
        Table(
            "問題（根本原因）の状況",
            [
                "件名",
                "当月の動き",
                "状態（月末時点）",
                "根本原因",
                "恒久対策",
                "解決日",
                "関連障害",
            ],
            problems,
            empty="当月に新規・更新・解決した問題はありません。",
            note="関連障害は月末までに認知した障害の件数。",
        )
    )
    section.notes = [
        AS_OF_NOTE,
        "対象は当月に復旧した障害と、当月に初めて完了となった障害。原因等の文章は月末時点ではなく"
        "現在の記録。",
    ]
    return section
