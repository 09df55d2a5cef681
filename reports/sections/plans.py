"""Sections of the monthly meeting report about plans: SLA results, next month, proposals.

- ``sla_results``: the SLA items judging the month with the stored ``sla.Result`` of each,
  and 12-month trends of availability and response time.
- ``next_month``: what is scheduled for the month after the report's month.
- ``proposals``: the improvement plans (改善策) and the recurrence-prevention measures
  (恒久対策) decided for problems.

Nothing here computes or writes: an SLA month that was never computed is said to be so in
words (computing it would run every rule against the live records, write caches and
improvement plans, and measure a running month up to "now" — not a read, not repeatable).
Case contents are never read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Count, Min, Q

from incidents.models import PlannedStop, Problem
from ops.models.registry import (
    PATCH_DAYS,
    VIRUS_DEFINITION_DAYS,
    Licence,
    Patch,
    SoftwareItem,
    VirusDefinitionUpdate,
)
from ops.models.routine import RoutineOccurrence, RoutineOperation, TrainingSession
from reports.models.meetings import Meeting
from reports.sections.base import (
    JST,
    Chart,
    Figure,
    Period,
    Section,
    Series,
    Table,
    choice_label,
    day_label,
    month_label,
    short_month,
)
from sla.models import ImprovementPlan, Item, Result
from sla.selectors import catalog as sla_catalog
from sla.selectors import results as sla_results_selectors

MONTHLY_PERIODS = (Item.Period.MONTHLY, Item.Period.PER_EVENT)
AVAILABILITY_RULES = ("availability",)
RESPONSE_RULES = ("response_search", "response_update", "response_transition")
# A daily operation would list thirty dates; beyond this many the cell gives the range.
MAX_LISTED_DATES = 10
NOT_COMPUTED = "未算出"


def _as_of(period: Period) -> datetime:
    """The last instant of the month: history recorded at period.end itself belongs to the
    next month."""
    return period.end - timedelta(microseconds=1)


def _day(value: datetime | None) -> date | None:
    return value.astimezone(JST).date() if value is not None else None


# --- SLA実績 ---------------------------------------------------------------------------------


def _unit(item: Item) -> str:
    if item.unit == Item.Unit.PERCENT:
        return "%"
    if item.unit == Item.Unit.TEXT:
        return ""
    return choice_label(Item.Unit.choices, item.unit)


def _trend_chart(
    title: str, items: list[Item], months: list[date], profile: str, unit: str
) -> Chart | None:
    if not items:
        return None
    found = sla_results_selectors.trend(profile, months, [i.number for i in items])
    series = []
    for item in items:
        by_month = found.get(item.number, {})
        values: list[float | None] = []
        for month in months:
            result = by_month.get(month)
            values.append(
                float(result.value) if result is not None and result.value is not None else None
            )
        series.append(Series(f"#{item.number} {item.name}", values))
    return Chart(title, [short_month(m) for m in months], series, unit=unit, kind="line")


def sla_results(period: Period) -> Section:
    """Each SLA item judging the month, its target and the stored result of the month."""
    section = Section("sla", "SLA実績")
    policy = sla_catalog.policy_for_month(period.profile, period.month)
    if policy is None:
        section.absent = f"{period.label}に適用される承認済みのSLA（項目定義）がありません。"
        return section
    all_items = list(sla_catalog.items_for_month(period.profile, period.month))
    items = [i for i in all_items if i.period in MONTHLY_PERIODS]
    yearly = len(all_items) - len(items)
    results = sla_results_selectors.results_for(items, period.first, period.last)
    section.notes.append(
        f"判定に用いた版: {policy.name} 第{policy.version}版（{period.label}1日に適用中の版）。"
    )
    if yearly:
        section.notes.append(f"年次の項目（{yearly}項目）は年度の実績報告で判定します。")
    if not items:
        section.absent = f"{period.label}に月次で判定するSLA項目はありません。"
        return section
    if not results:
        section.absent = (
            f"{period.label}のSLA実績はまだ算出されていません"
            "（SLA画面で当月の実績を算出すると反映されます）。"
        )
        return section

    rows = []
    counts = {"met": 0, "missed": 0, "other": 0}
    for item in items:
        result: Result | None = results.get(item.pk)
        if result is None:
            counts["other"] += 1
            rows.append(
                [
                    item.number,
                    item.name,
                    sla_catalog.target_label(item),
                    None,
                    "",
                    NOT_COMPUTED,
                    None,
                    None,
                    None,
                ]
            )
            continue
        key = result.state if result.state in ("met", "missed") else "other"
        counts[key] += 1
        value = result.value if result.value is not None else (result.value_text or None)
        rows.append(
            [
                item.number,
                item.name,
                sla_catalog.target_label(item),
                value,
                _unit(item) if result.value is not None else "",
                choice_label(Result.State.choices, result.state),
                result.in_scope,
                result.excluded,
                result.computed_at.astimezone(JST),
            ]
        )
    section.figures = [
        Figure("達成", counts["met"], "項目"),
        Figure("未達", counts["missed"], "項目"),
        Figure(
            "その他（対象なし・データ欠損・確認待ち・未算出）",
            counts["other"],
            "項目",
        ),
    ]
    section.tables.append(
        Table(
            f"{period.label}のSLA実績",
            ["番号", "項目", "目標", "実績", "単位", "判定", "対象件数", "除外件数", "算出日時"],
            rows,
            empty="当月に判定するSLA項目はありません。",
            note="実績が空欄の項目は、値がないこと（対象なし・データ欠損など）を示します。",
        )
    )
    missing = sum(1 for i in items if i.pk not in results)
    if missing:
        section.notes.append(f"{missing}項目は当月の実績が未算出です（0とは扱いません）。")
    early = sum(1 for r in results.values() if r.computed_at < period.end)
    if early:
        section.notes.append(
            f"{early}項目の実績は月の途中に算出した途中経過です（月末後の再算出で確定します）。"
        )

    months = period.previous_months(12)
    availability = [i for i in items if i.rule in AVAILABILITY_RULES]
    response = [i for i in items if i.rule in RESPONSE_RULES]
    for chart in (
        _trend_chart("稼働率の推移（12か月）", availability, months, period.profile, "%"),
        _trend_chart("応答時間の推移（12か月）", response, months, period.profile, "秒"),
    ):
        if chart is not None:
            section.charts.append(chart)
    if section.charts:
        section.notes.append(
            "推移は各月に保存された算出結果です。未算出・値のない月は空白です（0ではありません）。"
        )
    return section


# --- 翌月の予定 -------------------------------------------------------------------------------


def _dates_cell(days: list[date]) -> str:
    if len(days) > MAX_LISTED_DATES:
        return f"{day_label(days[0])}〜{day_label(days[-1])}（{len(days)}回）"
    return "、".join(day_label(d) for d in days)


def _routine_table(first: date, last: date) -> Table:
    grouped = (
        RoutineOccurrence.objects.filter(due_date__gte=first, due_date__lte=last)
        .values("operation_id", "operation__name", "operation__category", "operation__frequency")
        .annotate(n=Count("pk"), days=ArrayAgg("due_date", order_by="due_date"))
        .order_by("operation__category", "operation__name", "operation_id")
    )
    rows = [
        [
            g["operation__name"],
            choice_label(RoutineOperation.Category.choices, g["operation__category"]),
            choice_label(RoutineOperation.Frequency.choices, g["operation__frequency"]),
            g["n"],
            _dates_cell(g["days"]),
        ]
        for g in grouped
    ]
    return Table(
        "定例作業の予定",
        ["作業", "分類", "頻度", "回数", "予定日"],
        rows,
        empty="翌月に予定されている定例作業は登録されていません。",
    )


def _planned_stop_table(start: datetime, end: datetime) -> Table:
    stops = (
        PlannedStop.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "pk")
        .values("starts_at", "ends_at", "reason", "approved_at")
    )
    rows = [
        [
            s["starts_at"].astimezone(JST),
            s["ends_at"].astimezone(JST),
            s["reason"],
            "承認済" if s["approved_at"] else "市の承認待ち",
        ]
        for s in stops
    ]
    return Table(
        "計画停止",
        ["開始予定", "終了予定", "理由", "承認"],
        rows,
        empty="翌月に開始する計画停止は登録されていません。",
    )


def _meeting_table(profile: str, month: date) -> Table:
    meetings = (
        Meeting.objects.filter(profile=profile, year=month.year, month=month.month)
        .order_by("held_at", "pk")
        .values("held_at", "place")
    )
    rows = [[m["held_at"].astimezone(JST), m["place"]] for m in meetings]
    return Table(
        "次回の定例報告会議",
        ["開催日時", "場所"],
        rows,
        empty=f"{month_label(month)}の定例報告会議はまだ登録されていません。",
    )


def _patch_table(first: date, last: date, at: datetime) -> Table:
    shift = timedelta(days=PATCH_DAYS)
    rows = [
        [
            p["identifier"],
            p["title"],
            p["software__name"],
            p["released_on"],
            p["released_on"] + shift,
        ]
        for p in Patch.history.as_of(at)
        .filter(released_on__gte=first - shift, released_on__lte=last - shift)
        .filter(Q(applied_on__isnull=True) | Q(applied_on__gt=at.date()))
        .exclude(decision=Patch.Decision.NOT_APPLICABLE)
        .values("identifier", "title", "software__name", "released_on")
        .order_by("released_on", "software__name", "identifier")
    ]
    return Table(
        "パッチの適用期限（公開から30日）",
        ["識別子", "件名", "対象ソフトウェア", "公開日", "適用期限"],
        rows,
        empty="翌月に適用期限を迎える未適用のパッチはありません（当月末時点）。",
    )


def _virus_table(first: date, last: date, at: datetime) -> Table:
    shift = timedelta(days=VIRUS_DEFINITION_DAYS)
    rows = [
        [v["server__name"], v["definition_version"], v["released_on"], v["released_on"] + shift]
        for v in VirusDefinitionUpdate.history.as_of(at)
        .filter(released_on__gte=first - shift, released_on__lte=last - shift)
        .filter(Q(applied_on__isnull=True) | Q(applied_on__gt=at.date()))
        .filter(covered_by__isnull=True)
        .values("server__name", "definition_version", "released_on")
        .order_by("released_on", "server__name", "definition_version")
    ]
    return Table(
        "ウイルス定義の適用期限（公開から7日）",
        ["サーバー", "定義バージョン", "公開日", "適用期限"],
        rows,
        empty="翌月に適用期限を迎える未適用のウイルス定義はありません（当月末時点）。",
    )


def _licence_table(first: date, last: date, at: datetime) -> Table:
    rows = [
        [lic["name"], lic["holder"], lic["count"], lic["expires_on"]]
        for lic in Licence.history.as_of(at)
        .filter(expires_on__gte=first, expires_on__lte=last)
        .values("name", "holder", "count", "expires_on")
        .order_by("expires_on", "name", "holder")
    ]
    return Table(
        "ライセンスの期限",
        ["ライセンス", "名義", "数", "期限"],
        rows,
        empty="翌月に期限を迎えるライセンスはありません（当月末時点の登録）。",
    )


def _support_table(first: date, last: date, at: datetime) -> Table:
    rows = [
        [
            s["name"],
            choice_label(SoftwareItem.Category.choices, s["category"]),
            s["vendor"],
            s["support_ends_on"],
        ]
        for s in SoftwareItem.history.as_of(at)
        .filter(support_ends_on__gte=first, support_ends_on__lte=last)
        .values("name", "category", "vendor", "support_ends_on")
        .order_by("support_ends_on", "name", "vendor")
    ]
    return Table(
        "ソフトウェアのサポート終了",
        ["名称", "分類", "提供元", "サポート終了日"],
        rows,
        empty="翌月にサポート終了を迎えるソフトウェアはありません（当月末時点の登録）。",
    )


def _training_table(first: date, last: date) -> Table:
    sessions = (
        TrainingSession.objects.filter(planned_date__gte=first, planned_date__lte=last)
        .exclude(status=TrainingSession.Status.CANCELLED)
        .order_by("planned_date", "title", "pk")
        .values("title", "planned_date", "status")
    )
    rows = [
        [s["title"], s["planned_date"], choice_label(TrainingSession.Status.choices, s["status"])]
        for s in sessions
    ]
    return Table(
        "研修",
        ["研修名", "予定日", "状態"],
        rows,
        empty="翌月に予定されている研修はありません。",
    )


def _plan_due_table(profile: str, first: date, last: date, at: datetime) -> Table:
    plans = sla_results_selectors.improvement_plans_as_of(profile, at).filter(
        Q(policy_due__gte=first, policy_due__lte=last, policy_reported_at__isnull=True)
        | Q(completion_due__gte=first, completion_due__lte=last, completed_at__isnull=True)
    )
    rows = []
    for p in plans.values(
        "item__number",
        "item__order",
        "item__name",
        "period_start",
        "status",
        "policy_due",
        "completion_due",
        "policy_reported_at",
    ).order_by("period_start", "item__order", "item__number"):
        if first <= p["policy_due"] <= last and p["policy_reported_at"] is None:
            kind, due = "改善方針の報告", p["policy_due"]
        else:
            kind, due = "改善の完了", p["completion_due"]
        rows.append(
            [
                p["item__number"],
                p["item__name"],
                month_label(p["period_start"]),
                kind,
                due,
                choice_label(ImprovementPlan.Status.choices, p["status"]),
            ]
        )
    rows.sort(key=lambda r: (r[4], r[2], str(r[0])))
    return Table(
        "SLA改善策の期限",
        ["項目番号", "項目", "未達の月", "期限の種類", "期限", "状態（当月末時点）"],
        rows,
        empty="翌月に期限を迎える改善策はありません。",
    )


def next_month(period: Period) -> Section:
    """What is scheduled for period.next_month."""
    nxt = Period(period.next_month, period.profile)
    at = _as_of(period)
    section = Section("next_month", "翌月の予定")
    section.tables = [
        _routine_table(nxt.first, nxt.last),
        _planned_stop_table(nxt.start, nxt.end),
        _meeting_table(period.profile, nxt.month),
        _patch_table(nxt.first, nxt.last, at),
        _virus_table(nxt.first, nxt.last, at),
        _licence_table(nxt.first, nxt.last, at),
        _support_table(nxt.first, nxt.last, at),
        _training_table(nxt.first, nxt.last),
        _plan_due_table(period.profile, nxt.first, nxt.last, at),
    ]
    section.notes = [
        f"対象は{nxt.label}（{nxt.first:%Y-%m-%d}〜{nxt.last:%Y-%m-%d}）です。",
        "定例作業・計画停止・会議・研修は報告書作成時点の登録内容です。",
        "パッチ・ウイルス定義・ライセンス・サポート終了・改善策は当月末日の終わり"
        f"（{period.last:%Y-%m-%d} 24:00）時点の登録内容（変更履歴）で判定しています。",
        "定例作業・計画停止・パッチ・ウイルス定義・ライセンス・研修は自治体の区別なく"
        "このシステム全体の記録です。",
    ]
    return section


# --- 改善提案 ---------------------------------------------------------------------------------


def _plan_state(p: dict, at: datetime) -> str:
    """The plan's state at ``at`` from its timestamps, so it matches the month."""
    if p["completed_at"] is not None and p["completed_at"] <= at:
        return choice_label(ImprovementPlan.Status.choices, ImprovementPlan.Status.COMPLETED)
    if p["policy_reported_at"] is not None and p["policy_reported_at"] <= at:
        return choice_label(ImprovementPlan.Status.choices, ImprovementPlan.Status.POLICY_REPORTED)
    return choice_label(ImprovementPlan.Status.choices, ImprovementPlan.Status.OPEN)


