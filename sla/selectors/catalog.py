"""Reads of the SLA catalogue (項目定義), manual evidence and improvement plans.

Which version judges a month
    A month is always judged by the approved version in force on its **first day**
    (``policy_for_month``). A version that starts mid-month therefore judges from the next
    month on; the month it starts in stays with the version before it, so a month never has
    two sets of items. The only exception is a contract that starts mid-month (Kobe,
    2025-06-02): no version is in force on June 1, so that month is judged by the first
    version that comes into force within it.

``policy_in_force(profile, on)`` answers for one exact day; the reports should ask per
month with ``policy_for_month`` / ``items_for_month``.
"""

from __future__ import annotations

import calendar as pycalendar
from datetime import date, datetime, time

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet

from accounts import roles
from core.timeutil import JST, now_jst
from sla.models import CatalogComment, Evidence, ImprovementPlan, Item, Policy

APPROVED = Policy.Status.APPROVED
MANUAL_MEASUREMENTS = (Item.Measurement.MANUAL, Item.Measurement.COMPUTED_MANUAL)


def month_first(value: date) -> date:
    return value.replace(day=1)


def month_last(value: date) -> date:
    return value.replace(day=pycalendar.monthrange(value.year, value.month)[1])


def effective_end(policy: Policy) -> date:
    """Last day a version applies: its own end date, else the end of its contract."""
    return policy.effective_to or policy.contract_end


# --- policies -------------------------------------------------------------------------------


def policies(*, profile: str | None = None) -> QuerySet[Policy]:
    """Every version, newest first per profile, with its item count and approver."""
    qs = Policy.objects.select_related("approved_by").annotate(item_count=Count("items"))
    if profile:
        qs = qs.filter(profile=profile)
    return qs.order_by("profile", "-version")


def policy(pk: int) -> Policy:
    return Policy.objects.select_related("approved_by").get(pk=pk)


def policy_items(policy: Policy) -> QuerySet[Item]:
    return Item.objects.filter(policy=policy).order_by("order", "pk")


def policy_comments(policy: Policy) -> QuerySet[CatalogComment]:
    return CatalogComment.objects.filter(policy=policy).select_related("author")


def approved_versions(profile: str) -> QuerySet[Policy]:
    return Policy.objects.filter(profile=profile, status=APPROVED).order_by("effective_from")


