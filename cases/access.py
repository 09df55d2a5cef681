"""Who may open a case: the one place that decides, used by every view, print,
export and search.

Rule (accounts.access): the assigned team, supervisors and the manager line of
the case's unit (and units above it), plus explicit time-limited grants —
including a caseworker's own "break the glass" with a stated reason. Vendor
roles and city admins never. Every opening is written to the read log.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import case_scope, granted_object_ids, may_see_case_contents
from accounts.models import AccessGrant
from accounts.selectors import org_tree
from cases.models import CaseAssignment, Consultation
from core.audit import log_access
from core.models import AccessLog, Notification

BREAK_GLASS_HOURS = 8


def _active_assignment(user) -> Exists:
    return Exists(
        CaseAssignment.objects.filter(consultation=OuterRef("pk"), user=user, ended_at__isnull=True)
    )


def visible_q(user) -> Q | None:
    """The visibility rule as a row condition (None: this user sees no case).

    Applied to each row rather than as ``pk IN (subquery)``, so a name search
    that matches 30 children checks 30 rows, not the 300,000 cases.
    """
    scope = case_scope(user)
    if not scope.allowed:
        return None
    granted = [int(pk) for pk in granted_object_ids(user, Consultation) if pk.isdigit()]
    return _active_assignment(user) | Q(unit_id__in=scope.supervised_unit_ids) | Q(pk__in=granted)


def visible_consultations(user) -> QuerySet[Consultation]:
    """Every case this user may open in full. Empty for vendors and admins."""
    condition = visible_q(user)
    if condition is None:
        return Consultation.objects.none()
    return Consultation.objects.filter(condition)


def can_search(user) -> bool:
    return may_see_case_contents(user)


def can_open(user, consultation: Consultation) -> bool:
    return visible_consultations(user).filter(pk=consultation.pk).exists()


def get_consultation_for_user(
    user, pk, *, request=None, action: str = AccessLog.Action.VIEW
) -> Consultation:
    """The case if this user may open it (logged), else PermissionDenied / 404."""
    if not may_see_case_contents(user):
        raise PermissionDenied
    consultation = (
        visible_consultations(user)
        .select_related("child", "route", "consultation_type", "unit", "receiver")
        .filter(pk=pk)
        .first()
    )
    if consultation is None:
        if Consultation.objects.filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    if request is not None:
        log_access(
            request=request, action=action, object_type="consultation", object_id=consultation.pk
        )
    return consultation


def get_case_object_for_user(user, model, pk, *, request=None, action: str = AccessLog.Action.VIEW):
    """A case-owned object (note, protection, …) through its case's access rule."""
    obj = model.objects.select_related("consultation").filter(pk=pk).first()
    if obj is None:
        raise Http404
    get_consultation_for_user(user, obj.consultation_id, request=request, action=action)
    return obj


@dataclass(frozen=True)
class BreakGlass:
    grant: AccessGrant
    notified: int


@transaction.atomic
def break_glass(*, user, consultation_pk: int, reason: str, request) -> BreakGlass:
    """Open a case outside one's scope with a stated reason; the unit's supervisors are told."""
    if not may_see_case_contents(user):
        raise PermissionDenied
    consultation = Consultation.objects.select_related("unit").filter(pk=consultation_pk).first()
    if consultation is None:
        raise Http404
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError(
            {"reason": _("閲覧が必要な理由を具体的に入力してください（5文字以上）。")}
        )
    now = timezone.now()
    grant = AccessGrant.objects.create(
        user=user,
        content_type_id=_consultation_type_id(),
        object_id=str(consultation.pk),
        reason=reason,
        granted_by=user,
        valid_from=now,
        valid_until=now + timedelta(hours=BREAK_GLASS_HOURS),
    )
    log_access(
        request=request,
        action=AccessLog.Action.BREAK_GLASS,
        object_type="consultation",
        object_id=consultation.pk,
        detail=reason,
    )
    supervisors = unit_supervisor_ids(consultation)
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=sid,
                text=_("%(name)s が %(number)s を緊急閲覧しました。理由: %(reason)s")
                % {"name": user.name, "number": consultation.number, "reason": reason[:200]},
                link=f"/cases/{consultation.pk}/",
            )
            for sid in supervisors
            if sid != user.pk
        ]
    )
    return BreakGlass(grant=grant, notified=len(supervisors))


def _consultation_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Consultation).pk


def unit_supervisor_ids(consultation: Consultation, *, tree=None) -> list[int]:
    """The SV/係長 line of the case's unit: who is told about break-glass and overdue checks."""
    from accounts import roles
    from accounts.selectors import supervisors_of_unit

    tree = tree or org_tree()
    if consultation.unit_id not in tree.units:
        return []
    return list(
        supervisors_of_unit(unit_id=consultation.unit_id, tree=tree)
        .filter(groups__name=roles.SUPERVISOR)
        .values_list("pk", flat=True)
    )
