from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from core import calendar as cal
from core.calendar import BusinessCalendar, using_calendar
from core.models import ClosureDay, DeskHours
from core.timeutil import JST

pytestmark = pytest.mark.django_db


def jst(*args):
    return datetime(*args, tzinfo=JST)


# --- fixed cases ---------------------------------------------------------------------


def test_year_end_mail_in_the_evening_is_answered_from_january_4_in_sendai(settings):
    settings.CITY_PROFILE = "sendai"
    received = jst(2026, 12, 28, 18, 10)

    assert not cal.is_business_time(received)
    assert cal.next_business_opening(received) == jst(2027, 1, 4, 8, 30)
    for day in range(29, 32):
        assert not cal.is_business_day(date(2026, 12, day))
    for day in (1, 2, 3):
        assert not cal.is_business_day(date(2027, 1, day))
    assert cal.is_business_day(date(2027, 1, 4))

    deadline = cal.deadline_after_business_minutes(received, 480)

    assert deadline.due == jst(2027, 1, 4, 16, 30)
    assert deadline.explanation == (
        "受付 12/28(月) 18:10 は業務時間外 → 12/29–1/3 年末年始閉庁を除外"
        " → 1/4(月) 08:30 起算 → 480分後 1/4(月) 16:30"
    )
    assert str(deadline) == deadline.explanation


def test_year_end_closure_applies_even_on_weekdays_that_are_no_holiday():
    # 2025-12-29 (Mon) to 2025-12-31 (Wed) are ordinary weekdays otherwise.
    assert cal.business_hours(date(2025, 12, 29)) is None
    assert cal.add_business_days(date(2025, 12, 26), 1) == date(2026, 1, 5)


def test_golden_week_2026_skips_showa_day_and_may_3_to_6_with_the_substitute_holiday():
    assert not cal.is_business_day(date(2026, 4, 29))  # 昭和の日 (Wed)
    assert cal.is_business_day(date(2026, 4, 30))
    assert cal.is_business_day(date(2026, 5, 1))
    for day in range(2, 7):  # 土, 憲法記念日(日), みどりの日, こどもの日, 振替休日
        assert not cal.is_business_day(date(2026, 5, day))
    assert cal.is_business_day(date(2026, 5, 7))
    assert cal.add_business_days(date(2026, 4, 28), 1) == date(2026, 4, 30)
    assert cal.add_business_days(date(2026, 5, 1), 1) == date(2026, 5, 7)

    deadline = cal.deadline_after_business_minutes(jst(2026, 5, 1, 17, 0), 60)

    assert deadline.due == jst(2026, 5, 7, 9, 15)
    assert deadline.explanation == (
        "受付 5/1(金) 17:00 起算 → 5/2(土) 土曜、5/3(日) 憲法記念日、5/4(月) みどりの日、"
        "5/5(火) こどもの日、5/6(水) 憲法記念日 振替休日を除外 → 60分後 5/7(木) 09:15"
    )


def test_meeting_materials_are_due_two_business_days_before_across_golden_week():
    deadline = cal.deadline_before_business_days(date(2026, 5, 7), 2)

    assert deadline.due == jst(2026, 4, 30, 17, 15)
    assert deadline.explanation == (
        "会議 5/7(木) → 5/2(土) 土曜、5/3(日) 憲法記念日、5/4(月) みどりの日、"
        "5/5(火) こどもの日、5/6(水) 憲法記念日 振替休日を除外 → 2営業日前 4/30(木) 17:15"
    )


def test_minutes_are_due_three_business_days_after_the_meeting():
    deadline = cal.deadline_after_business_days(date(2026, 4, 28), 3, label="会議")

    # 4/29 昭和の日, 4/30 (1), 5/1 (2), GW, 5/7 (3)
    assert deadline.due == jst(2026, 5, 7, 17, 15)
    assert deadline.explanation.startswith("会議 4/28(火) → 4/29(水) 昭和の日、5/2(土) 土曜")
    assert deadline.explanation.endswith("を除外 → 3営業日後 5/7(木) 17:15")


