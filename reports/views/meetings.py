"""定例報告会議・議事録: list, register, detail (deadlines, minutes, flow), downloads.

Who: vendor staff draft and answer, city admins (not vendor staff) question and confirm;
both register meetings and see drafts. Meeting attendees read confirmed minutes and
download them. Everyone else: 403.
"""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required
from core.audit import log_access
from core.calendar import BusinessCalendar
from core.concurrency import ConflictError
from core.forms import add_service_errors
from core.navigation import NavItem
from core.paging import page_of
from core.pdf import pdf_response
from core.timeutil import to_jst
from reports.forms.meetings import (
    ActionItemForm,
    ActionStatusForm,
    AnswerForm,
    MeetingForm,
    MinutesForm,
    QuestionForm,
)
from reports.models.meetings import ActionItem, Meeting, MinutesQuestion
from reports.selectors import meetings as selectors
from reports.services import meetings as services

READ = (roles.CITY_ADMIN, *sorted(roles.VENDOR_ROLES), roles.MEETING_ATTENDEE)
MANAGE = (roles.CITY_ADMIN, *sorted(roles.VENDOR_ROLES))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONFLICT = gettext_lazy(
    "他の担当者が先に更新しました。画面を開き直してください（保存していません）。"
)

NAV_ITEMS = [
    NavItem(
        "reports_meetings",
        gettext_lazy("定例報告会議・議事録"),
        "reports:meetings_index",
        frozenset(READ),
        700,
    ),
]


def _get_meeting(request, pk) -> Meeting:
    try:
        meeting = selectors.meeting(pk)
    except Meeting.DoesNotExist:
        raise Http404 from None
    if not services.may_read(request.user, meeting):
        raise PermissionDenied
    return meeting


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@role_required(*READ)
def meetings_index(request):
    manage = services.may_manage(request.user)
    page = page_of(selectors.meeting_list(final_only=not manage), request.GET.get("page"))
    calendars: dict[str, BusinessCalendar] = {}
    for m in page:
        if m.profile not in calendars:
            calendars[m.profile] = BusinessCalendar.load(m.profile)
        m.deadlines = services.meeting_deadlines(m, calendar=calendars[m.profile])
    return render(request, "reports/meetings/index.html", {"page": page, "can_create": manage})


@role_required(*MANAGE)
def meeting_new(request):
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
                user=request.user,
                profile=data["profile"],
                held_at=form.held_at(),
                place=data["place"],
                agenda_titles=data["agenda"],
                attendees=data["attendees"],
                outside_attendees=data["outside_attendees"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("定例報告会議を登録しました。"))
            return redirect("reports:meetings_detail", pk=meeting.pk)
    return render(
        request, "reports/meetings/new.html", {"form": form}, status=400 if form.is_bound else 200
    )


@role_required(*READ)
def meeting_detail(request, pk):
    meeting = _get_meeting(request, pk)
    user = request.user
    context = services.minutes_context(meeting)
    draft = meeting.minutes_status == Meeting.MinutesStatus.DRAFT
    awaiting = meeting.minutes_status == Meeting.MinutesStatus.AWAITING
    can_edit = services.may_edit(user) and not meeting.is_final
    context.update(
        {
            "can_edit": can_edit and draft,
            "can_submit": can_edit and draft,
            "can_answer": can_edit,
            "can_actions": can_edit,
            "can_confirm": services.may_confirm(user) and awaiting,
            "question_form": QuestionForm(),
            "answer_form": AnswerForm(),
            "action_form": ActionItemForm(),
            "status_choices": ActionItem.Status.choices,
        }
    )
    return render(request, "reports/meetings/detail.html", context)


