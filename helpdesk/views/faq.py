from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.concurrency import ConflictError
from core.forms import add_service_errors
from helpdesk import access, services
from helpdesk.forms import FaqFilterForm, FaqForm
from helpdesk.models import Faq
from helpdesk.selectors import faq_list as filtered_faqs
from helpdesk.views._common import desk_required, page_of


@login_required
def faq_list(request):
    form = FaqFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = filtered_faqs(
        access.faqs_for(request.user), q=data.get("q", ""), status=data.get("status", "")
    )
    return render(
        request,
        "helpdesk/faq_list.html",
        {
            "form": form,
            "page": page_of(request, qs),
            "is_operator": access.is_desk_operator(request.user),
        },
    )


@login_required
def faq_detail(request, pk):
    faq = access.get_faq_for_user(request.user, pk)
    return render(
        request,
        "helpdesk/faq_detail.html",
        {
            "faq": faq,
            "is_operator": access.is_desk_operator(request.user),
            "sources": faq.inquiries.all() if access.is_desk_operator(request.user) else [],
            "history": faq.history.select_related("history_user")[:20]
            if access.is_desk_operator(request.user)
            else [],
        },
    )


@desk_required
def faq_edit(request, pk):
    faq = access.get_faq_for_user(request.user, pk)
    form = FaqForm(
        request.POST or None,
        initial={
            "question": faq.question,
            "answer": faq.answer,
            "category": faq.category_id,
            "version": faq.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        try:
            services.faq_update(faq=faq, expected_version=d.pop("version"), **d)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except ConflictError:
            form.add_error(
                None,
                "他の担当者が先に更新しました。画面を開き直してください（入力は保存していません）。",
            )
        else:
            messages.success(request, "FAQを保存しました。")
            return redirect("helpdesk:faq", pk=pk)
    return render(request, "helpdesk/form.html", {"form": form, "title": "FAQの編集", "faq": faq})


@desk_required
@require_POST
def faq_status(request, pk):
    faq = access.get_faq_for_user(request.user, pk)
    status = request.POST.get("status", "")
    if status not in Faq.Status.values:
        messages.error(request, "状態が正しくありません。")
        return redirect("helpdesk:faq", pk=pk)
    try:
        services.faq_set_status(
            faq=faq, status=status, expected_version=int(request.POST.get("version", 0))
        )
    except ConflictError:
        messages.error(request, "他の担当者が先に更新しました。画面を開き直してください。")
    else:
        messages.success(request, f"FAQを「{Faq.Status(status).label}」にしました。")
    return redirect("helpdesk:faq", pk=pk)
