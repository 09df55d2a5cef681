"""Shared pieces of the catalogue tests: builders, personas, and a URLconf that mounts the
catalogue's URLs under the "sla" namespace until sla/urls.py is wired into config.urls."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import include, path

from accounts import roles
from config import urls as root
from core.timeutil import JST
from sla import urls_catalog
from sla.models import Item, Policy


def _sla_included() -> bool:
    return any(getattr(p, "namespace", None) == "sla" for p in root.urlpatterns)


urlpatterns = list(root.urlpatterns)
if not _sla_included():
    urlpatterns.insert(0, path("sla/", include((urls_catalog.urlpatterns, "sla"), namespace="sla")))

URLS = "sla.tests.catalog_support"


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=JST)


@pytest.fixture
def manager(make_user):
    return make_user(roles.VENDOR_MANAGER, name="試験 責任者")


def item_fields(number="4", **kw) -> dict:
    fields = {
        "number": number,
        "name": f"項目{number}",
        "unit": Item.Unit.PERCENT,
        "target_value": Decimal("99.5"),
        "comparison": "ge",
        "measurement": Item.Measurement.COMPUTED,
        "period": Item.Period.MONTHLY,
        "method": "稼働率の算出方法",
    }
    fields.update(kw)
    return fields


def make_policy(
    profile="sendai",
    *,
    status=Policy.Status.APPROVED,
    effective_from=date(2024, 4, 1),
    effective_to=None,
    items=1,
    version=None,
    approver=None,
    **kw,
) -> Policy:
    if version is None:
        version = Policy.objects.filter(profile=profile).count() + 1
    contract = {
        "sendai": (date(2024, 4, 1), date(2029, 3, 31)),
        "kobe": (date(2025, 6, 2), date(2030, 3, 31)),
    }[profile]
    policy = Policy.objects.create(
        profile=profile,
        name=f"{profile} SLA",
        contract_start=contract[0],
        contract_end=contract[1],
        version=version,
        effective_from=effective_from,
        effective_to=effective_to,
        status=status,
        approved_by=approver,
        approved_at=jst(2024, 3, 15, 10) if status == Policy.Status.APPROVED else None,
        **kw,
    )
    for n in range(1, items + 1):
        Item.objects.create(policy=policy, order=n, **item_fields(str(n)))
    return policy


def manual_item(policy: Policy, number="90", **kw) -> Item:
    fields = item_fields(
        number,
        name="手動確認の項目",
        measurement=Item.Measurement.MANUAL,
        unit=Item.Unit.PERCENT,
        target_value=Decimal(100),
        comparison="ge",
    )
    fields.update(kw)
    return Item.objects.create(policy=policy, order=90, **fields)
