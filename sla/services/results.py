"""SLA results: each item of a policy computed for a month or a fiscal year and stored in
``sla.Result`` — the cache the dashboard, the drill-down and the reports read.

Periods
    A month (its 1st to its last day) judges the monthly and per-event items of the version
    in force for it (``sla.selectors.catalog.policy_for_month``); a fiscal year (April 1 to
    March 31) judges the yearly items. A period that has not begun, or lies outside the
    contract, is refused with a Japanese message; a month that only partly lies in the
    contract (Kobe, June 2025) is measured from the contract's first day. The current month
    is measured to date (each rule stops at "now").

The cache and when it is recomputed (invalidation)
    - ``results_compute`` always recomputes and overwrites (one upsert for all items).
    - ``results_ensure`` returns the stored results and recomputes only the items whose
      result is missing or stale:
        * a period still running: stale once older than ``SLA_RESULTS_MAX_AGE_MINUTES``
          (10 by default) — the dashboard shows "this month to date" at most that old;
        * a finished period: stale when it was computed before the period ended (it was
          a to-date figure), or older than ``SLA_RESULTS_FINISHED_MAX_AGE_HOURS`` (24 by
          default) so late corrections in the source records show up within a day;
        * any period: stale when evidence for the item and period was confirmed after it
          was computed (manual items change the moment someone confirms them).
    - The nightly job (01:00 JST, ``results_nightly``) recomputes the current and the
      previous month of every profile, so the trend and the previous month are fresh each
      morning; a report's job recomputes everything it shows.
    Finished months are otherwise stable; the dashboard's twelve-month trend only reads the
    cache (a month never computed shows as 未算出).

Improvement plans
    After a finished month (or year) has been computed, every missed item gets its
    improvement plan (``sla.services.catalog.improvement_plan_open``, idempotent).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, is_dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_DOWN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.timeutil import JST, to_jst
from sla import computations
from sla.models import Item, Policy, Result
from sla.selectors import catalog as catalog_selectors
from sla.selectors import results as selectors

logger = logging.getLogger(__name__)

DEFAULT_MAX_AGE_MINUTES = 10
DEFAULT_FINISHED_MAX_AGE_HOURS = 24
MAX_ROWS = 5_000
VALUE_QUANTUM = Decimal("0.001")
STATES = set(Result.State.values)
MONTHLY = "monthly"
YEARLY = "yearly"


def max_age() -> timedelta:
    return timedelta(
        minutes=int(getattr(settings, "SLA_RESULTS_MAX_AGE_MINUTES", DEFAULT_MAX_AGE_MINUTES))
    )


def finished_max_age() -> timedelta:
    hours = int(
        getattr(settings, "SLA_RESULTS_FINISHED_MAX_AGE_HOURS", DEFAULT_FINISHED_MAX_AGE_HOURS)
    )
    return timedelta(hours=hours)


# --- periods -------------------------------------------------------------------------------------


def day_start(value: date) -> datetime:
    return datetime.combine(value, time.min, tzinfo=JST)


def period_end_at(end: date) -> datetime:
    """The instant a period whose last day is ``end`` is over (the next midnight, JST)."""
    return day_start(end + timedelta(days=1))


def _d(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def period_label(start: date, end: date) -> str:
    if period_kind(start, end) == YEARLY:
        return f"{start.year}年度"
    return f"{start.year}年{start.month}月"


def period_kind(start: date, end: date) -> str:
    """ "monthly" or "yearly"; anything else is refused."""
    if start.day == 1 and end == selectors.month_last(start):
        return MONTHLY
    if (start.month, start.day, end.month, end.day) == (4, 1, 3, 31) and end.year == start.year + 1:
        return YEARLY
    raise ValidationError(
        {"period": _("期間は月（1日〜末日）か年度（4月1日〜翌年3月31日）で指定してください。")}
    )


def period_errors(policy: Policy, start: date, end: date, *, now: datetime | None = None) -> str:
    """Why the period cannot be computed for the policy ('' when it can)."""
    kind = period_kind(start, end)
    today = to_jst(now or timezone.now()).date()
    if policy.status != Policy.Status.APPROVED:
        return _("承認済みの版でなければ実績を算出できません（%(policy)s は%(status)s）。") % {
            "policy": policy,
            "status": policy.get_status_display(),
        }
    if start > today:
        return _("未来の期間（%(period)s）の実績は算出できません。") % {
            "period": period_label(start, end)
        }
    if end < policy.contract_start or start > policy.contract_end:
        return _("%(period)sは契約期間（%(start)s〜%(end)s）の外です。") % {
            "period": period_label(start, end),
            "start": _d(policy.contract_start),
            "end": _d(policy.contract_end),
        }
    if kind == MONTHLY:
        judging = catalog_selectors.policy_for_month(policy.profile, start)
        if judging is None:
            return _("%(period)sを判定する承認済みの版がありません。") % {
                "period": period_label(start, end)
            }
        if judging.pk != policy.pk:
            return _("%(period)sは第%(version)s版で判定します（この版では算出できません）。") % {
                "period": period_label(start, end),
                "version": judging.version,
            }
    else:
        last = catalog_selectors.effective_end(policy)
        if policy.effective_from > end or last < start:
            return _("%(period)sにこの版（第%(version)s版）は適用されていません。") % {
                "period": period_label(start, end),
                "version": policy.version,
            }
    return ""


def measured_window(policy: Policy, start: date, end: date) -> tuple[datetime, datetime]:
    """The instants a rule measures: the period clipped to the contract."""
    return (
        day_start(max(start, policy.contract_start)),
        period_end_at(min(end, policy.contract_end)),
    )


# --- computing -----------------------------------------------------------------------------------


def _row(row) -> dict:
    if is_dataclass(row):
        data = asdict(row)
    elif isinstance(row, dict):
        data = dict(row)
    else:
        data = {"label": str(row)}
    return {
        "label": str(data.get("label", "")),
        "value": str(data.get("value", "") or ""),
        "ok": data.get("ok"),
        "url": str(data.get("url", "") or ""),
        "note": str(data.get("note", "") or ""),
    }


def _value(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(VALUE_QUANTUM, rounding=ROUND_DOWN)


def _rule_code(item: Item) -> str:
    if item.measurement == Item.Measurement.MANUAL:
        return "manual"
    return item.rule


def _run(code: str, item: Item, start: datetime, end: datetime) -> computations.Outcome:
    if not code:
        return computations.Outcome(
            state=computations.DATA_MISSING,
            detail=_("算出規則が設定されていないため、算出できません（データ欠損）。"),
        )
    found = computations.get(code)
    if found is None:
        return computations.Outcome(
            state=computations.DATA_MISSING,
            detail=_("算出規則「%(code)s」が登録されていないため、算出できません（データ欠損）。")
            % {"code": code},
        )
    try:
        with transaction.atomic():
            outcome = found.compute(item, start, end)
    except Exception as exc:  # one broken rule must not take the others with it
        logger.exception("SLA rule %s failed for item %s", code, item.pk)
        return computations.Outcome(
            state=computations.DATA_MISSING,
            detail=_("算出中にエラーが発生しました（%(error)s）。運用担当に連絡してください。")
            % {"error": type(exc).__name__},
        )
    if outcome.state not in STATES:
        return computations.Outcome(
            state=computations.DATA_MISSING,
            detail=_("算出規則「%(code)s」が不明な判定（%(state)s）を返しました。")
            % {"code": code, "state": outcome.state},
        )
    return outcome


def outcome_of(item: Item, start: datetime, end: datetime) -> computations.Outcome:
    """The item's figure: its rule; a manual item its evidence; a computed item that also
    needs evidence keeps the computed figure, is missed when the evidence says so, and
    says when the evidence is still missing."""
    outcome = _run(_rule_code(item), item, start, end)
    if item.measurement != Item.Measurement.COMPUTED_MANUAL:
        return outcome
    evidence = _run("manual", item, start, end)
    outcome.rows = list(outcome.rows) + list(evidence.rows)
    if evidence.state == computations.PENDING:
        outcome.detail = (outcome.detail + " " + _("確認資料は未登録です。")).strip()
    elif evidence.state == computations.MISSED and outcome.state != computations.DATA_MISSING:
        outcome.state = computations.MISSED
        outcome.detail = (outcome.detail + " " + _("確認資料で未達と確認されました。")).strip()
    return outcome


def _result(item: Item, start: date, end: date, outcome, computed_at: datetime) -> Result:
    rows = [_row(r) for r in outcome.rows]
    detail = outcome.detail or ""
    if len(rows) > MAX_ROWS:
        detail += _("（明細は先頭%(n)s件のみ保存、他%(rest)s件）") % {
            "n": MAX_ROWS,
            "rest": len(rows) - MAX_ROWS,
        }
        rows = rows[:MAX_ROWS]
    exclusions = [
        {"label": str(what), "reason": str(reason)} for what, reason in (outcome.excluded or [])
    ]
    return Result(
        item=item,
        period_start=start,
        period_end=end,
        state=outcome.state,
        value=_value(outcome.value),
        value_text=(outcome.value_text or "")[:300],
        in_scope=max(0, int(outcome.in_scope or 0)),
        excluded=len(exclusions),
        exclusions=exclusions,
        rows=rows,
        detail=detail,
        computed_at=computed_at,
    )


RESULT_FIELDS = [
    "state",
    "value",
    "value_text",
    "in_scope",
    "excluded",
    "exclusions",
    "rows",
    "detail",
    "computed_at",
]


@transaction.atomic
def results_compute(
    *, policy: Policy, start: date, end: date, items=None, now: datetime | None = None
) -> list[Result]:
    """Compute every item the period judges (or only ``items``) and store the results.

    A month: the monthly and per-event items; a fiscal year: the yearly items. Refused
    (ValidationError naming ``period``) for a period that has not begun, lies outside the
    contract, or is judged by another version. After a finished period, every missed item
    gets its improvement plan."""
    now = now or timezone.now()
    kind = period_kind(start, end)
    problem = period_errors(policy, start, end, now=now)
    if problem:
        raise ValidationError({"period": problem})
    chosen = list(selectors.items_of(policy, yearly=kind == YEARLY))
    if items is not None:
        wanted = {i.pk for i in items}
        chosen = [i for i in chosen if i.pk in wanted]
    if not chosen:
        return []
    window_start, window_end = measured_window(policy, start, end)
    computed_at = timezone.now()
    results = [
        _result(item, start, end, outcome_of(item, window_start, window_end), computed_at)
        for item in chosen
    ]
    Result.objects.bulk_create(
        results,
        update_conflicts=True,
        unique_fields=["item", "period_start", "period_end"],
        update_fields=RESULT_FIELDS,
    )
    if window_end <= now:
        _open_plans(results, start)
    return results


def _open_plans(results: list[Result], start: date) -> None:
    from sla.services.catalog import improvement_plan_open

    for result in results:
        if result.state == Result.State.MISSED:
            improvement_plan_open(item=result.item, period_start=start)


# --- the cache -------------------------------------------------------------------------------------


def result_is_stale(
    result: Result | None,
    *,
    now: datetime | None = None,
    evidence_at: datetime | None = None,
) -> bool:
    """See the module docstring: missing, too old for a running period, computed before a
    finished period ended (or more than a day ago), or older than its evidence."""
    if result is None:
        return True
    now = now or timezone.now()
    if evidence_at is not None and evidence_at > result.computed_at:
        return True
    ended_at = period_end_at(result.period_end)
    if ended_at > now:
        return now - result.computed_at > max_age()
    if result.computed_at < ended_at:
        return True
    return now - result.computed_at > finished_max_age()


def results_ensure(
    *, policy: Policy, start: date, end: date, items=None, now: datetime | None = None
) -> list[Result]:
    """The period's results from the cache, recomputing the missing or stale ones only.
    Two queries when everything is fresh (results, evidence times)."""
    now = now or timezone.now()
    kind = period_kind(start, end)
    if items is None:
        items = list(selectors.items_of(policy, yearly=kind == YEARLY))
    if not items:
        return []
    stored = selectors.results_for(items, start, end)
    evidence = selectors.evidence_confirmed_at(items, start, end)
    stale = [
        i
        for i in items
        if result_is_stale(stored.get(i.pk), now=now, evidence_at=evidence.get(i.pk))
    ]
    if stale:
        for result in results_compute(policy=policy, start=start, end=end, items=stale, now=now):
            stored[result.item_id] = result
    out = []
    for item in items:
        result = stored.get(item.pk)
        if result is not None:
            result.item = item
            out.append(result)
    return out


def results_nightly(*, now: datetime | None = None) -> int:
    """01:00 JST: recompute the current and the previous month of every profile that has an
    approved version for them. Returns the number of results written."""
    now = now or timezone.now()
    this_month = to_jst(now).date().replace(day=1)
    written = 0
    for profile in selectors.profiles_with_policies():
        for month in (selectors.add_months(this_month, -1), this_month):
            policy = catalog_selectors.policy_for_month(profile, month)
            if policy is None:
                continue
            end = selectors.month_last(month)
            if period_errors(policy, month, end, now=now):
                continue
            written += len(results_compute(policy=policy, start=month, end=end, now=now))
    return written
