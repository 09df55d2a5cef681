"""Writes to case records. Each is atomic, leaves history, and checks its input."""

from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.codes_seed import PERMANENT_CLOSURE_REASONS, PERMANENT_MEASURE_CODES
from cases.models import (
    AbuseReport,
    CaseAssignment,
    Code,
    Consultation,
    Diagnosis,
    Measure,
    Meeting,
    Person,
    ProgressNote,
    Protection,
    Relationship,
    Reporter,
    SafetyCheck,
)
from core.concurrency import update_with_version
from core.numbering import next_sequence
from core.timeutil import fiscal_year, now_jst, to_jst

SAFETY_CHECK_HOURS = 48
RETENTION_AGE = 25


def _check_code(code: Code, list_key: str, label: str, on: date) -> None:
    if code.code_list.key != list_key:
        raise ValidationError(
            {label: _("%(label)sのコードが正しくありません。") % {"label": label}}
        )
    if code.valid_from > on or (code.valid_to and code.valid_to < on):
        raise ValidationError({label: _("%(code)s は現在使えないコードです。") % {"code": code}})


def _check_birth_date(birth_date: date | None) -> None:
    if birth_date and birth_date > now_jst().date():
        raise ValidationError({"birth_date": _("生年月日が未来の日付になっています。")})


# --- people -------------------------------------------------------------------------


def person_create(
    *,
    name: str,
    name_kana: str,
    sex: str = Person.Sex.UNKNOWN,
    birth_date=None,
    address: str = "",
    phone: str = "",
    school: str = "",
    occupation: str = "",
    address_confidential: bool = False,
) -> Person:
    _check_birth_date(birth_date)
    person = Person(
        name=name.strip(),
        name_kana=name_kana.strip(),
        sex=sex,
        birth_date=birth_date,
        address=address,
        phone=phone,
        school=school,
        occupation=occupation,
        address_confidential=address_confidential,
    )
    person.refresh_search_fields()
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, expected_version: int, **fields) -> Person:
    """Edit a person; refused with ConflictError if someone saved in between."""
    if "birth_date" in fields:
        _check_birth_date(fields["birth_date"])
    probe = Person(
        **{
            **{f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields},
            **fields,
        }
    )
    probe.refresh_search_fields()
    fields.update(search_name=probe.search_name, search_kana=probe.search_kana)
    return update_with_version(person, expected_version=expected_version, fields=fields)


def relationship_add(
    *,
    person: Person,
    other: Person,
    relation: str,
    lives_together=False,
    is_guardian=False,
    is_adversary=False,
) -> Relationship:
    return Relationship.objects.create(
        person=person,
        other=other,
        relation=relation,
        lives_together=lives_together,
        is_guardian=is_guardian,
        is_adversary=is_adversary,
    )


# --- intake -------------------------------------------------------------------------


def _next_number(fy: int) -> tuple[int, str]:
    seq = next_sequence(Consultation, fy)
    return seq, f"{fy}-{seq:05d}"


