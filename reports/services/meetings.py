"""定例報告会議・議事録: the writes, the deadlines and the outputs (PDF / .xlsx).

Who does what (checked here, not only in the views):
- vendor staff (VENDOR_ROLES) and city admins register meetings;
- vendor staff draft the minutes, add action items and answer the city's questions;
- a city admin who is not also vendor staff asks questions (疑義) and confirms (確定);
- confirmed minutes are read-only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import roles
from accounts.access import is_vendor, user_has_role
from core.calendar import BusinessCalendar, Deadline
from core.concurrency import update_with_version
from core.timeutil import to_jst
from reports.models.meetings import (
    ActionItem,
    AgendaItem,
    Meeting,
    MeetingDeadlineWarning,
    MinutesQuestion,
)

MATERIALS_DAYS_BEFORE = 2
MINUTES_DAYS_AFTER = 3

MSG_VENDOR_ONLY = "議事録の作成・回答は運用保守事業者だけが行えます（何も変更していません）。"
MSG_CITY_ONLY = (
    "議事録の確認・確定・疑義の照会は市のシステム管理者だけが行えます"
    "（事業者の方は確定できません。何も変更していません）。"
)
MSG_FINAL = "確定した議事録は変更できません。"


# --- who may -------------------------------------------------------------------------------


def may_edit(user) -> bool:
    """Vendor staff: draft the minutes, action items and answers."""
    return user.is_authenticated and is_vendor(user)


def may_confirm(user) -> bool:
    """A city admin who is not also vendor staff."""
    return user_has_role(user, roles.CITY_ADMIN) and not is_vendor(user)


def may_manage(user) -> bool:
    """Register meetings and see drafts: vendor staff and city admins."""
    return may_edit(user) or user_has_role(user, roles.CITY_ADMIN)


def may_read(user, meeting: Meeting) -> bool:
    """Drafts: vendor staff and city admins; confirmed minutes also meeting attendees."""
    if may_manage(user):
        return True
    return meeting.is_final and user_has_role(user, roles.MEETING_ATTENDEE)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ValidationError(message)


# --- deadlines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingDeadlines:
    materials: Deadline
    minutes: Deadline


def meeting_deadlines(
    meeting: Meeting, *, calendar: BusinessCalendar | None = None
) -> MeetingDeadlines:
    """Materials 2 business days before, minutes 3 business days after (the meeting's
    contract calendar: weekends, holidays, 12/29–1/3 and city closures excluded)."""
    calendar = calendar or BusinessCalendar.load(meeting.profile)
    day = to_jst(meeting.held_at).date()
    return MeetingDeadlines(
        materials=calendar.deadline_before_business_days(day, MATERIALS_DAYS_BEFORE, label="会議"),
        minutes=calendar.deadline_after_business_days(day, MINUTES_DAYS_AFTER, label="会議"),
    )


# --- meetings ------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    user,
    profile: str,
    held_at: datetime,
    place: str,
    agenda_titles: list[str],
    attendees=(),
    outside_attendees: str = "",
) -> Meeting:
    _require(may_manage(user), "定例報告会議を登録できるのは事業者と市のシステム管理者です。")
    if timezone.is_naive(held_at):
        raise ValueError("held_at must be aware")
    local = to_jst(held_at)
    if Meeting.objects.filter(profile=profile, year=local.year, month=local.month).exists():
        raise ValidationError(
            {"held_on": f"{local.year}年{local.month}月の定例報告会議はすでに登録されています。"}
        )
    titles = [t.strip() for t in agenda_titles if t.strip()]
    if not titles:
        raise ValidationError({"agenda": "議題を 1 件以上入力してください。"})
    meeting = Meeting(
        profile=profile,
        year=local.year,
        month=local.month,
        held_at=held_at,
        place=place,
        outside_attendees=outside_attendees,
        created_by=user,
    )
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(attendees)
    AgendaItem.objects.bulk_create(
        [AgendaItem(meeting=meeting, order=i, title=t) for i, t in enumerate(titles, start=1)]
    )
    return meeting


# --- minutes -------------------------------------------------------------------------------


@transaction.atomic
def minutes_save(
    *,
    meeting: Meeting,
    user,
    expected_version: int,
    summary: str,
    items: dict[int, tuple[str, str]],
) -> Meeting:
    """The vendor's draft: the summary and, per agenda item, (reported, decided)."""
    _require(may_edit(user), MSG_VENDOR_ONLY)
    _require(not meeting.is_final, MSG_FINAL)
    _require(
        meeting.minutes_status == Meeting.MinutesStatus.DRAFT,
        "市の確認待ちの間は編集できません（疑義の照会で作成中に戻ります）。",
    )
    updated = update_with_version(
        meeting, expected_version=expected_version, fields={"minutes_summary": summary}
    )
    for item in AgendaItem.objects.filter(meeting=meeting, pk__in=items):
        reported, decided = items[item.pk]
        if (item.reported, item.decided) != (reported, decided):
            item.reported, item.decided = reported, decided
            item.save(update_fields=["reported", "decided"])
    return updated


