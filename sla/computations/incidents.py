"""Incident items: counts (Sendai #12, #13), on-site arrival (#14) and the contract clocks —
notification, first-response and full-response notices, recovery as agreed (#15–#22) and
Kobe's notification ≤ 3 h and first isolation ≤ 12 h.

An incident belongs to the period in which it became known (aware_at). Each clock is judged
by incidents.clocks (its own unit: 24 h or business minutes, pauses approved and excluded,
agreed due times); a clock still running counts once its deadline has passed, and is left
out (listed) while it is still within it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch

from core.calendar import current_calendar
from core.timeutil import to_jst
from incidents import clocks as clock_rules
from incidents.models import ClockInterval, Incident, MilestoneClock, MilestoneDefinition
from sla.computations import MET, MISSED, Outcome, Row, rule
from sla.computations._common import (
    calendar_for,
    effective_end,
    fmt,
    fmt_dt,
    fmt_minutes,
    in_unit,
    judge_item,
    link,
    not_started,
    params,
    profile_of,
    rate,
    rate_outcome,
)
from sla.computations._common import now as _now

TIME_UNITS = ("seconds", "minutes", "hours", "days")


def _incidents(start: datetime, end: datetime, kinds=None):
    qs = Incident.objects.filter(aware_at__gte=start, aware_at__lt=end).order_by("aware_at", "pk")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs


# --- #12 / #13 counts ---------------------------------------------------------------------------


@rule("incident_count", "障害の発生件数（本番環境）")
def compute_incident_count(item, start: datetime, end: datetime) -> Outcome:
    """rule_params: kinds (default ["failure"]: security events are not system failures),
    vendor_caused (true for #13: only incidents recorded as the vendor's people's doing),
    exclude_city_network (default true: an incident whose every stop was the city's network)."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    p = params(item)
    kinds = p.get("kinds", [Incident.Kind.FAILURE])
    vendor_only = bool(p.get("vendor_caused", False))
    drop_city = bool(p.get("exclude_city_network", True))
    rows, excluded = [], []
    counted = 0
    for incident in _incidents(start, stop_at).prefetch_related("stops"):
        what = incident.number
        if kinds and incident.kind not in kinds:
            excluded.append((what, f"{incident.get_kind_display()}は対象外"))
            continue
        if vendor_only and not incident.vendor_caused:
            continue
        stops = list(incident.stops.all())
        if drop_city and stops and all(s.city_network for s in stops):
            excluded.append((what, "市のネットワーク障害"))
            continue
        counted += 1
        rows.append(
            Row(
                f"{incident.number}（認知 {fmt_dt(incident.aware_at)}）",
                "委託事業者の人的要因" if incident.vendor_caused else incident.get_kind_display(),
                None,
                link("incidents:detail", incident.pk),
            )
        )
    value = Decimal(counted)
    state = judge_item(item, value)
    for row in rows:
        row.ok = state != MISSED
    what = "委託事業者の人的要因による障害" if vendor_only else "障害"
    return Outcome(
        state=state,
        value=value,
        value_text=f"{counted}件",
        in_scope=counted,
        excluded=excluded,
        rows=rows,
        detail=(
            f"期間内に認知した{what}の件数（障害台帳の全件が本番環境のもの。"
            "セキュリティ事象と市ネットワーク障害のみのものは除外）。"
        ),
    )


# --- #14 on-site arrival ---------------------------------------------------------------------


@rule("onsite_arrival", "現地到着（検知後の翌営業開始時刻まで）")
def compute_onsite(item, start: datetime, end: datetime) -> Outcome:
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    rows, excluded = [], []
    counted = met = 0
    with calendar_for(item):
        cal = current_calendar()
        for incident in _incidents(start, stop_at):
            if not incident.onsite_needed:
                continue
            due = _opening_after(cal, incident.aware_at)
            arrived = incident.onsite_arrived_at
            label = f"{incident.number}（認知 {fmt_dt(incident.aware_at)}、期限 {fmt_dt(due)}）"
            url = link("incidents:detail", incident.pk)
            if arrived is None and due > at:
                excluded.append((incident.number, "到着期限前"))
                continue
            counted += 1
            ok = arrived is not None and arrived <= due
            met += ok
            rows.append(Row(label, f"到着 {fmt_dt(arrived)}" if arrived else "未到着", ok, url))
    return rate_outcome(
        item,
        counted=counted,
        met=met,
        rows=rows,
        excluded=excluded,
        what="現地対応の必要な障害",
        detail=(
            "現地対応が必要な障害について、認知後の最初の営業開始時刻（土日祝・年末年始を除く）"
            "までに現地に到着した割合を数えた。"
        ),
    )


def _opening_after(cal, at: datetime) -> datetime:
    local = to_jst(at)
    hours = cal.business_hours(local.date())
    if hours is not None and local.time() < hours[0]:
        return cal.next_business_opening(local)
    nxt = cal.next_business_day(local.date())
    opens = cal.business_hours(nxt)[0]
    return datetime.combine(nxt, opens, tzinfo=local.tzinfo)


# --- #15–#22, Kobe notification / isolation: the contract clocks -------------------------------


def _clocks(item, start: datetime, end: datetime, code: str):
    return (
        MilestoneClock.objects.filter(
            definition__profile=profile_of(item),
            definition__code=code,
            incident__aware_at__gte=start,
            incident__aware_at__lt=end,
        )
        .select_related("incident", "definition")
        .prefetch_related(Prefetch("intervals", queryset=ClockInterval.objects.order_by("pk")))
        .order_by("incident__aware_at", "pk")
    )


def _running_minutes(clock: MilestoneClock, at: datetime) -> int:
    closed = sum(i.minutes for i in clock.intervals.all() if i.ended_at is not None)
    open_ = next((i for i in clock.intervals.all() if i.ended_at is None), None)
    if open_ is None:
        return closed
    return closed + clock_rules.interval_minutes(clock.definition, open_.started_at, at)


def evaluate(clock: MilestoneClock, at: datetime) -> tuple[bool | None, float, str]:
    """(met? None while still within its deadline, elapsed minutes, Japanese value text)."""
    d = clock.definition
    Unit = MilestoneDefinition.Unit
    if clock.state == MilestoneClock.State.STOPPED:
        ok = bool(clock_rules.met(clock))
        if d.unit in (Unit.AGREED, Unit.BUSINESS_DAYS):
            minutes = (clock.stopped_at - clock.started_at).total_seconds() / 60
            due = (
                clock.agreed_due_at
                if d.unit == Unit.AGREED
                else current_calendar().add_business_days(clock.started_at, d.target)
            )
            return ok, minutes, f"{fmt_dt(clock.stopped_at)}（期限 {fmt_dt(due)}）"
        return ok, clock.elapsed_minutes, f"{fmt_minutes(clock.elapsed_minutes)}"
    # Not stopped yet: a miss once the deadline has passed.
    if d.unit == Unit.AGREED:
        due = clock.agreed_due_at
        minutes = (at - clock.started_at).total_seconds() / 60
        return (False if due and due < at else None), minutes, f"未完了（期限 {fmt_dt(due)}）"
    if d.unit == Unit.BUSINESS_DAYS:
        due = current_calendar().add_business_days(clock.started_at, d.target)
        minutes = (at - clock.started_at).total_seconds() / 60
        return (False if due < at else None), minutes, f"未完了（期限 {fmt_dt(due)}）"
    minutes = _running_minutes(clock, at)
    state = "一時停止中" if clock.state == MilestoneClock.State.PAUSED else "計測中"
    return (False if minutes > d.target else None), minutes, f"{state} {fmt_minutes(minutes)}"


def _evaluate_all(item, start, end, at):
    code = params(item).get("milestone", "")
    rows, excluded, results = [], [], []
    with calendar_for(item):
        for clock in _clocks(item, start, end, code):
            ok, minutes, text = evaluate(clock, at)
            what = f"{clock.incident.number} {clock.definition.name}"
            if ok is None:
                excluded.append((what, "期限前のため計測中"))
                continue
            results.append((clock, ok, minutes))
            rows.append(
                Row(
                    f"{what}（開始 {fmt_dt(clock.started_at)}）",
                    text,
                    ok,
                    link("incidents:detail", clock.incident_id),
                    ""
                    if clock.definition.unit == "agreed"
                    else f"目標 {clock.definition.target}分",
                )
            )
    return code, rows, excluded, results


@rule("milestone_time", "障害対応の所要時間（マイルストーンごと、1件ごとに判定）")
def compute_milestone_time(item, start: datetime, end: datetime) -> Outcome:
    """rule_params: milestone = the MilestoneDefinition code (Sendai first_report #15,
    initial_plan #17, full_response #19, recovery #21; Kobe notification, isolation). The
    figure is the longest time taken (in the item's unit); one miss fails the item."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    code, rows, excluded, results = _evaluate_all(item, start, stop_at, at)
    name = _definition_name(item, code)
    if not results:
        return rate_outcome(
            item, counted=0, met=0, rows=rows, excluded=excluded, what=f"「{name}」", detail=""
        )
    misses = sum(1 for _c, ok, _m in results if not ok)
    if item.unit in TIME_UNITS:
        values = [in_unit(m, item.unit) for _c, _ok, m in results]
        worst = max(values)
        state = judge_item(item, worst)
        value, value_text = worst, f"最大 {fmt(worst, item.unit)}（{len(results)}件）"
    else:
        value = rate(len(results) - misses, len(results))
        state = MET
        value_text = f"期限内 {len(results) - misses}/{len(results)}件"
    if misses:
        state = MISSED
    return Outcome(
        state=state,
        value=value,
        value_text=value_text,
        in_scope=len(results),
        excluded=excluded,
        rows=rows,
        detail=(
            f"期間内に認知した障害ごとに「{name}」の時計（承認された一時停止を除く）で所要時間を測り、"
            "1件でも期限を超えたら未達とした。"
        ),
    )


@rule("milestone_compliance", "障害対応の遵守率（マイルストーンの期限内の割合）")
def compute_milestone_compliance(item, start: datetime, end: datetime) -> Outcome:
    """rule_params: milestone as for milestone_time. Share of the counted clocks that kept their
    target (#16, #18, #20, #22)."""
    at = _now()
    stop_at = effective_end(start, end, at)
    if stop_at is None:
        return not_started()
    code, rows, excluded, results = _evaluate_all(item, start, stop_at, at)
    name = _definition_name(item, code)
    met = sum(1 for _c, ok, _m in results if ok)
    return rate_outcome(
        item,
        counted=len(results),
        met=met,
        rows=rows,
        excluded=excluded,
        what=f"「{name}」の計測",
        detail=(
            f"期間内に認知した障害の「{name}」のうち、期限内に完了したものの割合"
            "（期限前で計測中のものは除外）。"
        ),
    )


def _definition_name(item, code: str) -> str:
    d = (
        MilestoneDefinition.objects.filter(profile=profile_of(item), code=code)
        .order_by("-valid_from")
        .first()
    )
    return d.name if d else code