def test_citizens_holiday_between_respect_for_the_aged_day_and_the_equinox_2026():
    assert not cal.is_business_day(date(2026, 9, 21))  # 敬老の日
    assert not cal.is_business_day(date(2026, 9, 22))  # 国民の休日
    assert not cal.is_business_day(date(2026, 9, 23))  # 秋分の日
    assert cal.add_business_days(date(2026, 9, 18), 1) == date(2026, 9, 24)

    deadline = cal.deadline_after_business_days(jst(2026, 9, 18, 10, 0), 1)

    assert deadline.due == jst(2026, 9, 24, 10, 0)
    assert "9/22(火) 国民の休日" in deadline.explanation
    assert "9/19(土)–9/20(日) 土日" in deadline.explanation


def test_a_closure_day_added_by_an_admin_is_not_a_business_day():
    friday = date(2026, 8, 14)
    assert cal.is_business_day(friday)

    ClosureDay.objects.create(date=friday, reason="市独自の休日")

    assert not cal.is_business_day(friday)
    assert cal.business_hours(friday) is None
    assert cal.next_business_opening(jst(2026, 8, 13, 17, 15)) == jst(2026, 8, 17, 8, 30)
    deadline = cal.deadline_after_business_minutes(jst(2026, 8, 13, 17, 15), 30)
    assert deadline.due == jst(2026, 8, 17, 9, 0)
    assert "8/14(金) 市独自の休日、8/15(土)–8/16(日) 土日を除外" in deadline.explanation


def test_kobe_uses_its_own_desk_hours(settings):
    settings.CITY_PROFILE = "kobe"

    assert cal.business_hours(date(2026, 12, 28)) == (time(8, 45), time(17, 30))
    assert cal.is_business_time(jst(2026, 12, 28, 17, 20))
    assert cal.next_business_opening(jst(2026, 12, 28, 18, 10)) == jst(2027, 1, 4, 8, 45)
    assert cal.add_business_minutes(jst(2026, 12, 28, 18, 10), 480) == jst(2027, 1, 4, 16, 45)


def test_desk_hours_row_changes_the_hours_only_from_its_valid_from(settings):
    settings.CITY_PROFILE = "sendai"
    DeskHours.objects.create(
        profile="sendai", valid_from=date(2026, 10, 1), opens=time(9, 0), closes=time(17, 0)
    )
    DeskHours.objects.create(  # another city's row is ignored
        profile="kobe", valid_from=date(2026, 1, 1), opens=time(10, 0), closes=time(12, 0)
    )

    assert cal.business_hours(date(2026, 9, 30)) == (time(8, 30), time(17, 15))
    assert cal.business_hours(date(2026, 10, 1)) == (time(9, 0), time(17, 0))
    assert cal.business_hours(date(2027, 6, 1)) == (time(9, 0), time(17, 0))
    # 15 minutes left on 9/30 under the old hours, 45 on 10/1 under the new ones.
    assert cal.add_business_minutes(jst(2026, 9, 30, 17, 0), 60) == jst(2026, 10, 1, 9, 45)
    assert cal.business_minutes_between(jst(2026, 9, 30, 8, 0), jst(2026, 10, 2, 0, 0)) == (
        525 + 480
    )
    # Same clock time one business day later, clamped into the new hours.
    deadline = cal.deadline_after_business_days(jst(2026, 9, 30, 8, 40), 1)
    assert deadline.due == jst(2026, 10, 1, 9, 0)
    assert deadline.explanation.endswith("1営業日後 10/1(木) 09:00 (受付時間内に調整)")


def test_server_time_zone_does_not_matter(settings):
    settings.TIME_ZONE = "UTC"
    received_utc = datetime(2026, 12, 28, 9, 10, tzinfo=UTC)  # 18:10 JST

    with timezone.override(ZoneInfo("America/New_York")):
        due = cal.add_business_minutes(received_utc, 480)
        deadline = cal.deadline_after_business_minutes(received_utc, 480)
        assert not cal.is_business_time(received_utc)
        assert cal.is_business_time(datetime(2026, 12, 28, 8, 0, tzinfo=UTC))  # 17:00 JST

    assert due == jst(2027, 1, 4, 16, 30)
    assert due.utcoffset() == timedelta(hours=9)
    assert deadline.explanation.startswith("受付 12/28(月) 18:10 は業務時間外")
    # A UTC Sunday evening is already Monday morning in Tokyo.
    assert cal.is_business_day(datetime(2026, 6, 7, 23, 30, tzinfo=UTC))


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 12, 28, 18, 10)
    with pytest.raises(ValueError, match="naive"):
        cal.is_business_time(naive)
    with pytest.raises(ValueError, match="naive"):
        cal.next_business_opening(naive)
    with pytest.raises(ValueError, match="naive"):
        cal.add_business_minutes(naive, 10)
    with pytest.raises(ValueError, match="naive"):
        cal.add_business_days(naive, 1)
    with pytest.raises(ValueError, match="naive"):
        cal.business_minutes_between(naive, jst(2027, 1, 4, 9, 0))
    with pytest.raises(ValueError, match="naive"):
        cal.deadline_after_business_minutes(naive, 10)