@transaction.atomic
def minutes_submit(*, meeting: Meeting, user) -> Meeting:
    _require(may_edit(user), MSG_VENDOR_ONLY)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require(locked.minutes_status == Meeting.MinutesStatus.DRAFT, "作成中の議事録ではありません。")
    _require(
        not locked.questions.filter(answered_at__isnull=True).exists(),
        "未回答の疑義があります。回答してから確認を依頼してください。",
    )
    locked.minutes_status = Meeting.MinutesStatus.AWAITING
    locked.submitted_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["minutes_status", "submitted_at", "version"])
    return locked


@transaction.atomic
def minutes_question(*, meeting: Meeting, user, text: str) -> MinutesQuestion:
    """The city asks (疑義); the minutes go back to 作成中 for the vendor's answer."""
    _require(may_confirm(user), MSG_CITY_ONLY)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require(
        locked.minutes_status == Meeting.MinutesStatus.AWAITING,
        "市確認待ちの議事録にだけ疑義を照会できます。",
    )
    if not text.strip():
        raise ValidationError({"text": "疑義の内容を入力してください。"})
    question = MinutesQuestion.objects.create(meeting=locked, text=text.strip(), asked_by=user)
    locked.minutes_status = Meeting.MinutesStatus.DRAFT
    locked.version += 1
    locked.save(update_fields=["minutes_status", "version"])
    return question


@transaction.atomic
def minutes_answer(*, question: MinutesQuestion, user, text: str) -> MinutesQuestion:
    _require(may_edit(user), MSG_VENDOR_ONLY)
    locked = (
        MinutesQuestion.objects.select_for_update().select_related("meeting").get(pk=question.pk)
    )
    _require(not locked.meeting.is_final, MSG_FINAL)
    _require(locked.answered_at is None, "この疑義にはすでに回答しています。")
    if not text.strip():
        raise ValidationError({"text": "回答を入力してください。"})
    locked.answer = text.strip()
    locked.answered_by = user
    locked.answered_at = timezone.now()
    locked.save(update_fields=["answer", "answered_by", "answered_at"])
    return locked


@transaction.atomic
def minutes_confirm(*, meeting: Meeting, user) -> Meeting:
    """確定: only a city admin who is not vendor staff; nothing changes otherwise."""
    _require(may_confirm(user), MSG_CITY_ONLY)
    locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
    _require(not locked.is_final, "この議事録はすでに確定しています。")
    _require(
        locked.minutes_status == Meeting.MinutesStatus.AWAITING,
        "事業者から確認依頼された議事録だけを確定できます。",
    )
    _require(
        not locked.questions.filter(answered_at__isnull=True).exists(),
        "未回答の疑義があるため確定できません。",
    )
    locked.minutes_status = Meeting.MinutesStatus.FINAL
    locked.confirmed_by = user
    locked.confirmed_at = timezone.now()
    locked.version += 1
    locked.save(update_fields=["minutes_status", "confirmed_by", "confirmed_at", "version"])
    return locked


# --- action items --------------------------------------------------------------------------


@transaction.atomic
def action_item_add(*, meeting: Meeting, user, title: str, owner: str, due: date) -> ActionItem:
    _require(may_edit(user), MSG_VENDOR_ONLY)
    _require(not meeting.is_final, MSG_FINAL)
    item = ActionItem(meeting=meeting, title=title, owner=owner, due=due)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def action_item_set_status(*, item: ActionItem, meeting: Meeting, user, status: str) -> ActionItem:
    """Status as reported at ``meeting`` (the item's own or a later one it was carried into)."""
    _require(may_edit(user), MSG_VENDOR_ONLY)
    _require(not meeting.is_final, MSG_FINAL)
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": "状態を選んでください。"})
    locked = ActionItem.objects.select_for_update().get(pk=item.pk)
    _require(
        locked.status != ActionItem.Status.DONE or locked.done_in_id == meeting.pk,
        "完了した対応事項は、完了を報告した会議でだけ変更できます。",
    )
    locked.status = status
    locked.done_in = meeting if status == ActionItem.Status.DONE else None
    locked.save(update_fields=["status", "done_in"])
    return locked


# --- deadline warnings ---------------------------------------------------------------------


