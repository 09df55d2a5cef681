from django.shortcuts import render

from accounts.models import User
from cases.forms import SearchForm
from cases.selectors import SearchQuery, search_consultations
from cases.views._common import case_staff_required
from core.audit import log_access_many
from core.models import AccessLog


@case_staff_required
def search(request):
    workers = (
        User.objects.filter(is_active=True, groups__name__in=["caseworker", "supervisor"])
        .order_by("employee_number")
        .distinct()
    )
    form = SearchForm(request.GET or None, workers=workers)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        query = SearchQuery(
            text=data["q"],
            number=data["number"],
            birth_date=data["birth_date"],
            guardian=data["guardian"],
            status=data["status"],
            worker_id=data["worker"].pk if data["worker"] else None,
        )
        if not query.empty:
            result = search_consultations(request.user, query)
            # One row per case shown, so "who saw this case" includes search hits.
            log_access_many(
                request=request,
                action=AccessLog.Action.SEARCH,
                object_type="consultation",
                object_ids=[c.pk for c in result.visible] or [""],
                detail=f"条件: {request.GET.urlencode()}",
            )
    return render(request, "cases/search.html", {"form": form, "result": result})