def _in(value: datetime | None, period: Period) -> bool:
    return value is not None and period.start <= value < period.end


def _plans_table(period: Period, at: datetime) -> tuple[Table, dict[str, int]]:
    edited = set(
        sla_results_selectors.improvement_plans_edited(period.profile, period.start, period.end)
    )
    plans = (
        sla_results_selectors.improvement_plans_as_of(period.profile, at)
        .filter(opened_at__lt=period.end)
        .filter(Q(completed_at__isnull=True) | Q(completed_at__gte=period.start))
        .values(
            "id",
            "item__number",
            "item__order",
            "item__name",
            "period_start",
            "opened_at",
            "policy_reported_at",
            "completed_at",
            "policy_due",
            "completion_due",
            "policy_text",
        )
        .order_by("period_start", "item__order", "item__number", "id")
    )
    counts = {"opened": 0, "reported": 0, "completed": 0, "open": 0, "overdue": 0}
    rows = []
    for p in plans:
        moves = []
        if _in(p["opened_at"], period):
            moves.append("起票")
            counts["opened"] += 1
        if _in(p["policy_reported_at"], period):
            moves.append("方針報告")
            counts["reported"] += 1
        if _in(p["completed_at"], period):
            moves.append("完了")
            counts["completed"] += 1
        if not moves and p["id"] in edited:
            moves.append("更新")
        done = p["completed_at"] is not None
        if not done:
            counts["open"] += 1
            reported = p["policy_reported_at"] is not None
            if p["completion_due"] <= period.last or (
                not reported and p["policy_due"] <= period.last
            ):
                counts["overdue"] += 1
        rows.append(
            [
                p["item__number"],
                p["item__name"],
                month_label(p["period_start"]),
                _day(p["opened_at"]),
                _plan_state(p, at),
                p["policy_due"],
                p["completion_due"],
                p["policy_text"] or None,
                "・".join(moves) or None,
            ]
        )
    table = Table(
        "SLA改善策",
        [
            "項目番号",
            "項目",
            "未達の月",
            "起票日",
            "状態（当月末時点）",
            "方針報告期限",
            "改善完了期限",
            "改善方針",
            "当月の動き",
        ],
        rows,
        empty="当月に対応中・完了した改善策はありません。",
        note="当月中に一度でも未完了だった改善策（当月完了を含む）です。",
    )
    return table, counts


