"""定常運用: occurrences generated ahead from each operation's rule, in business days (JST)."""

from datetime import date, datetime, time, timedelta

import pytest
from django_celery_beat.models import PeriodicTask

from core.models import ClosureDay
from core.timeutil import JST
from ops.models import RoutineOccurrence, RoutineOperation
from ops.services import routine as services
from ops.tasks.routine import routine_daily

pytestmark = pytest.mark.django_db

P = RoutineOperation.NonBusinessDay


def operation(**kw) -> RoutineOperation:
    fields = {
        "name": "システム統計情報",
        "category": RoutineOperation.Category.STATISTICS,
        "frequency": RoutineOperation.Frequency.MONTHLY,
        "day_of_month": 3,
        "due_time": time(17, 0),
        "valid_from": date(2026, 4, 1),
        "on_non_business_day": P.PREVIOUS,
    }
    fields.update(kw)
    return RoutineOperation.objects.create(**fields)


def due_dates(op, **filters) -> list[date]:
    return list(op.occurrences.filter(**filters).values_list("due_date", flat=True))


def test_a_monthly_day_on_a_holiday_moves_to_the_previous_business_day():
    op = operation(day_of_month=3)

    services.occurrences_generate(since=date(2027, 4, 1), until=date(2027, 6, 30))

    # 2027/5/3 is 憲法記念日 (Mon): due on Fri 4/30; 6/3 is a Thursday and stays.
    assert due_dates(op) == [date(2027, 4, 2), date(2027, 4, 30), date(2027, 6, 3)]
    may = op.occurrences.get(due_date=date(2027, 4, 30))
    assert may.rule_date == date(2027, 5, 3)
    assert may.due_at == datetime(2027, 4, 30, 17, 0, tzinfo=JST)


def test_a_closure_day_the_city_added_moves_the_operation_too():
    ClosureDay.objects.create(date=date(2027, 6, 3), reason="庁舎停電")
    op = operation(day_of_month=3)

    services.occurrences_generate(since=date(2027, 6, 1), until=date(2027, 6, 30))

    assert due_dates(op) == [date(2027, 6, 2)]


def test_the_yearly_april_transfer_falls_on_april_1_or_the_business_day_before():
    keep = operation(
        name="4月人事異動反映",
        frequency=RoutineOperation.Frequency.YEARLY,
        month=4,
        day_of_month=1,
        on_non_business_day=P.KEEP,
    )
    training = operation(
        name="異動時研修",
        frequency=RoutineOperation.Frequency.YEARLY,
        month=4,
        day_of_month=1,
        on_non_business_day=P.PREVIOUS,
    )

    services.occurrences_generate(since=date(2026, 4, 1), until=date(2028, 12, 31))

    assert due_dates(keep) == [date(2026, 4, 1), date(2027, 4, 1), date(2028, 4, 1)]
    # 2028/4/1 is a Saturday.
    assert due_dates(training) == [date(2026, 4, 1), date(2027, 4, 1), date(2028, 3, 31)]


def test_generation_is_idempotent_one_occurrence_per_operation_and_due_date():
    op = operation(frequency=RoutineOperation.Frequency.DAILY, on_non_business_day=P.PREVIOUS)

    first = services.occurrences_generate(since=date(2026, 11, 1), until=date(2026, 11, 30))
    again = services.occurrences_generate(since=date(2026, 11, 1), until=date(2026, 11, 30))
    services.occurrences_generate(since=date(2026, 11, 15), until=date(2026, 12, 10))

    assert again == 0
    days = due_dates(op)
    assert len(days) == len(set(days)) == first + 8  # 12/1–12/10 has 8 business days
    # A daily rule that moves weekends to Friday makes Friday one occurrence, not three.
    assert first == 19 and date(2026, 11, 7) not in days  # Sat
    assert op.occurrences.get(due_date=date(2026, 11, 6)).rule_date == date(2026, 11, 6)
    assert op.history.count() == 1 and RoutineOccurrence.history.count() == len(days)


def test_weekly_and_nth_business_day_rules():
    weekly = operation(frequency=RoutineOperation.Frequency.WEEKLY, weekday=0, day_of_month=None)
    nth = operation(
        frequency=RoutineOperation.Frequency.MONTHLY, day_of_month=None, business_day_ordinal=3
    )

    services.occurrences_generate(since=date(2026, 12, 28), until=date(2027, 1, 31))

    # Mondays; 12/28 is before the year end, 1/11 is 成人の日 and moves to Friday 1/8.
    assert due_dates(weekly) == [
        date(2026, 12, 28),
        date(2027, 1, 4),
        date(2027, 1, 8),
        date(2027, 1, 18),
        date(2027, 1, 25),
    ]
    # 3rd business day of January 2027: 1/4, 1/5, 1/6.
    assert due_dates(nth) == [date(2027, 1, 6)]


