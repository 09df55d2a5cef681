"""Writing the read log (core.AccessLog). Called by every app's access layer."""

from core.models import AccessLog


def client_ip(request) -> str | None:
    # Behind nginx the client is in X-Forwarded-For (nginx sets it, replacing any
    # value the client sent); directly it is REMOTE_ADDR.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return ip or None


def log_access(
    *, request, action: str, object_type: str, object_id="", detail: str = ""
) -> AccessLog:
    return AccessLog.objects.create(
        user_id=request.user.pk,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail[:500],
        ip=client_ip(request),
    )


def log_access_many(
    *, request, action: str, object_type: str, object_ids, detail: str = ""
) -> None:
    ip = client_ip(request)
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user_id=request.user.pk,
                action=action,
                object_type=object_type,
                object_id=str(oid),
                detail=detail[:500],
                ip=ip,
            )
            for oid in object_ids
        ]
    )
