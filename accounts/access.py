from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


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