def _problems_table(period: Period, at: datetime) -> Table:
    # A problem's permanent fix is proposed the first time it is recorded; only the history
    # knows when that was.
    proposed = (
        Problem.history.exclude(permanent_fix="")
        .filter(history_date__lte=at)
        .values("id")
        .annotate(first=Min("history_date"))
        .filter(first__gte=period.start)
    )
    firsts = {r["id"]: r["first"] for r in proposed}
    rows = []
    if firsts:
        for p in (
            Problem.history.as_of(at)
            .filter(id__in=list(firsts))
            .values("id", "title", "permanent_fix", "status", "resolved_on")
        ):
            rows.append(
                [
                    _day(firsts[p["id"]]),
                    p["title"],
                    p["permanent_fix"],
                    choice_label(Problem.Status.choices, p["status"]),
                    p["resolved_on"],
                    p["id"],
                ]
            )
    rows.sort(key=lambda r: (r[0], r[5]))
    return Table(
        "再発防止策（問題管理の恒久対策）",
        ["立案日", "問題", "恒久対策", "状態（当月末時点）", "解決日"],
        [r[:5] for r in rows],
        empty="当月に立案された恒久対策はありません。",
    )


def proposals(period: Period) -> Section:
    """Improvement proposals of the month: SLA improvement plans and permanent fixes."""
    section = Section("proposals", "改善提案")
    at = _as_of(period)
    policy = sla_catalog.policy_for_month(period.profile, period.month)
    plans_table, counts = _plans_table(period, at)
    problems_table = _problems_table(period, at)
    if policy is None and not plans_table.rows:
        section.notes.append(
            f"{period.label}に適用される承認済みのSLAがないため、改善策は対象外です。"
        )
        section.figures = [
            Figure("改善策", None, absent=f"{period.label}に適用されるSLAがありません")
        ]
    else:
        # Plans are opened when a finished month is computed; with no results for this
        # month or the one before, "none opened" would only mean "not computed yet".
        months = period.previous_months(2)
        computed = sla_results_selectors.monthly_results(period.profile, months).exists()
        opened = (
            Figure("当月起票の改善策", counts["opened"], "件")
            if computed or counts["opened"]
            else Figure(
                "当月起票の改善策",
                None,
                absent="前月・当月のSLA実績が未算出のため未確定",
            )
        )
        section.figures = [
            opened,
            Figure("当月に方針報告した改善策", counts["reported"], "件"),
            Figure("当月に完了した改善策", counts["completed"], "件"),
            Figure("当月末時点で未完了の改善策", counts["open"], "件"),
            Figure("うち期限超過", counts["overdue"], "件"),
        ]
    section.figures.append(Figure("当月立案の恒久対策", len(problems_table.rows), "件"))
    section.tables = [plans_table, problems_table]
    section.notes += [
        "改善提案として扱うのは、SLA未達に対する改善策（原因・改善方針を市へ報告し完了まで"
        "追跡するもの）と、問題管理で根本原因に対して立案した恒久対策（再発防止策）です。",
        "問い合わせ連絡票の暫定・恒久対応は個々の連絡票への作業（担当・期限つき）であり、"
        "提案ではないため含めません（連絡票一覧で報告します）。",
        "状態・改善方針は当月末日の終わり時点の記録（変更履歴）によります。"
        "恒久対策の立案日は、恒久対策が初めて記録された日です。",
        "問題管理は自治体の区別なくこのシステム全体の記録です。",
    ]
    return section


__all__ = ["next_month", "proposals", "sla_results"]
