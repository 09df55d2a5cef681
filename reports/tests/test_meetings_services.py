"""定例報告会議: deadlines on the business calendar, the minutes flow, action items, warnings."""

from datetime import date, datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from accounts import roles
from core.timeutil import JST
from reports.models.meetings import ActionItem, Meeting, MeetingDeadlineWarning
from reports.selectors import meetings as selectors
from reports.services import meetings as services

pytestmark = pytest.mark.django_db


def make_meeting(user, day: date, *, profile="sendai", hour=14, titles=("運用報告", "障害報告")):
    return services.meeting_create(
        user=user,
        profile=profile,
        held_at=datetime(day.year, day.month, day.day, hour, 0, tzinfo=JST),
        place="市役所本庁舎 会議室A",
        agenda_titles=list(titles),
        outside_attendees="外部 有識者",
    )


def as_jst(dt):
    return dt.astimezone(JST)


# --- deadlines ----------------------------------------------------------------------------


def test_materials_deadline_skips_golden_week_2026(vendor_operator):
    # 5/2 (土), 5/3 (日・憲法記念日), 5/4 みどりの日, 5/5 こどもの日, 5/6 振替休日 are closed:
    # the 2nd business day before Thu 5/7 is Thu 4/30 (5/1 is the 1st).
    meeting = make_meeting(vendor_operator, date(2026, 5, 7))
    d = services.meeting_deadlines(meeting)
    assert as_jst(d.materials.due) == datetime(2026, 4, 30, 17, 15, tzinfo=JST)
    assert "5/2(土)" in d.materials.explanation
    assert "振替休日" in d.materials.explanation
    assert "2営業日前" in d.materials.explanation


def test_minutes_deadline_skips_golden_week_2026(vendor_operator):
    # Meeting Thu 4/30: 5/1 (1), then 5/2–5/6 closed, 5/7 (2), 5/8 (3).
    meeting = make_meeting(vendor_operator, date(2026, 4, 30))
    d = services.meeting_deadlines(meeting)
    assert as_jst(d.minutes.due) == datetime(2026, 5, 8, 17, 15, tzinfo=JST)
    assert "3営業日後" in d.minutes.explanation
    assert "こどもの日" in d.minutes.explanation


def test_materials_deadline_across_year_end(vendor_operator):
    # Meeting Tue 2027-01-05: 1/4 (1); 12/29–1/3 年末年始 and the weekend skipped; 12/28 (2).
    meeting = make_meeting(vendor_operator, date(2027, 1, 5))
    d = services.meeting_deadlines(meeting)
    assert as_jst(d.materials.due) == datetime(2026, 12, 28, 17, 15, tzinfo=JST)
    assert "年末年始" in d.materials.explanation


def test_minutes_deadline_across_year_end(vendor_operator):
    # Meeting Fri 2026-12-25: 12/28 (1), 12/29–1/3 closed, 1/4 (2), 1/5 (3).
    meeting = make_meeting(vendor_operator, date(2026, 12, 25))
    d = services.meeting_deadlines(meeting)
    assert as_jst(d.minutes.due) == datetime(2027, 1, 5, 17, 15, tzinfo=JST)
    assert "12/29–1/3 年末年始閉庁" in d.minutes.explanation


def test_kobe_contract_uses_kobe_desk_hours(vendor_operator):
    meeting = make_meeting(vendor_operator, date(2026, 5, 7), profile="kobe")
    d = services.meeting_deadlines(meeting)
    assert as_jst(d.materials.due) == datetime(2026, 4, 30, 17, 30, tzinfo=JST)


def test_one_meeting_per_month_per_contract(vendor_operator):
    make_meeting(vendor_operator, date(2026, 6, 10))
    with pytest.raises(ValidationError) as exc:
        make_meeting(vendor_operator, date(2026, 6, 24))
    assert "すでに登録" in str(exc.value)
    make_meeting(vendor_operator, date(2026, 6, 24), profile="kobe")
    assert Meeting.objects.count() == 2


# --- minutes flow -------------------------------------------------------------------------


def draft(meeting, user, summary="概要"):
    items = {
        i.pk: (f"{i.title}の報告", f"{i.title}の決定") for i in selectors.agenda_items(meeting)
    }
    return services.minutes_save(
        meeting=meeting, user=user, expected_version=meeting.version, summary=summary, items=items
    )


def test_minutes_flow_draft_question_answer_confirm(vendor_operator, city_admin):
    meeting = make_meeting(vendor_operator, date(2026, 6, 10))
    meeting = draft(meeting, vendor_operator)
    services.minutes_submit(meeting=meeting, user=vendor_operator)
    question = services.minutes_question(meeting=meeting, user=city_admin, text="件数の根拠は？")
    meeting.refresh_from_db()
    assert meeting.minutes_status == Meeting.MinutesStatus.DRAFT
    with pytest.raises(ValidationError, match="未回答の疑義"):
        services.minutes_submit(meeting=meeting, user=vendor_operator)
    services.minutes_answer(question=question, user=vendor_operator, text="集計表のとおり")
    services.minutes_submit(meeting=meeting, user=vendor_operator)
    confirmed = services.minutes_confirm(meeting=meeting, user=city_admin)
    assert confirmed.minutes_status == Meeting.MinutesStatus.FINAL
    assert confirmed.confirmed_by == city_admin
    assert confirmed.history.count() >= 4


