from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from core.paging import page_of as _page_of
from helpdesk.access import can_file, is_desk_operator

PAGE_SIZE = 50


def desk_required(view):
    """Vendor desk staff only."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not is_desk_operator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def filer_required(view):
    """Vendor desk staff, or the city's desk (city admins, ward offices)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not can_file(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def page_of(request, qs):
    return _page_of(qs, request.GET.get("page"), size=PAGE_SIZE)
