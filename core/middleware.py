import logging
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import empty
from django.utils.translation import gettext as _

from core import request_log

logger = logging.getLogger(__name__)


def _evaluated_user_id(request):
    """The user id if authentication already ran for this request.

    Reading request.user would load the session for requests that never
    needed it (health checks, 404s of anonymous clients).
    """
    user = getattr(request, "user", None)
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty:
        return None
    return wrapped.pk if wrapped.is_authenticated else None


class RequestAccountingMiddleware:
    """Outermost middleware: records user, view name, method, status and duration."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        response = self.get_response(request)
        duration_us = int((time.perf_counter() - start) * 1_000_000)
        try:
            match = request.resolver_match
            request_log.record(
                user_id=_evaluated_user_id(request),
                view_name=match.view_name if match else "",
                method=request.method or "",
                status=response.status_code,
                duration_us=duration_us,
            )
        except Exception:
            # Accounting must never cost the user their request.
            logger.exception("request accounting failed")
        return response


class SessionTimeoutMiddleware:
    """Idle and absolute session limits, without writing the session every request."""

    TOUCH_EVERY = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            last_seen = session.get("_last_seen", now)
            started = session.get("_started", now)
            idle = settings.SESSION_IDLE_SECONDS
            if now - last_seen > idle or now - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(
                    request,
                    _("%(minutes)d分以上操作がなかったため、ログアウトしました。")
                    % {"minutes": idle // 60},
                )
                return redirect_to_login(request.get_full_path())
            if "_started" not in session:
                session["_started"] = now
            if "_last_seen" not in session or now - last_seen >= self.TOUCH_EVERY:
                session["_last_seen"] = now
        return self.get_response(request)


class NoStoreForAuthenticatedMiddleware:
    """Pages seen by a logged-in user must never be kept by a browser or proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _evaluated_user_id(request) is not None:
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