@transaction.atomic
def consultation_intake(
    *,
    actor,
    unit,
    received_at: datetime,
    channel: str,
    route: Code,
    consultation_type: Code,
    main_concern: str,
    child: Person,
    reporter: dict | None = None,
    abuse: dict | None = None,
) -> Consultation:
    """Record a consultation, report or referral; issues the case number (年度-連番).

    The receiving worker is the provisional lead until the 受理会議 sets the team.
    An abuse report starts the 48-hour safety-confirmation clock from acceptance.
    """
    if received_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"received_at": _("受付日時が未来になっています。")})
    on = to_jst(received_at).date()
    _check_code(route, "keiro", "route", on)
    _check_code(consultation_type, "soudan_shubetsu", "consultation_type", on)
    if consultation_type.group_id is None:
        raise ValidationError(
            {"consultation_type": _("相談種別は区分ではなく、具体的な種別を選んでください。")}
        )
    if not main_concern.strip():
        raise ValidationError({"main_concern": _("主訴を入力してください。")})
    fy = fiscal_year(received_at)
    seq, number = _next_number(fy)
    consultation = Consultation.objects.create(
        number=number,
        fiscal_year=fy,
        sequence=seq,
        received_at=received_at,
        channel=channel,
        route=route,
        consultation_type=consultation_type,
        main_concern=main_concern.strip(),
        child=child,
        unit=unit,
        receiver=actor,
    )
    CaseAssignment.objects.create(
        consultation=consultation, user=actor, role=CaseAssignment.Role.LEAD
    )
    if reporter:
        Reporter.objects.create(consultation=consultation, **reporter)
    if abuse:
        accepted_at = abuse.get("accepted_at") or received_at
        if not abuse.get("abuse_types"):
            raise ValidationError({"abuse_types": _("虐待種別を1つ以上選んでください。")})
        AbuseReport.objects.create(
            consultation=consultation,
            accepted_at=accepted_at,
            safety_due_at=accepted_at + timedelta(hours=SAFETY_CHECK_HOURS),
            abuse_types=list(abuse["abuse_types"]),
            urgency=abuse["urgency"],
            perpetrator=abuse.get("perpetrator", ""),
        )
    return consultation


def _require_open(consultation: Consultation) -> None:
    if not consultation.is_open:
        raise ValidationError(_("終結したケースは変更できません。"))


@transaction.atomic
def consultation_accept(
    *,
    consultation: Consultation,
    actor,
    held_on: date,
    attendees: str,
    decisions: str,
    lead,
    team: list[tuple] = (),
) -> Meeting:
    """受理会議: the case is accepted and its team (one 主担当) is set."""
    _require_open(consultation)
    meeting = meeting_add(
        consultation=consultation,
        actor=actor,
        kind=Meeting.Kind.INTAKE,
        held_on=held_on,
        attendees=attendees,
        decisions=decisions,
    )
    now = timezone.now()
    current = {
        (a.user_id, a.role): a for a in consultation.assignments.filter(ended_at__isnull=True)
    }
    wanted = [(lead, CaseAssignment.Role.LEAD), *team]
    for user, role in wanted:
        if (user.pk, role) not in current:
            CaseAssignment.objects.create(consultation=consultation, user=user, role=role)
    for (user_id, role), a in current.items():
        if (user_id, role) not in {(u.pk, r) for u, r in wanted}:
            a.ended_at = now
            a.save(update_fields=["ended_at"])
    if consultation.status == Consultation.Status.RECEIVED:
        consultation.status = Consultation.Status.ACCEPTED
        consultation.accepted_at = now
        consultation.version += 1
        consultation.save(update_fields=["status", "accepted_at", "version"])
    return meeting


def meeting_add(
    *,
    consultation: Consultation,
    actor,
    kind: str,
    held_on: date,
    attendees: str,
    decisions: str,
    next_review_on: date | None = None,
) -> Meeting:
    _require_open(consultation)
    if held_on > now_jst().date():
        raise ValidationError({"held_on": _("開催日が未来になっています。")})
    if next_review_on and next_review_on < held_on:
        raise ValidationError({"next_review_on": _("次回見直し日が開催日より前です。")})
    meeting = Meeting.objects.create(
        consultation=consultation,
        kind=kind,
        held_on=held_on,
        attendees=attendees.strip(),
        decisions=decisions.strip(),
        next_review_on=next_review_on,
        recorded_by=actor,
    )
    next_status = {
        Meeting.Kind.DETERMINATION: Consultation.Status.DETERMINED,
        Meeting.Kind.SUPPORT_POLICY: Consultation.Status.SUPPORTING,
    }.get(kind)
    if next_status and consultation.status != next_status:
        consultation.status = next_status
        consultation.save(update_fields=["status"])
    return meeting


def diagnosis_add(
    *, consultation: Consultation, actor, kind: str, made_on: date, findings: str
) -> Diagnosis:
    _require_open(consultation)
    if made_on > now_jst().date():
        raise ValidationError({"made_on": _("実施日が未来になっています。")})
    diagnosis = Diagnosis.objects.create(
        consultation=consultation,
        kind=kind,
        made_on=made_on,
        author=actor,
        findings=findings.strip(),
    )
    if consultation.status in (Consultation.Status.RECEIVED, Consultation.Status.ACCEPTED):
        consultation.status = Consultation.Status.INVESTIGATING
        consultation.save(update_fields=["status"])
    return diagnosis


