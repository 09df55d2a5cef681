"""Writes of the help desk. Atomic, history-keeping, validated in Japanese."""

import re
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.concurrency import update_with_version
from core.numbering import next_sequence
from core.profiles import current_profile
from core.textnorm import search_form
from core.timeutil import fiscal_year, reiwa
from helpdesk.models import Category, Countermeasure, Faq, Inquiry, LiaisonSlip, WorkRequest

CASE_NUMBER = re.compile(r"^\d{4}-\d{5}$")


def _not_future(value: datetime, field: str, label: str) -> None:
    if value > timezone.now() + timedelta(minutes=5):
        raise ValidationError({field: _("%(label)sが未来になっています。") % {"label": label}})


def _text(value: str, field: str, label: str, *, required=True, limit=20000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("%(label)sを入力してください。") % {"label": label}})
    if len(value) > limit:
        raise ValidationError(
            {
                field: _("%(label)sが長すぎます（上限%(n)s文字）。")
                % {"label": label, "n": f"{limit:,}"}
            }
        )
    return value


def inquiry_search_text(inquiry: Inquiry) -> str:
    return search_form(
        " ".join(
            [inquiry.number, inquiry.subject, inquiry.content, inquiry.answer, inquiry.caller_name]
        )
    )


def inquiry_due(received_at: datetime):
    """Answer due: the profile's target in desk time, counted from receipt, or from
    the next opening when the inquiry came outside desk hours (mail at night)."""
    from core.calendar import deadline_after_business_minutes

    return deadline_after_business_minutes(received_at, current_profile().inquiry_answer_minutes)


@transaction.atomic
def inquiry_create(
    *,
    actor,
    received_at: datetime,
    channel: str,
    subject: str,
    content: str,
    caller_unit=None,
    caller_name: str = "",
    caller_contact: str = "",
    category: Category | None = None,
    case_number: str = "",
) -> Inquiry:
    _not_future(received_at, "received_at", _("受付日時"))
    subject = _text(subject, "subject", _("件名"), limit=200)
    content = _text(content, "content", _("内容"))
    case_number = (case_number or "").strip()
    if case_number and not CASE_NUMBER.match(case_number):
        raise ValidationError(
            {
                "case_number": _(
                    "ケースの受付番号は「2026-00001」の形で入力してください（内容は記載しないでください）。"
                )
            }
        )
    fy = fiscal_year(received_at)
    seq = next_sequence(Inquiry, fy)
    deadline = inquiry_due(received_at)
    inquiry = Inquiry(
        number=f"Q{reiwa(fy)}-{seq:05d}",
        fiscal_year=fy,
        sequence=seq,
        received_at=received_at,
        channel=channel,
        subject=subject,
        content=content,
        caller_unit=caller_unit,
        caller_name=caller_name.strip(),
        caller_contact=caller_contact.strip(),
        category=category,
        case_number=case_number,
        due_at=deadline.due,
        due_explanation=deadline.explanation[:500],
        created_by=actor,
    )
    inquiry.search_text = inquiry_search_text(inquiry)
    inquiry.save()
    return inquiry


@transaction.atomic
def inquiry_answer(
    *,
    inquiry: Inquiry,
    actor,
    answer: str,
    answered_at: datetime,
    expected_version: int,
    close: bool = False,
) -> Inquiry:
    answer = _text(answer, "answer", _("回答"))
    _not_future(answered_at, "answered_at", _("回答日時"))
    if answered_at < inquiry.received_at:
        raise ValidationError({"answered_at": _("回答日時が受付日時より前になっています。")})
    probe = Inquiry(
        number=inquiry.number,
        subject=inquiry.subject,
        content=inquiry.content,
        answer=answer,
        caller_name=inquiry.caller_name,
    )
    return update_with_version(
        inquiry,
        expected_version=expected_version,
        fields={
            "answer": answer,
            "answered_at": answered_at,
            "handled_by": actor,
            "status": Inquiry.Status.CLOSED if close else Inquiry.Status.ANSWERED,
            "search_text": inquiry_search_text(probe),
        },
    )


@transaction.atomic
def inquiry_set_status(*, inquiry: Inquiry, status: str, expected_version: int) -> Inquiry:
    if status == Inquiry.Status.CLOSED and not inquiry.answer and not hasattr(inquiry, "slip"):
        raise ValidationError({"status": _("回答または連絡票のない問合せはクローズできません。")})
    return update_with_version(
        inquiry, expected_version=expected_version, fields={"status": status}
    )


# --- liaison slips -------------------------------------------------------------------------


def slip_search_text(slip: LiaisonSlip) -> str:
    return search_form(" ".join([slip.number, slip.event, slip.triage, slip.cause]))


