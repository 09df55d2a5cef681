"""The demo seed: both cities' catalogues as approved version 1, loaded once."""

import io
from datetime import date

import pytest

from accounts import roles
from sla import computations, demo
from sla.models import Item, Policy
from sla.selectors import catalog as selectors

pytestmark = pytest.mark.django_db


def test_seed_loads_29_sendai_and_6_kobe_items_as_approved_policies(make_user):
    admin = make_user(roles.CITY_ADMIN)
    out = io.StringIO()
    demo.seed(stdout=out)

    sendai = Policy.objects.get(profile="sendai")
    kobe = Policy.objects.get(profile="kobe")
    assert sendai.items.count() == 29
    assert kobe.items.count() == 6
    for policy in (sendai, kobe):
        assert policy.status == Policy.Status.APPROVED
        assert policy.version == 1
        assert policy.approved_by == admin
    assert (sendai.effective_from, selectors.effective_end(sendai)) == (
        date(2024, 4, 1),
        date(2029, 3, 31),
    )
    assert (kobe.effective_from, selectors.effective_end(kobe)) == (
        date(2025, 6, 2),
        date(2030, 3, 31),
    )
    assert list(sendai.items.values_list("number", flat=True)) == [str(n) for n in range(1, 30)]


def test_seeded_items_carry_targets_and_method_texts():
    demo.seed()
    sendai = {i.number: i for i in Item.objects.filter(policy__profile="sendai")}
    kobe = {i.name: i for i in Item.objects.filter(policy__profile="kobe")}
    assert selectors.target_label(sendai["4"]) == "≥ 99.5%"
    assert selectors.target_label(sendai["15"]) == "≤ 30分"
    assert selectors.target_label(sendai["12"]) == "< 3件"
    assert sendai["12"].period == Item.Period.YEARLY
    assert selectors.target_label(kobe["サービス稼動時間"]) == "≥ 99.9%"
    assert selectors.target_label(kobe["応答時間"]) == "≤ 3秒"
    assert kobe["応答時間"].rule_params["concurrent_terminals"] == 200
    assert selectors.target_label(kobe["オンライン中断（障害発生時）"]) == "≤ 6時間"
    assert selectors.target_label(kobe["障害発生原因の一次切り分け"]) == "≤ 12時間"
    assert selectors.target_label(kobe["障害検知から本市への通知時間"]) == "≤ 3時間"
    for item in [*sendai.values(), *kobe.values()]:
        assert len(item.method) > 30, item
    assert "計画停止" in sendai["4"].exclusions


def test_seeded_rules_are_registered_ones_only():
    demo.seed()
    rules = computations.all_rules()
    used = set(Item.objects.exclude(rule="").values_list("rule", flat=True))
    assert used <= set(rules)
    expected = {
        (profile, number): code if code in rules else ""
        for (profile, number), code in demo.RULES.items()
    }
    assert {
        (i.policy.profile, i.number): i.rule for i in Item.objects.select_related("policy")
    } == expected
    first_report = Item.objects.get(policy__profile="sendai", number="15")
    assert first_report.rule_params == {"milestone": "first_report"}


def test_seed_is_idempotent():
    demo.seed()
    before = list(Item.objects.values_list("pk", "rule").order_by("pk"))
    history = Item.history.count()
    out = io.StringIO()
    demo.seed(stdout=out)
    assert Policy.objects.count() == 2
    assert list(Item.objects.values_list("pk", "rule").order_by("pk")) == before
    assert Item.history.count() == history
    assert "既存の版があるため追加しません" in out.getvalue()
