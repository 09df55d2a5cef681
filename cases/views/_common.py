from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from accounts.access import may_see_case_contents


def case_staff_required(view):
    """Case-work staff only: vendors and city admins get 403 on every case URL."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not may_see_case_contents(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