def test_vendor_cannot_confirm_and_nothing_changes(vendor_operator, make_user):
    manager = make_user(roles.VENDOR_MANAGER)
    both = make_user(roles.CITY_ADMIN, roles.VENDOR_MANAGER)
    meeting = make_meeting(vendor_operator, date(2026, 6, 10))
    services.minutes_submit(meeting=meeting, user=vendor_operator)
    before = Meeting.objects.get(pk=meeting.pk)
    history = before.history.count()
    for wrong in (vendor_operator, manager, both):
        with pytest.raises(ValidationError) as exc:
            services.minutes_confirm(meeting=meeting, user=wrong)
        assert "市のシステム管理者だけ" in exc.value.messages[0]
        with pytest.raises(ValidationError):
            services.minutes_question(meeting=meeting, user=wrong, text="x")
    after = Meeting.objects.get(pk=meeting.pk)
    assert after.minutes_status == Meeting.MinutesStatus.AWAITING
    assert (after.version, after.confirmed_by_id, after.confirmed_at) == (
        before.version,
        None,
        None,
    )
    assert after.history.count() == history
    assert not after.questions.exists()


def test_city_admin_cannot_draft_or_answer(vendor_operator, city_admin):
    meeting = make_meeting(vendor_operator, date(2026, 6, 10))
    with pytest.raises(ValidationError, match="運用保守事業者だけ"):
        draft(meeting, city_admin, summary="市が書いた")
    meeting.refresh_from_db()
    assert meeting.minutes_summary == "" and meeting.version == 1


def test_confirmed_minutes_are_read_only(vendor_operator, city_admin):
    meeting = make_meeting(vendor_operator, date(2026, 6, 10))
    services.minutes_submit(meeting=meeting, user=vendor_operator)
    meeting = services.minutes_confirm(meeting=meeting, user=city_admin)
    with pytest.raises(ValidationError, match="確定した議事録は変更できません"):
        draft(meeting, vendor_operator, summary="後から")
    with pytest.raises(ValidationError):
        services.action_item_add(
            meeting=meeting, user=vendor_operator, title="x", owner="y", due=date(2026, 7, 1)
        )
    with pytest.raises(ValidationError, match="すでに確定"):
        services.minutes_confirm(meeting=meeting, user=city_admin)
    meeting.refresh_from_db()
    assert meeting.minutes_summary == ""


def test_stale_version_is_refused(vendor_operator):
    from core.concurrency import ConflictError

    meeting = make_meeting(vendor_operator, date(2026, 6, 10))
    draft(meeting, vendor_operator, summary="先")
    with pytest.raises(ConflictError):
        draft(meeting, vendor_operator, summary="後")  # the same (old) version
    meeting.refresh_from_db()
    assert meeting.minutes_summary == "先"


# --- action items -------------------------------------------------------------------------


def test_action_items_carry_into_next_meetings_until_done(vendor_operator):
    june = make_meeting(vendor_operator, date(2026, 6, 10))
    july = make_meeting(vendor_operator, date(2026, 7, 8))
    august = make_meeting(vendor_operator, date(2026, 8, 5))
    kobe = make_meeting(vendor_operator, date(2026, 7, 8), profile="kobe")
    a = services.action_item_add(
        meeting=june,
        user=vendor_operator,
        title="ログ保管期間の確認",
        owner="運用担当",
        due=date(2026, 7, 1),
    )
    b = services.action_item_add(
        meeting=june,
        user=vendor_operator,
        title="手順書の改訂",
        owner="運用担当",
        due=date(2026, 6, 30),
    )
    services.action_item_set_status(item=b, meeting=june, user=vendor_operator, status="done")
    assert list(selectors.action_items_for(july)) == [a]
    assert list(selectors.action_items_for(kobe)) == []
    services.action_item_set_status(item=a, meeting=july, user=vendor_operator, status="doing")
    services.action_item_set_status(item=a, meeting=july, user=vendor_operator, status="done")
    assert list(selectors.action_items_for(july)) == [a]  # reported done at July
    assert list(selectors.action_items_for(august)) == []
    a.refresh_from_db()
    assert (a.status, a.done_in_id) == (ActionItem.Status.DONE, july.pk)


# --- deadline warnings --------------------------------------------------------------------


def test_warnings_day_before_and_on_the_day_once_each(vendor_operator, time_machine):
    make_meeting(vendor_operator, date(2026, 5, 7))  # materials due Thu 4/30
    mail.outbox.clear()
    time_machine.move_to(datetime(2026, 4, 27, 7, 30, tzinfo=JST))
    assert services.send_deadline_warnings() == 0
    # The business day before 4/30 is 4/28 (4/29 昭和の日 is a holiday).
    time_machine.move_to(datetime(2026, 4, 28, 7, 30, tzinfo=JST))
    assert services.send_deadline_warnings() == 1
    assert services.send_deadline_warnings() == 0  # beat ran twice
    time_machine.move_to(datetime(2026, 4, 29, 7, 30, tzinfo=JST))
    assert services.send_deadline_warnings() == 0
    time_machine.move_to(datetime(2026, 4, 30, 7, 30, tzinfo=JST))
    assert services.send_deadline_warnings() == 1
    assert services.send_deadline_warnings() == 0
    assert len(mail.outbox) == 2
    assert "会議資料の提出" in mail.outbox[0].subject
    assert vendor_operator.email in mail.outbox[0].to
    assert "振替休日" in mail.outbox[0].body
    assert MeetingDeadlineWarning.objects.count() == 2


def test_no_minutes_warning_once_confirmed(vendor_operator, city_admin, time_machine):
    meeting = make_meeting(vendor_operator, date(2026, 6, 10))  # minutes due Mon 6/15
    services.minutes_submit(meeting=meeting, user=vendor_operator)
    services.minutes_confirm(meeting=meeting, user=city_admin)
    time_machine.move_to(datetime(2026, 6, 15, 7, 30, tzinfo=JST))
    assert services.send_deadline_warnings() == 0


def test_beat_schedule_is_installed(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="reports.meetings_send_deadline_warnings")
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == (
        "7",
        "30",
        "Asia/Tokyo",
    )