@role_required(*sorted(roles.VENDOR_ROLES))
def minutes_edit(request, pk):
    meeting = _get_meeting(request, pk)
    items = list(selectors.agenda_items(meeting))
    form = MinutesForm(
        request.POST or None,
        items=items,
        initial={"version": meeting.version, "summary": meeting.minutes_summary},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.minutes_save(
                meeting=meeting,
                user=request.user,
                expected_version=form.cleaned_data["version"],
                summary=form.cleaned_data["summary"],
                items=form.item_values(),
            )
        except ConflictError:
            form.add_error(None, CONFLICT)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("議事録を保存しました。"))
            return redirect("reports:meetings_detail", pk=meeting.pk)
    return render(
        request,
        "reports/meetings/minutes_edit.html",
        {"meeting": meeting, "form": form},
        status=400 if form.is_bound else 200,
    )


@require_POST
@role_required(*MANAGE)
def minutes_submit(request, pk):
    meeting = _get_meeting(request, pk)
    try:
        services.minutes_submit(meeting=meeting, user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("市に議事録の確認を依頼しました。"))
    return redirect("reports:meetings_detail", pk=meeting.pk)


@require_POST
@role_required(*MANAGE)
def minutes_confirm(request, pk):
    meeting = _get_meeting(request, pk)
    try:
        services.minutes_confirm(meeting=meeting, user=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("議事録を確定しました。"))
    return redirect("reports:meetings_detail", pk=meeting.pk)


@require_POST
@role_required(*MANAGE)
def minutes_question(request, pk):
    meeting = _get_meeting(request, pk)
    form = QuestionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("疑義の内容を入力してください。"))
        return redirect("reports:meetings_detail", pk=meeting.pk)
    try:
        services.minutes_question(
            meeting=meeting, user=request.user, text=form.cleaned_data["text"]
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("疑義を照会しました。議事録は作成中に戻りました。"))
    return redirect("reports:meetings_detail", pk=meeting.pk)


@require_POST
@role_required(*MANAGE)
def minutes_answer(request, pk, question_pk):
    meeting = _get_meeting(request, pk)
    question = get_object_or_404(MinutesQuestion, pk=question_pk, meeting=meeting)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("回答を入力してください。"))
        return redirect("reports:meetings_detail", pk=meeting.pk)
    try:
        services.minutes_answer(
            question=question, user=request.user, text=form.cleaned_data["text"]
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("疑義に回答しました。"))
    return redirect("reports:meetings_detail", pk=meeting.pk)


@require_POST
@role_required(*MANAGE)
def action_add(request, pk):
    meeting = _get_meeting(request, pk)
    form = ActionItemForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}")
        return redirect("reports:meetings_detail", pk=meeting.pk)
    try:
        services.action_item_add(meeting=meeting, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("対応事項を追加しました。"))
    return redirect("reports:meetings_detail", pk=meeting.pk)


@require_POST
@role_required(*MANAGE)
def action_status(request, pk, item_pk):
    meeting = _get_meeting(request, pk)
    item = get_object_or_404(selectors.action_items_for(meeting), pk=item_pk)
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("状態を選んでください。"))
        return redirect("reports:meetings_detail", pk=meeting.pk)
    try:
        services.action_item_set_status(
            item=item, meeting=meeting, user=request.user, status=form.cleaned_data["status"]
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("対応事項の状態を更新しました。"))
    return redirect("reports:meetings_detail", pk=meeting.pk)


def _filename(meeting: Meeting, ext: str) -> str:
    held = to_jst(meeting.held_at)
    return f"議事録_{meeting.profile}_{held:%Y%m%d}.{ext}"


@role_required(*READ)
def minutes_pdf(request, pk):
    meeting = _get_meeting(request, pk)
    data = services.minutes_pdf(meeting)
    log_access(
        request=request, action="export", object_type="meeting_minutes", object_id=pk, detail="pdf"
    )
    return pdf_response(data, _filename(meeting, "pdf"))


@role_required(*READ)
def minutes_xlsx(request, pk):
    meeting = _get_meeting(request, pk)
    data = services.minutes_xlsx(meeting)
    log_access(
        request=request, action="export", object_type="meeting_minutes", object_id=pk, detail="xlsx"
    )
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''{quote(_filename(meeting, 'xlsx'), safe='')}"
    )
    response["Cache-Control"] = "no-store"
    return response