def test_skip_and_next_policies_and_the_month_end():
    skip = operation(frequency=RoutineOperation.Frequency.DAILY, on_non_business_day=P.SKIP)
    nxt = operation(day_of_month=3, on_non_business_day=P.NEXT)
    month_end = operation(day_of_month=31, on_non_business_day=P.KEEP)
    daily_next = operation(frequency=RoutineOperation.Frequency.DAILY, on_non_business_day=P.NEXT)

    services.occurrences_generate(since=date(2027, 4, 26), until=date(2027, 6, 30))

    assert date(2027, 5, 1) not in due_dates(skip)  # Saturday
    assert len(due_dates(skip)) == len(set(due_dates(skip)))
    assert date(2027, 5, 6) in due_dates(nxt)  # 5/3–5/5 are holidays
    assert due_dates(month_end) == [date(2027, 4, 30), date(2027, 5, 31), date(2027, 6, 30)]
    # Golden week (5/1–5/5) folds into Thursday 5/6, which keeps its own day as the rule day.
    assert daily_next.occurrences.get(due_date=date(2027, 5, 6)).rule_date == date(2027, 5, 6)
    assert not daily_next.occurrences.filter(due_date__range=(date(2027, 5, 1), date(2027, 5, 5)))


def test_only_active_operations_in_their_validity_are_generated():
    operation(name="無効", active=False)
    ended = operation(name="終了", valid_to=date(2026, 12, 31))
    later = operation(name="来年度から", valid_from=date(2027, 4, 1))

    services.occurrences_generate(since=date(2026, 12, 1), until=date(2027, 5, 31))

    assert not RoutineOccurrence.objects.filter(operation__name="無効").exists()
    assert due_dates(ended) == [date(2026, 12, 3)]
    assert due_dates(later) == [date(2027, 4, 2), date(2027, 4, 30)]


def test_the_daily_task_generates_60_days_ahead_and_marks_yesterdays_undone_as_missed(
    time_machine,
):
    time_machine.move_to(datetime(2026, 11, 2, 0, 30, tzinfo=JST))
    op = operation(frequency=RoutineOperation.Frequency.DAILY, on_non_business_day=P.KEEP)
    RoutineOccurrence.objects.create(
        operation=op,
        rule_date=date(2026, 11, 1),
        due_date=date(2026, 11, 1),
        due_at=datetime(2026, 11, 1, 17, 0, tzinfo=JST),
    )

    created = routine_daily()
    assert routine_daily() == 0

    assert created == 61  # 11/2 … 1/1
    assert max(due_dates(op)) == date(2026, 11, 2) + timedelta(days=60)
    assert op.occurrences.get(due_date=date(2026, 11, 1)).status == "missed"
    assert op.occurrences.get(due_date=date(2026, 11, 2)).status == "planned"


def test_the_beat_schedule_runs_at_0030_jst():
    task = PeriodicTask.objects.get(task="ops.tasks.routine.routine_daily")
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == (
        "30",
        "0",
        "Asia/Tokyo",
    )


def test_editing_an_operation_moves_its_future_planned_occurrences_but_not_done_ones(
    time_machine, make_user
):
    from accounts import roles

    vendor = make_user(roles.VENDOR_OPERATOR)
    time_machine.move_to(datetime(2026, 11, 10, 9, 0, tzinfo=JST))
    op = services.routine_operation_create(
        actor=vendor,
        name="FAQ 配信",
        category=RoutineOperation.Category.FAQ,
        frequency=RoutineOperation.Frequency.MONTHLY,
        day_of_month=20,
        due_time=time(17, 0),
        valid_from=date(2026, 10, 1),
    )
    assert due_dates(op) == [date(2026, 11, 20), date(2026, 12, 18)]  # 12/20 is a Sunday
    done = RoutineOccurrence.objects.create(
        operation=op,
        rule_date=date(2026, 10, 20),
        due_date=date(2026, 10, 20),
        due_at=datetime(2026, 10, 20, 17, tzinfo=JST),
        status="done",
        done_at=datetime(2026, 10, 20, 12, tzinfo=JST),
    )

    services.routine_operation_update(
        operation=op, actor=vendor, expected_version=1, day_of_month=25, due_time=time(12, 0)
    )

    assert due_dates(op) == [date(2026, 10, 20), date(2026, 11, 25), date(2026, 12, 25)]
    assert op.occurrences.get(due_date=date(2026, 11, 25)).due_at == datetime(
        2026, 11, 25, 12, tzinfo=JST
    )
    done.refresh_from_db()
    assert done.status == "done"

    services.routine_operation_update(operation=op, actor=vendor, expected_version=2, active=False)
    assert due_dates(op) == [date(2026, 10, 20)]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"frequency": "weekly", "weekday": None}, "weekday", "曜日"),
        ({"frequency": "monthly", "day_of_month": None}, "day_of_month", "どちらか一方"),
        (
            {"frequency": "monthly", "day_of_month": 5, "business_day_ordinal": 2},
            "day_of_month",
            "どちらか一方",
        ),
        ({"frequency": "yearly", "month": None, "day_of_month": 1}, "month", "月"),
        ({"frequency": "yearly", "month": 2, "day_of_month": 30}, "day_of_month", "2月に30日"),
        ({"valid_to": date(2026, 1, 1)}, "valid_to", "適用開始日より前"),
        ({"name": "  "}, "name", "名称"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_field_and_nothing_is_saved(
    make_user, fields, field, message
):
    from django.core.exceptions import ValidationError

    from accounts import roles

    data = {
        "name": "月次報告",
        "category": "meeting",
        "frequency": "monthly",
        "day_of_month": 1,
        "due_time": time(17, 0),
        "valid_from": date(2026, 4, 1),
    }
    data.update(fields)
    with pytest.raises(ValidationError) as exc:
        services.routine_operation_create(actor=make_user(roles.VENDOR_OPERATOR), **data)

    assert message in " ".join(exc.value.message_dict[field])
    assert not RoutineOperation.objects.exists() and not RoutineOccurrence.objects.exists()
