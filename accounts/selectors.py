from datetime import date

from django.db.models import Q, QuerySet

from accounts.models import Assignment
from core.timeutil import now_jst


def current_assignments(*, user, on: date | None = None) -> QuerySet[Assignment]:
    on = on or now_jst().date()
    return (
        Assignment.objects.filter(user=user, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .select_related("org_unit", "org_unit__parent")
        .order_by("-valid_from")
    )
