from django.shortcuts import render
from django.utils import timezone

from cases.selectors import dashboard_for
from cases.views._common import case_staff_required
from core.models import Notification


@case_staff_required
def dashboard(request):
    board = dashboard_for(request.user)
    notifications = list(
        Notification.objects.filter(user_id=request.user.pk, read_at__isnull=True)[:20]
    )
    return render(
        request,
        "cases/dashboard.html",
        {"board": board, "notifications": notifications, "now": timezone.now()},
    )