def measure_add(
    *,
    consultation: Consultation,
    code: Code,
    decided_on: date,
    start_on: date,
    end_on: date | None = None,
    notice_sent_on: date | None = None,
    facility: str = "",
    note: str = "",
) -> Measure:
    _require_open(consultation)
    _check_code(code, "enjo", "code", start_on)
    if code.group_id is None:
        raise ValidationError({"code": _("援助は区分ではなく、具体的な援助を選んでください。")})
    if end_on and end_on < start_on:
        raise ValidationError({"end_on": _("終了日が開始日より前です。")})
    return Measure.objects.create(
        consultation=consultation,
        code=code,
        decided_on=decided_on,
        start_on=start_on,
        end_on=end_on,
        notice_sent_on=notice_sent_on,
        facility=facility,
        note=note,
    )


def retention_date(consultation: Consultation) -> date | None:
    birth = consultation.child.birth_date
    if birth is None:
        return None
    return birth + relativedelta(years=RETENTION_AGE)


@transaction.atomic
def consultation_close(
    *, consultation: Consultation, actor, reason: str, expected_version: int
) -> Consultation:
    """終結: refused while a measure or a protection is still running."""
    _require_open(consultation)
    today = now_jst().date()
    open_measures = consultation.measures.filter(
        end_on__isnull=True
    ) | consultation.measures.filter(end_on__gt=today)
    if open_measures.exists():
        raise ValidationError(
            _("終了していない援助・措置があります。終了日を入力してから終結してください。")
        )
    if consultation.protections.filter(end_at__isnull=True).exists():
        raise ValidationError(_("一時保護が解除されていません。"))
    if not reason.strip():
        raise ValidationError({"reason": _("終結理由を入力してください。")})
    permanent = (
        reason in PERMANENT_CLOSURE_REASONS
        or consultation.measures.filter(code__code__in=PERMANENT_MEASURE_CODES).exists()
    )
    return update_with_version(
        consultation,
        expected_version=expected_version,
        fields={
            "status": Consultation.Status.CLOSED,
            "closed_at": timezone.now(),
            "closure_reason": reason.strip(),
            "retain_permanently": permanent,
            "retention_until": None if permanent else retention_date(consultation),
        },
    )


# --- abuse reports ------------------------------------------------------------------------


@transaction.atomic
def safety_check_record(
    *, report: AbuseReport, actor, attempted_at: datetime, method: str, outcome: str, note: str = ""
) -> SafetyCheck:
    if attempted_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"attempted_at": _("実施日時が未来になっています。")})
    if attempted_at < report.accepted_at - timedelta(days=1):
        raise ValidationError({"attempted_at": _("実施日時が通告受理より前になっています。")})
    check = SafetyCheck.objects.create(
        report=report,
        attempted_at=attempted_at,
        method=method,
        outcome=outcome,
        by=actor,
        note=note,
    )
    if outcome == SafetyCheck.Outcome.CONFIRMED and report.safety_confirmed_at is None:
        report.safety_confirmed_at = attempted_at
        report.save(update_fields=["safety_confirmed_at"])
    return check


# --- protection ---------------------------------------------------------------------------


def _check_protection(start_at, end_at, place, facility) -> None:
    if start_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"start_at": _("保護開始日時が未来になっています。")})
    if end_at and end_at < start_at:
        raise ValidationError({"end_at": _("保護解除日時が開始日時より前です。")})
    if place == Protection.Place.DELEGATED and not facility.strip():
        raise ValidationError({"facility": _("委託一時保護の場合は委託先を入力してください。")})


