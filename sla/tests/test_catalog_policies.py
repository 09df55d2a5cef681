"""Policy versions: 案 → 協議中 → 承認, approved versions read-only, new versions, no
overlapping approved versions, and the month judged by the version in force on its first day."""

# ruff: noqa: F811 - fixtures imported from sla.tests.catalog_support are parameters here

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.concurrency import ConflictError
from sla.models import CatalogComment, Item, Policy
from sla.selectors import catalog as selectors
from sla.services import catalog as services
from sla.tests.catalog_support import item_fields, jst, make_policy, manager  # noqa: F401

pytestmark = pytest.mark.django_db
S = Policy.Status


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(jst(2026, 11, 16, 10, 0), tick=False)


def draft_with_item(actor, profile="sendai", effective_from=date(2024, 4, 1)):
    policy = services.policy_create(
        actor=actor, profile=profile, name="SLA", effective_from=effective_from
    )
    services.item_create(
        policy=policy, actor=actor, expected_version=policy.version_lock, **item_fields("4")
    )
    policy.refresh_from_db()
    return policy


def test_draft_goes_to_negotiation_then_approval_with_approver_and_date(manager, city_admin):
    policy = draft_with_item(manager)
    assert policy.status == S.DRAFT and policy.version == 1
    assert (policy.contract_start, policy.contract_end) == (date(2024, 4, 1), date(2029, 3, 31))

    policy = services.policy_submit(
        policy=policy, actor=manager, expected_version=policy.version_lock
    )
    assert policy.status == S.NEGOTIATING
    policy = services.policy_approve(
        policy=policy, actor=city_admin, expected_version=policy.version_lock
    )
    assert policy.status == S.APPROVED
    assert policy.approved_by == city_admin
    assert policy.approved_at == jst(2026, 11, 16, 10, 0)
    assert [h.status for h in policy.history.order_by("history_id")][-3:] == [
        "draft",
        "negotiating",
        "approved",
    ]


def test_only_city_admins_approve_and_only_vendor_managers_prepare(
    manager, city_admin, vendor_operator, attendee
):
    policy = draft_with_item(manager)
    with pytest.raises(PermissionDenied):
        services.policy_submit(
            policy=policy, actor=city_admin, expected_version=policy.version_lock
        )
    with pytest.raises(PermissionDenied):
        services.policy_create(
            actor=vendor_operator, profile="sendai", name="x", effective_from=date(2024, 4, 1)
        )
    policy = services.policy_submit(
        policy=policy, actor=manager, expected_version=policy.version_lock
    )
    for actor in (manager, attendee, vendor_operator):
        with pytest.raises(PermissionDenied):
            services.policy_approve(
                policy=policy, actor=actor, expected_version=policy.version_lock
            )
    policy.refresh_from_db()
    assert policy.status == S.NEGOTIATING


def test_a_draft_cannot_be_approved_without_negotiation(manager, city_admin):
    policy = draft_with_item(manager)
    with pytest.raises(ValidationError, match="協議中"):
        services.policy_approve(
            policy=policy, actor=city_admin, expected_version=policy.version_lock
        )


def test_an_empty_draft_cannot_be_submitted(manager):
    policy = services.policy_create(
        actor=manager, profile="sendai", name="SLA", effective_from=date(2024, 4, 1)
    )
    with pytest.raises(ValidationError, match="項目が一つもありません"):
        services.policy_submit(policy=policy, actor=manager, expected_version=policy.version_lock)


def test_city_admin_sends_back_with_a_reason_and_the_draft_is_editable_again(manager, city_admin):
    policy = draft_with_item(manager)
    policy = services.policy_submit(
        policy=policy, actor=manager, expected_version=policy.version_lock
    )
    item = policy.items.get()
    with pytest.raises(ValidationError, match="協議中の版"):
        services.item_update(
            item=item, actor=manager, expected_version=policy.version_lock, name="変更"
        )
    with pytest.raises(ValidationError) as exc:
        services.policy_return(
            policy=policy, actor=city_admin, expected_version=policy.version_lock, comment=" "
        )
    assert "差し戻す理由" in str(exc.value)
    policy = services.policy_return(
        policy=policy,
        actor=city_admin,
        expected_version=policy.version_lock,
        comment="#4 の目標は 99.5% で合意済みです。",
    )
    assert policy.status == S.DRAFT
    assert CatalogComment.objects.get(policy=policy).author == city_admin
    services.item_update(
        item=item, actor=manager, expected_version=policy.version_lock, name="稼働率"
    )
    assert Item.objects.get(pk=item.pk).name == "稼働率"


def test_an_approved_version_is_read_only(manager, city_admin):
    policy = make_policy(items=2)
    item = policy.items.first()
    before = list(Item.objects.values_list("pk", "name", "target_value").order_by("pk"))
    message = "承認済みの版（第1版）は変更できません"
    with pytest.raises(ValidationError, match=message):
        services.item_update(
            item=item, actor=manager, expected_version=policy.version_lock, name="変えた"
        )
    with pytest.raises(ValidationError, match=message):
        services.item_create(
            policy=policy, actor=manager, expected_version=policy.version_lock, **item_fields("9")
        )
    with pytest.raises(ValidationError, match=message):
        services.item_delete(item=item, actor=manager, expected_version=policy.version_lock)
    with pytest.raises(ValidationError, match=message):
        services.policy_update(
            policy=policy,
            actor=manager,
            expected_version=policy.version_lock,
            name="x",
            effective_from=date(2024, 4, 1),
            effective_to=None,
        )
    assert list(Item.objects.values_list("pk", "name", "target_value").order_by("pk")) == before


