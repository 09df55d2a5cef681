"""Who sees what in the help desk.

- Vendor operators and managers: everything; they run the desk.
- City admins and ward-office staff (the city's first-tier desk): file inquiries
  and work requests, and read those of their own units (and the slips raised
  from them); read the published FAQ.
- Everyone else who signs in (caseworkers …): the published FAQ only.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts import roles
from accounts.access import user_has_role
from accounts.selectors import member_unit_ids
from helpdesk.models import Faq, Inquiry, LiaisonSlip, WorkRequest

CITY_DESK_ROLES = (roles.CITY_ADMIN, roles.WARD_STAFF)


def is_desk_operator(user) -> bool:
    return user_has_role(user, *roles.VENDOR_ROLES)


def is_city_desk(user) -> bool:
    return user_has_role(user, *CITY_DESK_ROLES)


def can_file(user) -> bool:
    return is_desk_operator(user) or is_city_desk(user)


def inquiries_for(user) -> QuerySet[Inquiry]:
    if is_desk_operator(user):
        return Inquiry.objects.all()
    if is_city_desk(user):
        units = member_unit_ids(user=user)
        return Inquiry.objects.filter(Q(caller_unit_id__in=units) | Q(created_by=user))
    return Inquiry.objects.none()


def get_inquiry_for_user(user, pk) -> Inquiry:
    return _get(inquiries_for(user), Inquiry, pk)


def slips_for(user) -> QuerySet[LiaisonSlip]:
    if is_desk_operator(user):
        return LiaisonSlip.objects.all()
    if is_city_desk(user):
        return LiaisonSlip.objects.filter(inquiry__in=inquiries_for(user))
    return LiaisonSlip.objects.none()


def get_slip_for_user(user, pk) -> LiaisonSlip:
    return _get(slips_for(user), LiaisonSlip, pk)


def faqs_for(user) -> QuerySet[Faq]:
    if is_desk_operator(user):
        return Faq.objects.all()
    if user.is_authenticated:
        return Faq.objects.filter(status=Faq.Status.PUBLISHED)
    return Faq.objects.none()


def get_faq_for_user(user, pk) -> Faq:
    return _get(faqs_for(user), Faq, pk)


def work_requests_for(user) -> QuerySet[WorkRequest]:
    if is_desk_operator(user):
        return WorkRequest.objects.all()
    if is_city_desk(user):
        units = member_unit_ids(user=user)
        return WorkRequest.objects.filter(Q(requester_unit_id__in=units) | Q(requester=user))
    return WorkRequest.objects.none()


def get_work_request_for_user(user, pk) -> WorkRequest:
    return _get(work_requests_for(user), WorkRequest, pk)


def _get(qs, model, pk):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        if model.objects.filter(pk=pk).exists():
            raise PermissionDenied
        raise Http404
    return obj