@transaction.atomic
def slip_raise(
    *, actor, event: str, inquiry: Inquiry | None = None, raised_at: datetime | None = None
) -> LiaisonSlip:
    raised_at = raised_at or timezone.now()
    _not_future(raised_at, "raised_at", _("起票日時"))
    event = _text(event, "event", _("事象"), limit=10000)
    if inquiry is not None and LiaisonSlip.objects.filter(inquiry=inquiry).exists():
        raise ValidationError(_("この問合せには既に連絡票があります。"))
    fy = fiscal_year(raised_at)
    seq = next_sequence(LiaisonSlip, fy)
    slip = LiaisonSlip(
        number=f"R{reiwa(fy)}-{seq:04d}",
        fiscal_year=fy,
        sequence=seq,
        inquiry=inquiry,
        raised_at=raised_at,
        raised_by=actor,
        event=event,
    )
    slip.search_text = slip_search_text(slip)
    slip.save()
    if inquiry is not None and inquiry.status != Inquiry.Status.ESCALATED:
        inquiry.status = Inquiry.Status.ESCALATED
        inquiry.version += 1
        inquiry.save(update_fields=["status", "version"])
    return slip


@transaction.atomic
def slip_update(*, slip: LiaisonSlip, expected_version: int, **fields) -> LiaisonSlip:
    if slip.status == LiaisonSlip.Status.CLOSED:
        raise ValidationError(_("対応完了の連絡票は変更できません。"))
    for name in ("triage", "cause"):
        if name in fields:
            fields[name] = _text(fields[name], name, name, required=False, limit=10000)
    probe = LiaisonSlip(
        number=slip.number,
        event=slip.event,
        triage=fields.get("triage", slip.triage),
        cause=fields.get("cause", slip.cause),
    )
    fields["search_text"] = slip_search_text(probe)
    if fields.get("replied_on") and fields.get("status", slip.status) == LiaisonSlip.Status.OPEN:
        fields["status"] = LiaisonSlip.Status.REPLIED
    return update_with_version(slip, expected_version=expected_version, fields=fields)


def countermeasure_add(
    *, slip: LiaisonSlip, kind: str, description: str, owner, due_on: date
) -> Countermeasure:
    if slip.status == LiaisonSlip.Status.CLOSED:
        raise ValidationError(_("対応完了の連絡票には追加できません。"))
    description = _text(description, "description", _("内容"), limit=10000)
    with transaction.atomic():
        cm = Countermeasure.objects.create(
            slip=slip, kind=kind, description=description, owner=owner, due_on=due_on
        )
        if slip.status == LiaisonSlip.Status.OPEN:
            slip.status = LiaisonSlip.Status.IN_PROGRESS
            slip.version += 1
            slip.save(update_fields=["status", "version"])
    return cm


@transaction.atomic
def countermeasure_set_status(
    *, countermeasure: Countermeasure, status: str, done_on: date | None = None
) -> Countermeasure:
    if status == Countermeasure.Status.DONE:
        done_on = done_on or timezone.localdate()
        if done_on < countermeasure.slip.raised_at.date() - timedelta(days=1):
            raise ValidationError({"done_on": _("完了日が連絡票の起票より前です。")})
    else:
        done_on = None
    countermeasure.status, countermeasure.done_on = status, done_on
    countermeasure.save(update_fields=["status", "done_on"])
    return countermeasure


@transaction.atomic
def slip_close(*, slip: LiaisonSlip, actor, expected_version: int) -> LiaisonSlip:
    open_ones = slip.countermeasures.exclude(status=Countermeasure.Status.DONE)
    if open_ones.exists():
        kinds = "、".join(sorted({c.get_kind_display() for c in open_ones}))
        raise ValidationError(
            _("完了していない対応策（%(kinds)s）があるため、対応完了にできません。")
            % {"kinds": kinds}
        )
    if not slip.judgement:
        raise ValidationError(
            {"judgement": _("対応完了の前に判定（仕様追加・変更／操作ミス等）を入力してください。")}
        )
    closed = update_with_version(
        slip,
        expected_version=expected_version,
        fields={"status": LiaisonSlip.Status.CLOSED, "closed_at": timezone.now()},
    )
    if slip.inquiry_id:
        inquiry = Inquiry.objects.get(pk=slip.inquiry_id)
        if inquiry.status == Inquiry.Status.ESCALATED:
            inquiry.status = Inquiry.Status.ANSWERED if inquiry.answer else Inquiry.Status.CLOSED
            inquiry.version += 1
            inquiry.save(update_fields=["status", "version"])
    return closed


# --- FAQ -----------------------------------------------------------------------------------


def faq_search_text(faq: Faq) -> str:
    return search_form(f"{faq.question} {faq.answer}")