def send_deadline_warnings(*, now: datetime | None = None) -> int:
    """Mail vendor staff 1 business day before and on the day of each deadline, once each.

    Materials: until the meeting; minutes: until they are confirmed.
    """
    from django.core.mail import send_mail

    from accounts.selectors import vendor_staff_emails
    from core.calendar import format_datetime

    now = now or timezone.now()
    today = to_jst(now).date()
    staff = vendor_staff_emails()
    calendars: dict[str, BusinessCalendar] = {}
    sent = 0
    meetings = Meeting.objects.exclude(minutes_status=Meeting.MinutesStatus.FINAL).filter(
        held_at__gte=now - timedelta(days=40)
    )
    for meeting in meetings:
        calendar = calendars.setdefault(meeting.profile, BusinessCalendar.load(meeting.profile))
        deadlines = meeting_deadlines(meeting, calendar=calendar)
        for kind, deadline, word in (
            (MeetingDeadlineWarning.Kind.MATERIALS, deadlines.materials, "会議資料の提出"),
            (MeetingDeadlineWarning.Kind.MINUTES, deadlines.minutes, "議事録の提出"),
        ):
            due_day = to_jst(deadline.due).date()
            if today == due_day:
                stage = MeetingDeadlineWarning.Stage.ON_DAY
            elif today == calendar.previous_business_day(due_day):
                stage = MeetingDeadlineWarning.Stage.DAY_BEFORE
            else:
                continue
            try:
                with transaction.atomic():
                    MeetingDeadlineWarning.objects.create(
                        meeting=meeting, kind=kind, stage=stage, recipients=",".join(staff)
                    )
            except IntegrityError:
                continue  # already sent
            when = "本日" if stage == MeetingDeadlineWarning.Stage.ON_DAY else "明日（次の営業日）"
            send_mail(
                subject=f"【{word}期限 {when}】{meeting}",
                message=(
                    f"{meeting}（{to_jst(meeting.held_at):%Y/%m/%d %H:%M} {meeting.place}）\n"
                    f"{word}の期限: {format_datetime(deadline.due)}\n"
                    f"計算: {deadline.explanation}\n"
                ),
                from_email=None,
                recipient_list=staff,
                fail_silently=True,
            )
            sent += 1
    return sent


# --- outputs -------------------------------------------------------------------------------


def minutes_context(meeting: Meeting) -> dict:
    from reports.selectors.meetings import action_items_for, agenda_items

    return {
        "meeting": meeting,
        "attendees": list(meeting.attendees.order_by("name")),
        "outside": meeting.outside_attendee_list,
        "items": list(agenda_items(meeting)),
        "actions": list(action_items_for(meeting)),
        "questions": list(meeting.questions.select_related("asked_by", "answered_by")),
        "deadlines": meeting_deadlines(meeting),
        "held_at": to_jst(meeting.held_at),
        "confirmed_at": to_jst(meeting.confirmed_at) if meeting.confirmed_at else None,
    }


def minutes_pdf(meeting: Meeting) -> bytes:
    from core.pdf import render_pdf

    return render_pdf("reports/meetings/minutes_print.html", minutes_context(meeting))


def minutes_xlsx(meeting: Meeting) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    ctx = minutes_context(meeting)
    wb = Workbook()
    ws = wb.active
    ws.title = "議事録"
    wrap = Alignment(wrap_text=True, vertical="top")
    held = ctx["held_at"]
    rows: list[list] = [
        [f"{meeting} 議事録"],
        ["状態", meeting.get_minutes_status_display()],
        ["開催日時", f"{held:%Y/%m/%d %H:%M}"],
        ["場所", meeting.place],
        ["出席者", "、".join([u.name for u in ctx["attendees"]] + ctx["outside"])],
        ["議事概要", meeting.minutes_summary],
        [],
        ["No.", "議題", "報告内容", "決定事項"],
    ]
    rows += [[i.order, i.title, i.reported, i.decided] for i in ctx["items"]]
    rows += [[], ["対応事項", "担当", "期限", "状態", "発生会議"]]
    rows += [
        [a.title, a.owner, a.due.strftime("%Y/%m/%d"), a.get_status_display(), str(a.meeting)]
        for a in ctx["actions"]
    ]
    rows += [[], ["疑義", "回答"]]
    rows += [[q.text, q.answer] for q in ctx["questions"]]
    if ctx["confirmed_at"]:
        rows += [[], ["確定", f"{ctx['confirmed_at']:%Y/%m/%d %H:%M} {meeting.confirmed_by.name}"]]
    for row in rows:
        ws.append(row)
    ws["A1"].font = Font(bold=True, size=14)
    for col, width in zip("ABCDE", (18, 30, 40, 40, 20), strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = wrap
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_area = f"A1:E{ws.max_row}"
    ws.oddFooter.center.text = "&P / &N"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