def policy_in_force(profile: str, on: date) -> Policy | None:
    """The approved version of ``profile`` whose effective period contains the day ``on``."""
    return (
        Policy.objects.filter(
            profile=profile,
            status=APPROVED,
            effective_from__lte=on,
            contract_start__lte=on,
            contract_end__gte=on,
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .select_related("approved_by")
        .order_by("-effective_from", "-version")
        .first()
    )


def policy_for_month(profile: str, month: date) -> Policy | None:
    """The version that judges ``month``: the one in force on its first day (see the module
    docstring), or, for a contract starting mid-month, the first one starting in it."""
    first = month_first(month)
    found = policy_in_force(profile, first)
    if found is not None:
        return found
    return (
        Policy.objects.filter(
            profile=profile,
            status=APPROVED,
            effective_from__gt=first,
            effective_from__lte=month_last(first),
        )
        .select_related("approved_by")
        .order_by("effective_from", "version")
        .first()
    )


def items_in_force(profile: str, on: date) -> QuerySet[Item]:
    """Items of the version in force on the day ``on`` (empty when none is)."""
    found = policy_in_force(profile, on)
    if found is None:
        return Item.objects.none()
    return policy_items(found).select_related("policy")


def items_for_month(profile: str, month: date) -> QuerySet[Item]:
    """Items that judge ``month`` (the version in force on its first day)."""
    found = policy_for_month(profile, month)
    if found is None:
        return Item.objects.none()
    return policy_items(found).select_related("policy")


# --- evidence -------------------------------------------------------------------------------


def evidence_for(item: Item, month: date) -> Evidence | None:
    """The evidence that counts for ``item`` in ``month``: the latest confirmed one."""
    return (
        Evidence.objects.filter(item=item, period_start=month_first(month))
        .select_related("confirmed_by")
        .order_by("-confirmed_at", "-pk")
        .first()
    )


def evidence_by_item(items, month: date) -> dict[int, Evidence]:
    """Latest evidence per item for ``month`` in one query: {item_id: Evidence}."""
    ids = [i.pk if isinstance(i, Item) else i for i in items]
    if not ids:
        return {}
    rows = (
        Evidence.objects.filter(item_id__in=ids, period_start=month_first(month))
        .select_related("confirmed_by")
        .order_by("item_id", "-confirmed_at", "-pk")
        .distinct("item_id")
    )
    return {e.item_id: e for e in rows}


def evidence_history(item: Item, month: date) -> QuerySet[Evidence]:
    return (
        Evidence.objects.filter(item=item, period_start=month_first(month))
        .select_related("confirmed_by")
        .order_by("-confirmed_at", "-pk")
    )


def manual_items_for_month(profile: str, month: date) -> QuerySet[Item]:
    """Items of ``month``'s version that need evidence (manual or computed + evidence)."""
    return items_for_month(profile, month).filter(measurement__in=MANUAL_MEASUREMENTS)


# --- improvement plans ------------------------------------------------------------------------


def plans(*, status: str | None = None, profile: str | None = None) -> QuerySet[ImprovementPlan]:
    qs = ImprovementPlan.objects.select_related("item", "item__policy", "owner")
    if status:
        qs = qs.filter(status=status)
    if profile:
        qs = qs.filter(item__policy__profile=profile)
    return qs.order_by("status", "policy_due", "pk")


def plan(pk: int) -> ImprovementPlan:
    return ImprovementPlan.objects.select_related("item", "item__policy", "owner").get(pk=pk)


def plan_comments(plan: ImprovementPlan) -> QuerySet[CatalogComment]:
    return CatalogComment.objects.filter(plan=plan).select_related("author")


def open_plans(
    *, profile: str | None = None, month: date | None = None
) -> QuerySet[ImprovementPlan]:
    """Improvement plans for the monthly report.

    Without ``month``: the plans not completed now. With ``month``: every plan for a miss in
    that month or earlier that was not completed before the month began — so a plan appears
    in every monthly report from its missed month until (and including) the month it is
    completed (shown there as 完了).
    """
    qs = ImprovementPlan.objects.select_related("item", "item__policy", "owner")
    if profile:
        qs = qs.filter(item__policy__profile=profile)
    if month is None:
        qs = qs.exclude(status=ImprovementPlan.Status.COMPLETED)
    else:
        first = month_first(month)
        begin = datetime.combine(first, time.min, tzinfo=JST)
        qs = qs.filter(period_start__lte=first).filter(
            Q(completed_at__isnull=True) | Q(completed_at__gte=begin)
        )
    return qs.order_by("period_start", "item__order", "pk")


def plans_due_for_reminders() -> QuerySet[ImprovementPlan]:
    return (
        ImprovementPlan.objects.exclude(status=ImprovementPlan.Status.COMPLETED)
        .select_related("item", "item__policy", "owner")
        .prefetch_related(Prefetch("reminders"))
        .order_by("pk")
    )


# --- people ---------------------------------------------------------------------------------


def vendor_managers() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.VENDOR_MANAGER)
        .distinct()
        .order_by("employee_number")
    )


def today_jst() -> date:
    return now_jst().date()


# --- display ------------------------------------------------------------------------------------


def _number(value) -> str:
    text = format(value.normalize(), "f")
    return text


def target_label(item: Item) -> str:
    """The target as people write it: "≥ 99.5%", "≤ 3秒", "< 3件", or the text target."""
    parts = []
    if item.target_value is not None:
        unit = "%" if item.unit == Item.Unit.PERCENT else item.get_unit_display()
        comparison = item.get_comparison_display() if item.comparison else ""
        parts.append(f"{comparison} {_number(item.target_value)}{unit}".strip())
    if item.target_text:
        parts.append(f"（{item.target_text}）" if parts else item.target_text)
    return "".join(parts) or "—"
