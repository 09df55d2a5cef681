"""Who may see what. Each object type has one access function in its app's
access.py; the rules shared by all of them live here.

The case rule (used by cases.access): a case is visible to
- its assigned workers (the cases app knows them),
- supervisors and the manager line of its unit: users holding a supervising
  role (supervisor / centre director) posted to the case's unit or any unit
  above it (``case_scope(...).supervised_unit_ids``),
- nobody else, unless an explicit, time-limited, logged AccessGrant exists.
Vendor roles never see case contents, whatever else they hold.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import AccessGrant, User
from accounts.selectors import supervised_unit_ids

MAX_GRANT = timedelta(days=30)


def user_has_role(user, *codes: str) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role_codes & set(codes)))


def role_required(*codes: str):
    """Login required, then one of the roles; otherwise 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not user_has_role(request.user, *codes):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_vendor(user) -> bool:
    return bool(user.role_codes & roles.VENDOR_ROLES)


def may_see_case_contents(user) -> bool:
    """Only active case-work staff; a vendor role excludes, whatever else is held."""
    return bool(
        user.is_authenticated
        and user.is_active
        and not is_vendor(user)
        and user.role_codes & roles.CASE_ROLES
    )


@dataclass(frozen=True)
class CaseScope:
    user_id: int
    allowed: bool
    supervised_unit_ids: frozenset[int]


def case_scope(user, *, on: date | None = None) -> CaseScope:
    if not may_see_case_contents(user):
        return CaseScope(user_id=user.pk, allowed=False, supervised_unit_ids=frozenset())
    return CaseScope(
        user_id=user.pk,
        allowed=True,
        supervised_unit_ids=frozenset(supervised_unit_ids(user=user, on=on)),
    )


def granted_object_ids(user, model, *, at: datetime | None = None) -> set[str]:
    at = at or timezone.now()
    return set(
        AccessGrant.objects.filter(
            user=user,
            content_type=ContentType.objects.get_for_model(model),
            valid_from__lte=at,
            valid_until__gt=at,
            revoked_at__isnull=True,
        ).values_list("object_id", flat=True)
    )


@transaction.atomic
def access_grant_create(
    *, user: User, obj, reason: str, granted_by: User, hours: int = 24
) -> AccessGrant:
    """Give one person time-limited access to one object, with a stated reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("閲覧を許可する理由を入力してください。")})
    if not may_see_case_contents(user):
        raise ValidationError({"user": _("この職員には相談記録の閲覧を許可できません。")})
    duration = timedelta(hours=hours)
    if duration <= timedelta(0) or duration > MAX_GRANT:
        raise ValidationError({"hours": _("期限は30日以内で指定してください。")})
    now = timezone.now()
    return AccessGrant.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        reason=reason.strip(),
        granted_by=granted_by,
        valid_from=now,
        valid_until=now + duration,
    )


@transaction.atomic
def access_grant_revoke(*, grant: AccessGrant) -> AccessGrant:
    grant.revoked_at = timezone.now()
    grant.save(update_fields=["revoked_at"])
    return grant
