"""The results cache: results_compute stores and refreshes, bad periods are refused, misses
of a finished month open improvement plans, results_ensure recomputes only what is stale,
and the nightly job covers the current and the previous month."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from backups.models import BackupRun
from sla import computations
from sla.models import Evidence, ImprovementPlan, Result
from sla.services.results import results_compute, results_ensure, results_nightly
from sla.tests import reports_support
from sla.tests.reports_support import (
    batch_item,
    jst,
    make_policy,
    manual_item,
    nightly_run,
)

manager = reports_support.manager  # a fixture

pytestmark = pytest.mark.django_db

MAY = (date(2026, 5, 1), date(2026, 5, 31))
JUNE = (date(2026, 6, 1), date(2026, 6, 30))


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(jst(2026, 6, 10, 12, 0), tick=False)


@pytest.fixture
def policy():
    policy = make_policy()
    batch_item(policy)
    manual_item(policy)
    return policy


def stored(number: str, period=MAY) -> Result:
    return Result.objects.get(item__number=number, period_start=period[0], period_end=period[1])


def test_compute_stores_each_item_with_its_rows_and_a_second_run_refreshes_it(policy, time_machine):
    nightly_run(jst(2026, 5, 10, 22), 45)
    results = results_compute(policy=policy, start=MAY[0], end=MAY[1])

    assert [(r.item.number, r.state) for r in results] == [("8", "met"), ("27", "pending")]
    first = stored("8")
    assert first.value == Decimal("0.750")
    assert first.in_scope == 1
    assert first.rows[0]["url"] == "/backups/" and first.rows[0]["ok"] is True
    assert first.computed_at == jst(2026, 6, 10, 12, 0)

    nightly_run(jst(2026, 5, 20, 22), 180, status=BackupRun.Status.FAILED)
    time_machine.shift(timedelta(minutes=1))
    results_compute(policy=policy, start=MAY[0], end=MAY[1])

    again = stored("8")
    assert again.pk == first.pk
    assert (again.state, again.value, again.in_scope) == ("missed", Decimal("3.000"), 2)
    assert again.computed_at > first.computed_at
    assert Result.objects.count() == 2


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2026, 7, 1), date(2026, 7, 31), "未来の期間（2026年7月）"),
        (date(2024, 3, 1), date(2024, 3, 31), "契約期間（2024年4月1日〜2029年3月31日）の外"),
        (date(2026, 5, 2), date(2026, 5, 31), "月（1日〜末日）か年度"),
        (date(2026, 4, 1), date(2026, 5, 31), "月（1日〜末日）か年度"),
    ],
)
def test_a_period_in_the_future_outside_the_contract_or_of_another_shape_is_refused(
    policy, start, end, message
):
    with pytest.raises(ValidationError) as exc:
        results_compute(policy=policy, start=start, end=end)
    assert message in exc.value.message_dict["period"][0]
    assert not Result.objects.exists()


def test_a_month_judged_by_another_version_is_refused(policy):
    policy.effective_to = date(2026, 3, 31)
    policy.save()
    newer = make_policy(version=2, effective_from=date(2026, 4, 1))
    batch_item(newer)
    with pytest.raises(ValidationError, match="第2版で判定します"):
        results_compute(policy=policy, start=MAY[0], end=MAY[1])
    assert [r.item.policy_id for r in results_compute(policy=newer, start=MAY[0], end=MAY[1])] == [
        newer.pk
    ]


def test_a_draft_version_is_not_computed():
    draft = make_policy(status="draft")
    batch_item(draft)
    with pytest.raises(ValidationError, match="承認済みの版"):
        results_compute(policy=draft, start=MAY[0], end=MAY[1])


def test_a_miss_in_a_finished_month_opens_an_improvement_plan_the_running_month_does_not(
    policy,
):
    nightly_run(jst(2026, 5, 20, 22), 180)
    nightly_run(jst(2026, 6, 2, 22), 200)

    results_compute(policy=policy, start=MAY[0], end=MAY[1])
    results_compute(policy=policy, start=JUNE[0], end=JUNE[1])
    results_compute(policy=policy, start=MAY[0], end=MAY[1])  # idempotent

    assert stored("8", JUNE).state == "missed"
    plans = ImprovementPlan.objects.all()
    assert [(p.item.number, p.period_start) for p in plans] == [("8", date(2026, 5, 1))]
    assert plans[0].policy_due == date(2026, 7, 10)
    assert plans[0].completion_due == date(2026, 9, 10)


def test_ensure_reads_this_months_cache_until_it_is_ten_minutes_old(
    policy, time_machine, django_assert_num_queries
):
    first = results_ensure(policy=policy, start=JUNE[0], end=JUNE[1])
    assert first[0].state == "no_events"
    nightly_run(jst(2026, 6, 3, 22), 200)

    time_machine.shift(timedelta(minutes=9))
    with django_assert_num_queries(3):  # items, results, evidence times
        cached = results_ensure(policy=policy, start=JUNE[0], end=JUNE[1])
    assert cached[0].state == "no_events"

    time_machine.shift(timedelta(minutes=2))
    fresh = results_ensure(policy=policy, start=JUNE[0], end=JUNE[1])
    assert fresh[0].state == "missed"
    assert stored("8", JUNE).state == "missed"


def test_a_finished_month_is_stable_for_a_day_then_recomputed(policy, time_machine):
    results_ensure(policy=policy, start=MAY[0], end=MAY[1])
    nightly_run(jst(2026, 5, 20, 22), 180)  # a late record

    time_machine.shift(timedelta(hours=23))
    assert results_ensure(policy=policy, start=MAY[0], end=MAY[1])[0].state == "no_events"
    time_machine.shift(timedelta(hours=2))
    assert results_ensure(policy=policy, start=MAY[0], end=MAY[1])[0].state == "missed"


def test_a_result_computed_while_the_month_was_running_is_recomputed_after_it_ends(
    policy, time_machine
):
    time_machine.move_to(jst(2026, 5, 31, 23, 58), tick=False)
    results_ensure(policy=policy, start=MAY[0], end=MAY[1])
    nightly_run(jst(2026, 5, 31, 23, 59), 180)  # a breach in the last minute of the month
    time_machine.move_to(jst(2026, 6, 1, 3, 0), tick=False)
    assert results_ensure(policy=policy, start=MAY[0], end=MAY[1])[0].state == "missed"


def test_evidence_confirmed_after_the_result_recomputes_the_manual_item(
    policy, manager, time_machine
):
    assert results_ensure(policy=policy, start=MAY[0], end=MAY[1])[1].state == "pending"
    time_machine.shift(timedelta(minutes=1))
    Evidence.objects.create(
        item=policy.items.get(number="27"),
        period_start=MAY[0],
        period_end=MAY[1],
        met=True,
        note="操作履歴の取得を確認した",
        confirmed_by=manager,
        confirmed_at=jst(2026, 6, 10, 12, 1),
    )
    result = results_ensure(policy=policy, start=MAY[0], end=MAY[1])[1]
    assert result.state == "met"
    assert "確認資料" in result.rows[0]["label"]


@pytest.fixture
def broken_rule():
    @computations.rule("test_reports_broken", "試験用（失敗する規則）")
    def broken(item, start, end):
        raise RuntimeError("boom")

    yield "test_reports_broken"
    computations._rules.pop("test_reports_broken", None)


def test_an_unknown_or_failing_rule_is_data_missing_and_the_other_items_still_computed(
    policy, broken_rule
):
    batch_item(policy, number="9", order=9, rule="no_such_rule")
    batch_item(policy, number="10", order=10, rule=broken_rule)
    nightly_run(jst(2026, 5, 10, 22), 30)

    results = {r.item.number: r for r in results_compute(policy=policy, start=MAY[0], end=MAY[1])}

    assert results["8"].state == "met"
    assert results["9"].state == "data_missing"
    assert "「no_such_rule」が登録されていない" in results["9"].detail
    assert results["10"].state == "data_missing"
    assert "RuntimeError" in results["10"].detail


def test_the_nightly_job_recomputes_the_current_and_the_previous_month(policy):
    nightly_run(jst(2026, 5, 10, 22), 30)
    assert results_nightly() == 4
    assert set(Result.objects.values_list("item__number", "period_start")) == {
        ("8", date(2026, 5, 1)),
        ("27", date(2026, 5, 1)),
        ("8", date(2026, 6, 1)),
        ("27", date(2026, 6, 1)),
    }


def test_the_nightly_job_is_scheduled_at_one_in_the_morning():
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    # A transactional test may have flushed the migration's row: create it as the migration does.
    importlib.import_module("sla.migrations.0004_reports").schedules(apps, None)
    task = PeriodicTask.objects.get(task="sla.tasks.reports.results_nightly")
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == (
        "0",
        "1",
        "Asia/Tokyo",
    )
