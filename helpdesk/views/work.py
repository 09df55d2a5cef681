from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import user_has_role
from accounts.selectors import current_assignments
from core.concurrency import ConflictError
from core.forms import add_service_errors
from helpdesk import access, services
from helpdesk.forms import ApproveForm, CompleteForm, RecordForm, ReviewForm, WorkRequestForm
from helpdesk.views._common import filer_required, page_of

# step -> (form, service, who may do it)
STEPS = {
    "review": (ReviewForm, services.work_request_review, "vendor"),
    "approve": (ApproveForm, services.work_request_approve, "city"),
    "record": (RecordForm, services.work_request_record, "vendor"),
    "complete": (CompleteForm, services.work_request_complete, "vendor"),
}


def _may(user, who: str) -> bool:
    if who == "vendor":
        return access.is_desk_operator(user)
    return user_has_role(user, roles.CITY_ADMIN)


@filer_required
def work_list(request):
    qs = (
        access.work_requests_for(request.user)
        .select_related("requester", "requester_unit")
        .order_by("-requested_at")
    )
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    return render(
        request, "helpdesk/work_list.html", {"page": page_of(request, qs), "status": status}
    )


@filer_required
def work_new(request):
    form = WorkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        post = current_assignments(user=request.user).first()
        try:
            wr = services.work_request_create(
                requester=request.user,
                requester_unit=post.org_unit if post else None,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"作業依頼 {wr.number} を登録しました。")
            return redirect("helpdesk:work_request", pk=wr.pk)
    return render(request, "helpdesk/form.html", {"form": form, "title": "作業依頼書の登録"})


@filer_required
def work_detail(request, pk):
    wr = access.get_work_request_for_user(request.user, pk)
    forms = {
        step: form_class(initial={"version": wr.version})
        for step, (form_class, _service, who) in STEPS.items()
        if _may(request.user, who)
    }
    return render(request, "helpdesk/work_detail.html", {"wr": wr, "forms": forms})


@filer_required
@require_POST
def work_step(request, pk, step):
    if step not in STEPS:
        raise Http404
    form_class, service, who = STEPS[step]
    if not _may(request.user, who):
        raise PermissionDenied
    wr = access.get_work_request_for_user(request.user, pk)
    form = form_class(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        kwargs = {"wr": wr, "expected_version": version, **data}
        if step in ("review", "approve"):
            kwargs["actor"] = request.user
        try:
            service(**kwargs)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ConflictError:
            messages.error(
                request,
                "他の担当者が先に更新しました。画面を開き直してください（入力は保存していません）。",
            )
        else:
            messages.success(request, "記録しました。")
    else:
        messages.error(
            request,
            "入力内容を確認してください: "
            + " ".join(f"{form.fields[k].label}" for k in form.errors if k in form.fields),
        )
    return redirect("helpdesk:work_request", pk=pk)
