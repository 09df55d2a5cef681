"""Vendor staff work incidents; city admins read them all; nobody else sees them."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from accounts import roles
from accounts.access import user_has_role
from incidents.models import Incident


def can_work(user) -> bool:
    return user_has_role(user, *roles.VENDOR_ROLES)


def can_read(user) -> bool:
    return can_work(user) or user_has_role(user, roles.CITY_ADMIN)


def incidents_for(user) -> QuerySet[Incident]:
    return Incident.objects.all() if can_read(user) else Incident.objects.none()


def get_incident_for_user(user, pk) -> Incident:
    if not can_read(user):
        raise PermissionDenied
    incident = (
        Incident.objects.prefetch_related("clocks__definition", "clocks__intervals")
        .filter(pk=pk)
        .first()
    )
    if incident is None:
        raise Http404
    return incident
