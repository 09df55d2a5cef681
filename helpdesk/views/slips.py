from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.concurrency import ConflictError
from core.forms import add_service_errors
from helpdesk import access, services
from helpdesk.forms import CountermeasureForm, SlipFilterForm, SlipForm
from helpdesk.models import Countermeasure
from helpdesk.selectors import slip_list as filtered_slips
from helpdesk.views._common import desk_required, filer_required, page_of


def slip_filters(request) -> dict:
    form = SlipFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    return {
        "form": form,
        "status": data.get("status", ""),
        "judgement": data.get("judgement", ""),
        "q": data.get("q", ""),
        "fiscal_year": data.get("fiscal_year"),
    }


def filtered(request):
    f = slip_filters(request)
    qs = filtered_slips(
        access.slips_for(request.user),
        status=f["status"],
        judgement=f["judgement"],
        q=f["q"],
        fiscal_year=f["fiscal_year"],
    )
    return f["form"], qs


@filer_required
def slip_list(request):
    form, qs = filtered(request)
    return render(
        request,
        "helpdesk/slip_list.html",
        {
            "form": form,
            "page": page_of(request, qs),
            "is_operator": access.is_desk_operator(request.user),
            "query": request.GET.urlencode(),
        },
    )


@filer_required
def slip_detail(request, pk):
    slip = access.get_slip_for_user(request.user, pk)
    form = SlipForm(
        request.POST or None,
        initial={
            "triage": slip.triage,
            "cause": slip.cause,
            "judgement": slip.judgement,
            "replied_on": slip.replied_on,
            "version": slip.version,
        },
    )
    is_operator = access.is_desk_operator(request.user)
    status = 200
    if request.method == "POST" and is_operator and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.slip_update(slip=slip, expected_version=version, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConflictError:
            form.add_error(
                None,
                "他の担当者が先に更新しました。画面を開き直して確認してください（入力は保存していません）。",
            )
            status = 409
        else:
            messages.success(request, "連絡票を更新しました。")
            return redirect("helpdesk:slip", pk=pk)
    return render(
        request,
        "helpdesk/slip_detail.html",
        {
            "slip": slip,
            "form": form,
            "cm_form": CountermeasureForm(),
            "is_operator": is_operator,
            "countermeasures": slip.countermeasures.select_related("owner"),
        },
        status=status,
    )


@desk_required
@require_POST
def countermeasure_add(request, pk):
    slip = access.get_slip_for_user(request.user, pk)
    form = CountermeasureForm(request.POST)
    if form.is_valid():
        try:
            services.countermeasure_add(slip=slip, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, "対応策を登録しました。")
    else:
        messages.error(request, "対応策の種別・内容・担当・期限を入力してください。")
    return redirect("helpdesk:slip", pk=pk)


@desk_required
@require_POST
def countermeasure_status(request, pk, cm_pk):
    slip = access.get_slip_for_user(request.user, pk)
    cm = get_object_or_404(Countermeasure, pk=cm_pk, slip=slip)
    status = request.POST.get("status", "")
    if status not in Countermeasure.Status.values:
        messages.error(request, "状態が正しくありません。")
    else:
        try:
            services.countermeasure_set_status(countermeasure=cm, status=status)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return redirect("helpdesk:slip", pk=pk)


@desk_required
@require_POST
def slip_close(request, pk):
    slip = access.get_slip_for_user(request.user, pk)
    try:
        services.slip_close(
            slip=slip, actor=request.user, expected_version=int(request.POST.get("version", 0))
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except ConflictError:
        messages.error(request, "他の担当者が先に更新しました。画面を開き直してください。")
    else:
        messages.success(request, "連絡票を対応完了にしました。")
    return redirect("helpdesk:slip", pk=pk)