def test_a_deadline_landing_exactly_at_closing_time_stays_at_close():
    monday = jst(2026, 6, 8, 8, 30)

    assert cal.add_business_minutes(monday, 525) == jst(2026, 6, 8, 17, 15)
    assert cal.add_business_minutes(monday, 526) == jst(2026, 6, 9, 8, 31)
    assert cal.add_business_hours(monday, 8.75) == jst(2026, 6, 8, 17, 15)
    # Closing time itself is not business time; zero minutes from it is the next opening.
    assert not cal.is_business_time(jst(2026, 6, 8, 17, 15))
    assert cal.add_business_minutes(jst(2026, 6, 8, 17, 15), 0) == jst(2026, 6, 9, 8, 30)
    assert cal.is_business_time(jst(2026, 6, 8, 8, 30))
    assert cal.next_business_opening(jst(2026, 6, 8, 7, 0)) == jst(2026, 6, 8, 8, 30)


def test_business_days_from_a_datetime_keep_the_clock_time_from_the_counting_start():
    assert cal.add_business_days(jst(2026, 6, 5, 10, 0), 1) == jst(2026, 6, 8, 10, 0)
    # Monday-evening mail counts from Tuesday 08:30.
    assert cal.add_business_days(jst(2026, 6, 8, 18, 10), 1) == jst(2026, 6, 10, 8, 30)
    assert cal.add_business_days(date(2026, 6, 10), -2) == date(2026, 6, 8)
    assert cal.add_business_days(date(2026, 6, 6), 0) == date(2026, 6, 6)


def test_business_minutes_between_counts_only_desk_hours():
    assert cal.business_minutes_between(jst(2026, 6, 8, 17, 0), jst(2026, 6, 9, 9, 0)) == 45
    assert cal.business_minutes_between(jst(2026, 6, 9, 9, 0), jst(2026, 6, 8, 17, 0)) == 0
    assert cal.business_minutes_between(jst(2026, 6, 6, 0, 0), jst(2026, 6, 8, 0, 0)) == 0


def test_adding_ten_thousand_minutes_loads_the_calendar_once(django_assert_max_num_queries):
    ClosureDay.objects.create(date=date(2026, 6, 12), reason="市独自の休日")
    with django_assert_max_num_queries(2):
        due = cal.add_business_minutes(jst(2026, 6, 1, 9, 0), 10_000)
    assert cal.business_minutes_between(jst(2026, 6, 1, 9, 0), due) == 10_000

    with django_assert_max_num_queries(2), using_calendar():
        for day in range(1, 31):
            cal.is_business_day(date(2026, 6, day))
            cal.deadline_after_business_minutes(jst(2026, 6, day, 12, 0), 600)


def test_negative_amounts_and_non_positive_deadline_days_are_refused():
    with pytest.raises(ValueError):
        cal.add_business_minutes(jst(2026, 6, 8, 9, 0), -1)
    with pytest.raises(ValueError):
        cal.deadline_before_business_days(date(2026, 6, 8), 0)


def test_city_admin_manages_closure_days_and_desk_hours_in_the_admin(client, city_admin):
    ClosureDay.objects.create(date=date(2026, 8, 14), reason="市独自の休日")
    DeskHours.objects.create(
        profile="sendai", valid_from=date(2026, 10, 1), opens=time(9, 0), closes=time(17, 0)
    )
    client.force_login(city_admin)

    closures = client.get(reverse("admin:core_closureday_changelist"))
    hours = client.get(reverse("admin:core_deskhours_changelist"))

    assert closures.status_code == 200
    assert "市独自の休日" in closures.content.decode()
    assert "曜日" in closures.content.decode()
    assert hours.status_code == 200
    assert "適用開始日" in hours.content.decode()
    history = client.get(
        reverse("admin:core_closureday_history", args=[ClosureDay.objects.get().pk])
    )
    assert history.status_code == 200


