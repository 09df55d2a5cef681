"""Improvement plans (改善策): opened once per item and month, policy due in 1 month and
completion in 3 (JST dates), status flow, reminders exactly once, open plans in reports."""

# ruff: noqa: F811 - fixtures imported from sla.tests.catalog_support are parameters here

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import roles
from core.concurrency import ConflictError
from core.timeutil import to_jst
from sla.models import ImprovementPlan, PlanReminder
from sla.selectors import catalog as selectors
from sla.services import catalog as services
from sla.tasks.catalog import catalog_plan_reminders
from sla.tests.catalog_support import jst, make_policy, manager  # noqa: F401

pytestmark = pytest.mark.django_db
P = ImprovementPlan.Status


@pytest.fixture(autouse=True)
def _october(time_machine):
    # 2026-10-05 00:30 JST is still 10-04 in UTC: the dues must count from the JST date.
    time_machine.move_to(jst(2026, 10, 5, 0, 30), tick=False)


@pytest.fixture
def item():
    return make_policy().items.get()


def test_opening_is_idempotent_per_item_and_month(item):
    first = services.improvement_plan_open(item=item, period_start=date(2026, 9, 1))
    again = services.improvement_plan_open(item=item, period_start=date(2026, 9, 30))
    assert again.pk == first.pk
    assert ImprovementPlan.objects.count() == 1
    other_month = services.improvement_plan_open(item=item, period_start=date(2026, 8, 1))
    assert other_month.pk != first.pk


def test_policy_due_in_one_month_and_completion_in_three_as_jst_dates(item):
    plan = services.improvement_plan_open(item=item, period_start=date(2026, 9, 1))
    assert plan.opened_at == jst(2026, 10, 5, 0, 30)
    assert plan.policy_due == date(2026, 11, 5)
    assert plan.completion_due == date(2027, 1, 5)
    assert plan.status == P.OPEN
    assert plan.history.count() == 1


def test_month_end_openings_clamp_to_the_last_day(item, time_machine):
    time_machine.move_to(jst(2026, 10, 31, 9, 0), tick=False)
    plan = services.improvement_plan_open(item=item, period_start=date(2026, 10, 1))
    assert (plan.policy_due, plan.completion_due) == (date(2026, 11, 30), date(2027, 1, 31))


def test_a_plan_for_a_future_month_is_refused(item):
    with pytest.raises(ValidationError):
        services.improvement_plan_open(item=item, period_start=date(2026, 11, 1))
    assert not ImprovementPlan.objects.exists()


def test_status_flow_policy_reported_then_completed(item, manager):
    plan = services.improvement_plan_open(item=item, period_start=date(2026, 9, 1))
    with pytest.raises(ValidationError, match="改善方針を報告してから"):
        services.improvement_plan_complete(
            plan=plan, actor=manager, expected_version=plan.version, countermeasure="x"
        )
    with pytest.raises(ValidationError) as exc:
        services.improvement_plan_report_policy(
            plan=plan, actor=manager, expected_version=plan.version, cause="", policy_text=""
        )
    assert set(exc.value.message_dict) == {"cause", "policy_text"}
    plan = services.improvement_plan_report_policy(
        plan=plan,
        actor=manager,
        expected_version=plan.version,
        owner=manager,
        cause="夜間バッチの遅延",
        policy_text="ジョブの並列化",
    )
    assert plan.status == P.POLICY_REPORTED and plan.policy_reported_at == jst(2026, 10, 5, 0, 30)
    plan = services.improvement_plan_complete(
        plan=plan,
        actor=manager,
        expected_version=plan.version,
        owner=manager,
        cause=plan.cause,
        policy_text=plan.policy_text,
        countermeasure="並列化を本番に適用し、処理時間が 1.2 時間に短縮した。",
    )
    assert plan.status == P.COMPLETED and plan.completed_at is not None
    with pytest.raises(ValidationError, match="完了した改善策は変更できません"):
        services.improvement_plan_update(
            plan=plan, actor=manager, expected_version=plan.version, cause="後から"
        )


def test_plan_edits_check_version_role_and_owner(item, manager, make_user, vendor_operator):
    plan = services.improvement_plan_open(item=item, period_start=date(2026, 9, 1))
    services.improvement_plan_update(plan=plan, actor=manager, expected_version=1, cause="a")
    with pytest.raises(ConflictError):
        services.improvement_plan_update(plan=plan, actor=manager, expected_version=1, cause="b")
    with pytest.raises(PermissionDenied):
        services.improvement_plan_update(
            plan=plan, actor=vendor_operator, expected_version=2, cause="c"
        )
    with pytest.raises(ValidationError) as exc:
        services.improvement_plan_update(
            plan=plan, actor=manager, expected_version=2, owner=vendor_operator
        )
    assert "owner" in exc.value.message_dict
    plan.refresh_from_db()
    assert (plan.cause, plan.owner) == ("a", None)


def _run_daily(time_machine, start: date, end: date, runs_per_day=2):
    day = start
    while day <= end:
        time_machine.move_to(jst(day.year, day.month, day.day, 8, 30), tick=False)
        for _ in range(runs_per_day):
            catalog_plan_reminders()
        day += timedelta(days=1)