@transaction.atomic
def faq_draft_from_inquiry(*, inquiry: Inquiry, actor) -> Faq:
    if inquiry.faq_id:
        return inquiry.faq
    if not inquiry.answer:
        raise ValidationError(
            _("回答のない問合せからはFAQを作成できません。先に回答を記録してください。")
        )
    faq = Faq(
        question=f"{inquiry.subject}\n{inquiry.content}"[:4000],
        answer=inquiry.answer,
        category=inquiry.category,
    )
    faq.search_text = faq_search_text(faq)
    faq.save()
    inquiry.faq = faq
    inquiry.version += 1
    inquiry.save(update_fields=["faq", "version"])
    return faq


@transaction.atomic
def faq_update(
    *, faq: Faq, expected_version: int, question: str, answer: str, category=None
) -> Faq:
    question = _text(question, "question", _("質問"), limit=4000)
    answer = _text(answer, "answer", _("回答"))
    probe = Faq(question=question, answer=answer)
    return update_with_version(
        faq,
        expected_version=expected_version,
        fields={
            "question": question,
            "answer": answer,
            "category": category,
            "search_text": faq_search_text(probe),
        },
    )


@transaction.atomic
def faq_set_status(*, faq: Faq, status: str, expected_version: int) -> Faq:
    fields = {"status": status}
    if status == Faq.Status.PUBLISHED:
        fields["published_at"] = timezone.now()
    return update_with_version(faq, expected_version=expected_version, fields=fields)


# --- work requests -------------------------------------------------------------------------


@transaction.atomic
def work_request_create(
    *,
    requester,
    title: str,
    content: str,
    desired_on: date | None = None,
    requester_unit=None,
    requested_at: datetime | None = None,
) -> WorkRequest:
    requested_at = requested_at or timezone.now()
    _not_future(requested_at, "requested_at", _("依頼日時"))
    title = _text(title, "title", _("件名"), limit=200)
    content = _text(content, "content", _("依頼内容"))
    if desired_on and desired_on < requested_at.date():
        raise ValidationError({"desired_on": _("希望日が依頼日より前になっています。")})
    fy = fiscal_year(requested_at)
    seq = next_sequence(WorkRequest, fy)
    return WorkRequest.objects.create(
        number=f"W{reiwa(fy)}-{seq:04d}",
        fiscal_year=fy,
        sequence=seq,
        requested_at=requested_at,
        requester=requester,
        requester_unit=requester_unit,
        title=title,
        content=content,
        desired_on=desired_on,
    )


def _advance(
    wr: WorkRequest, expected_version: int, allowed_from: tuple, fields: dict
) -> WorkRequest:
    if wr.status not in allowed_from:
        raise ValidationError(
            _("この作業依頼は「%(status)s」のため、この操作はできません。")
            % {"status": wr.get_status_display()}
        )
    return update_with_version(wr, expected_version=expected_version, fields=fields)


@transaction.atomic
def work_request_review(
    *, wr: WorkRequest, actor, feasibility: str, estimate: str, expected_version: int
) -> WorkRequest:
    S = WorkRequest.Status
    status = S.REJECTED if feasibility == WorkRequest.Feasibility.NO else S.REVIEWED
    return _advance(
        wr,
        expected_version,
        (S.REQUESTED, S.REVIEWED),
        {
            "feasibility": feasibility,
            "estimate": _text(estimate, "estimate", _("見積・影響"), limit=10000),
            "reviewed_at": timezone.now(),
            "reviewed_by": actor,
            "status": status,
        },
    )


@transaction.atomic
def work_request_approve(
    *, wr: WorkRequest, actor, plan: str, expected_version: int
) -> WorkRequest:
    S = WorkRequest.Status
    return _advance(
        wr,
        expected_version,
        (S.REVIEWED,),
        {
            "approved_at": timezone.now(),
            "approved_by": actor,
            "plan": plan.strip(),
            "status": S.APPROVED,
        },
    )


@transaction.atomic
def work_request_record(
    *, wr: WorkRequest, execution_record: str, expected_version: int
) -> WorkRequest:
    S = WorkRequest.Status
    return _advance(
        wr,
        expected_version,
        (S.APPROVED, S.IN_PROGRESS),
        {
            "execution_record": _text(execution_record, "execution_record", _("作業記録")),
            "status": S.IN_PROGRESS,
        },
    )


@transaction.atomic
def work_request_complete(
    *, wr: WorkRequest, report: str, completed_on: date, expected_version: int
) -> WorkRequest:
    S = WorkRequest.Status
    if completed_on < wr.requested_at.date():
        raise ValidationError({"completed_on": _("完了日が依頼日より前になっています。")})
    return _advance(
        wr,
        expected_version,
        (S.APPROVED, S.IN_PROGRESS),
        {
            "report": _text(report, "report", _("作業報告")),
            "completed_on": completed_on,
            "status": S.COMPLETED,
        },
    )