# --- properties ----------------------------------------------------------------------

ZONES = st.sampled_from([JST, UTC, ZoneInfo("America/New_York"), ZoneInfo("Europe/London")])
starts = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=ZONES
)
minutes = st.integers(min_value=0, max_value=20_000)
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


def _is_business_time_or_close(calendar: BusinessCalendar, dt: datetime) -> bool:
    hours = calendar.business_hours(dt.date())
    return hours is not None and hours[0] <= dt.time() <= hours[1]


def _check_minutes(calendar: BusinessCalendar, start: datetime, m: int) -> datetime:
    due = cal.add_business_minutes(start, m)
    counted_from = cal.next_business_opening(start)
    assert due.utcoffset() == timedelta(hours=9)
    assert cal.business_minutes_between(counted_from, due) == m
    assert cal.business_minutes_between(start, due) == m
    if m == 0:
        assert due == counted_from
        assert cal.is_business_time(due)
    else:
        # Business time, or exactly a closing time when the span ends at a close.
        assert cal.is_business_time(due) or due.time() == calendar.business_hours(due.date())[1]
        assert _is_business_time_or_close(calendar, due)
    return due


@hsettings(deadline=None, max_examples=200)
@given(start=starts, m=minutes)
def test_adding_minutes_counts_exactly_that_many_business_minutes(start, m):
    with using_calendar() as calendar:
        _check_minutes(calendar, start, m)


@hsettings(deadline=None, max_examples=200)
@given(start=starts, a=minutes, b=minutes)
def test_more_minutes_never_give_an_earlier_deadline(start, a, b):
    low, high = sorted((a, b))
    assert cal.add_business_minutes(start, low) <= cal.add_business_minutes(start, high)


@hsettings(deadline=None, max_examples=200)
@given(d=days, n=st.integers(min_value=-60, max_value=60))
def test_adding_business_days_lands_exactly_n_business_days_away(d, n):
    with using_calendar() as calendar:
        result = cal.add_business_days(d, n)
        if n == 0:
            assert result == d
            return
        assert calendar.is_business_day(result)
        lo, hi = (d, result) if n > 0 else (result, d)
        span = [lo + timedelta(days=i) for i in range(1, (hi - lo).days + 1)]
        if n < 0:  # (result, d] -> [result, d)
            span = [day - timedelta(days=1) for day in span]
        assert sum(calendar.is_business_day(day) for day in span) == abs(n)


@hsettings(deadline=None, max_examples=200)
@given(start=starts, a=st.integers(0, 40), b=st.integers(0, 40))
def test_business_days_from_a_datetime_are_business_time_and_monotonic(start, a, b):
    with using_calendar() as calendar:
        low, high = sorted((a, b))
        due_low = cal.add_business_days(start, low)
        due_high = cal.add_business_days(start, high)
        assert due_low <= due_high
        assert _is_business_time_or_close(calendar, due_high)
        counted_from = cal.next_business_opening(start)
        assert due_high.date() == cal.add_business_days(counted_from.date(), high)


@st.composite
def calendars(draw):
    """In-memory calendars with extra closure days and effective-dated hour changes."""

    def hours():
        opens = draw(st.integers(6 * 60, 11 * 60))
        closes = draw(st.integers(opens + 1, 20 * 60))
        return time(*divmod(opens, 60)), time(*divmod(closes, 60))

    closures = draw(st.dictionaries(days, st.just("臨時閉庁"), max_size=30))
    changes = draw(st.dictionaries(days, st.just(None), max_size=4))
    return BusinessCalendar(
        default_hours=hours(),
        closures=closures,
        desk_hours=[(valid_from, *hours()) for valid_from in changes],
    )


@hsettings(deadline=None, max_examples=200)
@given(calendar=calendars(), start=starts, a=minutes, b=minutes)
def test_minute_arithmetic_holds_with_closures_and_changing_hours(calendar, start, a, b):
    with using_calendar(calendar):
        low, high = sorted((a, b))
        assert _check_minutes(calendar, start, low) <= _check_minutes(calendar, start, high)