def test_reminders_before_and_at_each_due_date_are_sent_exactly_once(
    item, manager, make_user, time_machine
):
    owner = make_user(roles.VENDOR_MANAGER, name="担当 責任者")
    make_user(roles.CITY_ADMIN)  # not a recipient
    plan = services.improvement_plan_open(item=item, period_start=date(2026, 9, 1), owner=owner)
    mail.outbox.clear()

    _run_daily(time_machine, date(2026, 10, 5), date(2027, 2, 10))

    sent = {r.kind: to_jst(r.sent_at).date() for r in PlanReminder.objects.filter(plan=plan)}
    assert sent == {
        "policy_before": date(2026, 10, 31),  # 5 days before 11-05
        "policy_due": date(2026, 11, 5),
        "completion_before": date(2026, 12, 31),
        "completion_due": date(2027, 1, 5),
    }
    assert len(mail.outbox) == 4
    assert all(sorted(m.to) == sorted([owner.email, manager.email]) for m in mail.outbox)
    subjects = [m.subject for m in mail.outbox]
    assert "改善方針の報告: 期限まであと5日" in subjects[0]
    assert "改善方針の報告: 本日が期限です" in subjects[1]
    assert "改善策の完了: 期限まであと5日" in subjects[2]
    assert "改善策の完了: 本日が期限です" in subjects[3]
    assert "2026年9月" in mail.outbox[0].body


def test_reminder_days_follow_jst(item, manager, time_machine):
    plan = services.improvement_plan_open(item=item, period_start=date(2026, 9, 1))
    time_machine.move_to(jst(2026, 10, 31, 8, 30), tick=False)
    services.improvement_plan_reminders_send()
    assert PlanReminder.objects.get(plan=plan).kind == "policy_before"


def test_no_policy_reminders_once_the_policy_is_reported(item, manager, time_machine):
    plan = services.improvement_plan_open(item=item, period_start=date(2026, 9, 1))
    services.improvement_plan_report_policy(
        plan=plan, actor=manager, expected_version=1, cause="原因", policy_text="方針"
    )
    _run_daily(time_machine, date(2026, 10, 5), date(2026, 12, 1), runs_per_day=1)
    assert not PlanReminder.objects.exists()
    _run_daily(time_machine, date(2026, 12, 31), date(2027, 1, 6), runs_per_day=1)
    assert set(PlanReminder.objects.values_list("kind", flat=True)) == {
        "completion_before",
        "completion_due",
    }


def test_a_missed_day_sends_the_due_reminder_not_a_late_before_reminder(
    item, manager, time_machine
):
    services.improvement_plan_open(item=item, period_start=date(2026, 9, 1))
    time_machine.move_to(jst(2026, 11, 9, 8, 30), tick=False)  # first run after the due
    services.improvement_plan_reminders_send()
    assert list(PlanReminder.objects.values_list("kind", flat=True)) == ["policy_due"]
    assert "期限を過ぎています" in mail.outbox[-1].subject


def test_completed_plans_get_no_reminders(item, manager, time_machine):
    plan = services.improvement_plan_open(item=item, period_start=date(2026, 9, 1))
    plan = services.improvement_plan_report_policy(
        plan=plan, actor=manager, expected_version=1, cause="原因", policy_text="方針"
    )
    services.improvement_plan_complete(
        plan=plan,
        actor=manager,
        expected_version=plan.version,
        policy_text="方針",
        countermeasure="実施",
    )
    _run_daily(time_machine, date(2026, 10, 5), date(2027, 2, 1), runs_per_day=1)
    assert not PlanReminder.objects.exists()


def test_nothing_is_recorded_while_nobody_can_be_told(item, time_machine):
    services.improvement_plan_open(item=item, period_start=date(2026, 9, 1))
    time_machine.move_to(jst(2026, 11, 5, 8, 30), tick=False)
    assert services.improvement_plan_reminders_send() == 0
    assert not PlanReminder.objects.exists()


def test_open_plans_appear_in_every_monthly_report_until_closed(item, manager, time_machine):
    plan = services.improvement_plan_open(item=item, period_start=date(2026, 9, 1))
    kobe_item = make_policy("kobe", effective_from=date(2025, 6, 2)).items.get()
    services.improvement_plan_open(item=kobe_item, period_start=date(2026, 9, 1))
    assert list(selectors.open_plans(profile="sendai", month=date(2026, 8, 1))) == []
    for month in (date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)):
        assert list(selectors.open_plans(profile="sendai", month=month)) == [plan]
    time_machine.move_to(jst(2026, 12, 10, 10, 0), tick=False)
    plan = services.improvement_plan_report_policy(
        plan=plan, actor=manager, expected_version=1, cause="原因", policy_text="方針"
    )
    services.improvement_plan_complete(
        plan=plan,
        actor=manager,
        expected_version=plan.version,
        policy_text="方針",
        countermeasure="実施",
    )
    # Shown (as 完了) in the report of the month it was completed, gone from the next one.
    assert list(selectors.open_plans(profile="sendai", month=date(2026, 12, 1))) == [plan]
    assert list(selectors.open_plans(profile="sendai", month=date(2027, 1, 1))) == []
    assert list(selectors.open_plans(profile="sendai")) == []
    assert selectors.open_plans().count() == 1  # the Kobe one


def test_the_daily_reminder_job_is_scheduled_at_0830_jst():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="sla.tasks.catalog.plan_reminders")
    assert (task.crontab.minute, task.crontab.hour) == ("30", "8")
    assert str(task.crontab.timezone) == "Asia/Tokyo"
    assert task.enabled