def test_an_edit_based_on_an_old_screen_is_refused(manager):
    policy = draft_with_item(manager)
    old = policy.version_lock
    item = policy.items.get()
    services.item_update(item=item, actor=manager, expected_version=old, name="先の変更")
    with pytest.raises(ConflictError):
        services.item_update(item=item, actor=manager, expected_version=old, name="後の変更")
    assert Item.objects.get(pk=item.pk).name == "先の変更"


def test_new_version_copies_the_items_into_a_draft(manager):
    source = make_policy(items=3)
    draft = services.policy_new_version(
        policy=source, actor=manager, effective_from=date(2026, 4, 1)
    )
    assert (draft.version, draft.status, draft.effective_from) == (2, S.DRAFT, date(2026, 4, 1))
    copied = list(draft.items.values_list("number", "name", "target_value", "method"))
    assert copied == list(source.items.values_list("number", "name", "target_value", "method"))
    assert source.items.count() == 3  # the approved version keeps its own items
    # A second draft for the same city is refused: edit the one there is.
    with pytest.raises(ValidationError, match="未承認の版（第2版"):
        services.policy_new_version(policy=source, actor=manager, effective_from=date(2026, 5, 1))


def test_new_version_must_start_after_the_source(manager):
    source = make_policy()
    with pytest.raises(ValidationError) as exc:
        services.policy_new_version(policy=source, actor=manager, effective_from=date(2024, 4, 1))
    assert "effective_from" in exc.value.message_dict
    assert Policy.objects.count() == 1


def test_approving_a_new_version_closes_the_one_it_supersedes(manager, city_admin):
    v1 = make_policy(items=1)
    v2 = services.policy_new_version(policy=v1, actor=manager, effective_from=date(2026, 10, 1))
    v2 = services.policy_submit(policy=v2, actor=manager, expected_version=v2.version_lock)
    services.policy_approve(policy=v2, actor=city_admin, expected_version=v2.version_lock)
    v1.refresh_from_db()
    assert v1.effective_to == date(2026, 9, 30)
    assert v1.status == S.APPROVED
    assert "第2版の承認により適用終了" in v1.history.first().history_change_reason


def test_overlapping_approved_versions_are_refused(manager, city_admin):
    # v1 2024-04-01〜2026-03-31 and v2 2026-04-01〜 are approved; a version from 2025-10-01
    # to the contract end would overlap v2, which it cannot supersede.
    make_policy(effective_to=date(2026, 3, 31), version=1)
    make_policy(effective_from=date(2026, 4, 1), version=2)
    v3 = make_policy(status=S.NEGOTIATING, effective_from=date(2025, 10, 1), version=3)
    with pytest.raises(ValidationError) as exc:
        services.policy_approve(policy=v3, actor=city_admin, expected_version=v3.version_lock)
    message = exc.value.message_dict["effective_from"][0]
    assert "第2版（2026/04/01〜2029/03/31）と重なります" in message
    v3.refresh_from_db()
    assert v3.status == S.NEGOTIATING
    assert Policy.objects.get(version=1).effective_to == date(2026, 3, 31)  # untouched


def test_a_version_ending_inside_the_current_one_is_refused(manager, city_admin):
    make_policy(version=1)
    v2 = make_policy(
        status=S.DRAFT,
        effective_from=date(2025, 4, 1),
        effective_to=date(2025, 9, 30),
        version=2,
    )
    with pytest.raises(ValidationError, match="第1版の途中で終わる版は承認できません"):
        services.policy_submit(policy=v2, actor=manager, expected_version=v2.version_lock)


def test_dates_outside_the_contract_are_refused(manager):
    with pytest.raises(ValidationError) as exc:
        services.policy_create(
            actor=manager, profile="kobe", name="SLA", effective_from=date(2025, 6, 1)
        )
    assert "契約期間（2025/06/02〜2030/03/31）" in exc.value.message_dict["effective_from"][0]
    assert not Policy.objects.exists()


def test_a_month_is_judged_by_the_version_in_force_on_its_first_day():
    v1 = make_policy(version=1, effective_to=date(2026, 10, 14))
    v2 = make_policy(version=2, effective_from=date(2026, 10, 15))
    assert selectors.policy_in_force("sendai", date(2026, 10, 20)) == v2
    # October started under v1, so v1 judges the whole of October; November is v2's.
    assert selectors.policy_for_month("sendai", date(2026, 10, 1)) == v1
    assert selectors.policy_for_month("sendai", date(2026, 10, 31)) == v1
    assert selectors.policy_for_month("sendai", date(2026, 11, 1)) == v2
    assert list(selectors.items_for_month("sendai", date(2026, 10, 1))) == list(v1.items.all())
    assert list(selectors.items_in_force("sendai", date(2026, 10, 20))) == list(v2.items.all())


def test_drafts_never_judge_a_month_and_nothing_before_the_contract():
    make_policy(status=S.DRAFT)
    assert selectors.policy_in_force("sendai", date(2026, 1, 1)) is None
    assert not selectors.items_for_month("sendai", date(2026, 1, 1)).exists()
    approved = make_policy(version=2)
    assert selectors.policy_for_month("sendai", date(2024, 3, 1)) is None
    assert selectors.policy_for_month("sendai", date(2024, 4, 1)) == approved
    assert selectors.policy_for_month("sendai", date(2029, 4, 1)) is None


def test_kobe_first_month_starts_on_june_2():
    kobe = make_policy("kobe", effective_from=date(2025, 6, 2))
    assert selectors.policy_in_force("kobe", date(2025, 6, 1)) is None
    assert selectors.policy_for_month("kobe", date(2025, 6, 1)) == kobe