@transaction.atomic
def protection_start(
    *,
    consultation: Consultation,
    start_at: datetime,
    reason: str,
    place: str,
    parental_consent: bool,
    facility: str = "",
) -> Protection:
    _require_open(consultation)
    _check_protection(start_at, None, place, facility)
    if consultation.protections.filter(end_at__isnull=True).exists():
        raise ValidationError(_("この児童は既に一時保護中です。"))
    return Protection.objects.create(
        consultation=consultation,
        start_at=start_at,
        reason=reason,
        place=place,
        parental_consent=parental_consent,
        facility=facility,
    )


@transaction.atomic
def protection_update(*, protection: Protection, expected_version: int, **fields) -> Protection:
    merged = {
        f: fields.get(f, getattr(protection, f))
        for f in ("start_at", "end_at", "place", "facility")
    }
    _check_protection(merged["start_at"], merged["end_at"], merged["place"], merged["facility"])
    if fields.get("end_at") and not (fields.get("end_reason") or protection.end_reason):
        raise ValidationError({"end_reason": _("解除理由を入力してください。")})
    return update_with_version(protection, expected_version=expected_version, fields=fields)


# --- notes --------------------------------------------------------------------------------


def note_add(
    *,
    consultation: Consultation,
    actor,
    occurred_at: datetime,
    kind: str,
    text: str,
    disclosure: str = ProgressNote.Disclosure.OPEN,
    addendum: bool = False,
) -> ProgressNote:
    """経過記録. On a closed case only an explicit addendum (追記) is accepted."""
    from cases.models.notes import NOTE_MAX_CHARS

    text = text.strip()
    if not text:
        raise ValidationError({"text": _("内容を入力してください。")})
    if len(text) > NOTE_MAX_CHARS:
        raise ValidationError(
            {
                "text": _(
                    "内容が長すぎます（%(n)s文字、上限%(max)s文字）。分けて記録してください。"
                )
                % {"n": f"{len(text):,}", "max": f"{NOTE_MAX_CHARS:,}"}
            }
        )
    if occurred_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"occurred_at": _("日時が未来になっています。")})
    if not consultation.is_open and not addendum:
        raise ValidationError(_("終結したケースには「終結後の追記」としてのみ記録できます。"))
    return ProgressNote.objects.create(
        consultation=consultation,
        occurred_at=occurred_at,
        kind=kind,
        author=actor,
        text=text,
        disclosure=disclosure,
        is_addendum=not consultation.is_open,
    )


# --- escalation ---------------------------------------------------------------------------


def escalate_overdue_safety_checks(*, now: datetime | None = None) -> int:
    """Tell the lead worker and the unit's supervisors about each 48-hour check
    that passed its due time unconfirmed; once per report."""
    from accounts.selectors import org_tree
    from cases.access import unit_supervisor_ids
    from core.models import Notification

    now = now or timezone.now()
    overdue = AbuseReport.objects.filter(
        safety_confirmed_at__isnull=True,
        escalated_at__isnull=True,
        safety_due_at__lt=now,
        consultation__status__in=Consultation.OPEN_STATUSES,
    ).select_related("consultation__child", "consultation__unit")
    tree = org_tree()
    count = 0
    for report in overdue:
        with transaction.atomic():
            locked = AbuseReport.objects.select_for_update().get(pk=report.pk)
            if locked.escalated_at is not None:
                continue
            case = report.consultation
            recipients = set(
                CaseAssignment.objects.filter(
                    consultation=case, ended_at__isnull=True, role=CaseAssignment.Role.LEAD
                ).values_list("user_id", flat=True)
            )
            recipients |= set(unit_supervisor_ids(case, tree=tree))
            due = to_jst(report.safety_due_at)
            Notification.objects.bulk_create(
                [
                    Notification(
                        user_id=uid,
                        text=_(
                            "【期限超過】%(number)s %(child)s の48時間以内の安全確認が未了です（期限 %(due)s）。"
                        )
                        % {
                            "number": case.number,
                            "child": case.child.name,
                            "due": f"{due:%m/%d %H:%M}",
                        },
                        link=f"/cases/{case.pk}/",
                    )
                    for uid in recipients
                ]
            )
            locked.escalated_at = now
            locked.save(update_fields=["escalated_at"])
            count += 1
    return count
