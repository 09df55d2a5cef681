"""Item validation: the unit against the target, comparison, rule codes — Japanese errors
naming the field, and nothing saved."""

# ruff: noqa: F811 - fixtures imported from sla.tests.catalog_support are parameters here

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from sla.models import Item, Policy
from sla.services import catalog as services
from sla.tests.catalog_support import item_fields, make_policy, manager  # noqa: F401

pytestmark = pytest.mark.django_db
U = Item.Unit


@pytest.fixture
def draft():
    return make_policy(status=Policy.Status.DRAFT, items=0)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"unit": U.PERCENT, "target_value": Decimal("150")}, "target_value", "0〜100"),
        ({"unit": U.PERCENT, "target_value": Decimal("-1")}, "target_value", "0〜100"),
        ({"unit": U.SECONDS, "target_value": Decimal("0")}, "target_value", "0 より大きい値"),
        ({"unit": U.HOURS, "target_value": Decimal("-6")}, "target_value", "単位: 時間"),
        ({"unit": U.COUNT, "target_value": Decimal("2.5")}, "target_value", "0 以上の整数"),
        ({"unit": U.SECONDS, "target_value": None}, "target_value", "目標値を入力してください"),
        ({"unit": U.TEXT, "target_value": None, "comparison": ""}, "target_text", "目標（文章）"),
        (
            {"unit": U.TEXT, "target_value": Decimal(3), "target_text": "翌営業日"},
            "target_value",
            "目標値を入力できません",
        ),
        ({"comparison": ""}, "comparison", "比較"),
        ({"unit": "furlongs"}, "unit", "単位を選んでください"),
        ({"number": ""}, "number", "番号を入力してください"),
        ({"rule": "no_such_rule"}, "rule", "算出規則「no_such_rule」は登録されていません"),
        ({"rule_params": ["x"]}, "rule_params", "JSON"),
    ],
)
def test_a_target_with_the_wrong_unit_is_refused_and_nothing_is_saved(
    manager, draft, fields, field, message
):
    lock = draft.version_lock
    with pytest.raises(ValidationError) as exc:
        services.item_create(
            policy=draft, actor=manager, expected_version=lock, **{**item_fields("4"), **fields}
        )
    assert message in exc.value.message_dict[field][0]
    assert not Item.objects.exists()
    draft.refresh_from_db()
    assert draft.version_lock == lock


def test_a_wrong_unit_on_edit_leaves_the_item_as_it_was(manager, draft):
    item = services.item_create(
        policy=draft, actor=manager, expected_version=draft.version_lock, **item_fields("4")
    )
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.item_update(
            item=item,
            actor=manager,
            expected_version=draft.version_lock,
            name="新しい名前",
            target_value=Decimal("250"),
        )
    assert "target_value" in exc.value.message_dict
    item.refresh_from_db()
    assert (item.name, item.target_value) == ("項目4", Decimal("99.500"))


def test_valid_items_of_each_kind_are_saved(manager, draft):
    kinds = [
        item_fields("1", unit=U.PERCENT, target_value=Decimal("99.9"), comparison="ge"),
        item_fields("2", unit=U.SECONDS, target_value=Decimal(3), comparison="le"),
        item_fields("3", unit=U.COUNT, target_value=Decimal(3), comparison="lt"),
        item_fields(
            "4", unit=U.TEXT, target_value=None, comparison="", target_text="翌営業開始時間まで"
        ),
        item_fields(
            "5", unit=U.HOURS, target_value=Decimal(2), comparison="le", target_text="0.5～2 時間"
        ),
    ]
    for fields in kinds:
        draft.refresh_from_db()
        services.item_create(
            policy=draft, actor=manager, expected_version=draft.version_lock, **fields
        )
    assert list(draft.items.values_list("number", flat=True)) == ["1", "2", "3", "4", "5"]
    assert list(draft.items.values_list("order", flat=True)) == [1, 2, 3, 4, 5]


def test_numbers_are_unique_within_a_version(manager, draft):
    services.item_create(
        policy=draft, actor=manager, expected_version=draft.version_lock, **item_fields("4")
    )
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.item_create(
            policy=draft, actor=manager, expected_version=draft.version_lock, **item_fields("4")
        )
    assert "番号「4」はこの版にすでにあります" in exc.value.message_dict["number"][0]


def test_manual_items_take_no_computed_rule(manager, draft):
    with pytest.raises(ValidationError) as exc:
        services.item_create(
            policy=draft,
            actor=manager,
            expected_version=draft.version_lock,
            **item_fields("9", measurement=Item.Measurement.MANUAL, rule="availability"),
        )
    assert "rule" in exc.value.message_dict
    services.item_create(
        policy=draft,
        actor=manager,
        expected_version=draft.version_lock,
        **item_fields("9", measurement=Item.Measurement.MANUAL, rule=services.MANUAL_RULE),
    )
    assert draft.items.get().rule == "manual"


def test_retiring_an_item_removes_it_from_the_draft_only(manager):
    approved = make_policy(items=2)
    draft = services.policy_new_version(
        policy=approved, actor=manager, effective_from=date(2026, 4, 1)
    )
    services.item_delete(
        item=draft.items.get(number="2"), actor=manager, expected_version=draft.version_lock
    )
    assert list(draft.items.values_list("number", flat=True)) == ["1"]
    assert approved.items.count() == 2
