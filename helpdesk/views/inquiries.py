from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.selectors import current_assignments
from core.concurrency import ConflictError
from core.forms import add_service_errors
from core.timeutil import now_jst
from helpdesk import access, services
from helpdesk.forms import AnswerForm, EscalateForm, InquiryFilterForm, InquiryForm, MailUploadForm
from helpdesk.selectors import inquiry_list as filtered_inquiries
from helpdesk.selectors import search_all
from helpdesk.views._common import desk_required, filer_required, page_of


@filer_required
def inquiry_list(request):
    form = InquiryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = filtered_inquiries(
        access.inquiries_for(request.user),
        status=filters.get("status", ""),
        due=filters.get("due", ""),
        channel=filters.get("channel", ""),
        q=filters.get("q", ""),
        category_id=filters["category"].pk if filters.get("category") else None,
    )
    return render(
        request,
        "helpdesk/inquiry_list.html",
        {
            "form": form,
            "page": page_of(request, qs),
            "now": timezone.now(),
            "is_operator": access.is_desk_operator(request.user),
        },
    )


@filer_required
def inquiry_new(request):
    form = InquiryForm(
        request.POST or None, initial={"received_at": now_jst().replace(second=0, microsecond=0)}
    )
    if not access.is_desk_operator(request.user):
        post = current_assignments(user=request.user).first()
        form.initial["caller_unit"] = post.org_unit_id if post else None
        form.initial["caller_name"] = request.user.name
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = services.inquiry_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"問合せ {inquiry.number} を登録しました。回答期限: {timezone.localtime(inquiry.due_at):%m/%d %H:%M}",
            )
            return redirect("helpdesk:inquiry", pk=inquiry.pk)
    return render(request, "helpdesk/form.html", {"form": form, "title": "問合せの登録"})


@filer_required
def inquiry_detail(request, pk):
    inquiry = access.get_inquiry_for_user(request.user, pk)
    is_operator = access.is_desk_operator(request.user)
    answer_form = AnswerForm(
        initial={
            "answer": inquiry.answer,
            "answered_at": now_jst().replace(second=0, microsecond=0),
            "version": inquiry.version,
        }
    )
    return render(
        request,
        "helpdesk/inquiry_detail.html",
        {
            "inquiry": inquiry,
            "messages_list": inquiry.messages.prefetch_related("attachments"),
            "answer_form": answer_form,
            "escalate_form": EscalateForm(initial={"event": inquiry.content}),
            "is_operator": is_operator,
            "slip": getattr(inquiry, "slip", None),
            "now": timezone.now(),
        },
    )


@desk_required
@require_POST
def inquiry_answer(request, pk):
    inquiry = access.get_inquiry_for_user(request.user, pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.inquiry_answer(
                inquiry=inquiry,
                actor=request.user,
                answer=d["answer"],
                answered_at=d["answered_at"],
                expected_version=d["version"],
                close=d["close"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ConflictError:
            messages.error(
                request,
                "他の担当者が先に更新しました。画面を開き直して確認してください（入力は保存していません）。",
            )
        else:
            messages.success(request, "回答を記録しました。")
    else:
        messages.error(request, "回答と回答日時を入力してください。")
    return redirect("helpdesk:inquiry", pk=pk)


@desk_required
@require_POST
def inquiry_escalate(request, pk):
    inquiry = access.get_inquiry_for_user(request.user, pk)
    form = EscalateForm(request.POST)
    if form.is_valid():
        try:
            slip = services.slip_raise(
                actor=request.user, event=form.cleaned_data["event"], inquiry=inquiry
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"連絡票 {slip.number} を起票しました。")
            return redirect("helpdesk:slip", pk=slip.pk)
    else:
        messages.error(request, "事象を入力してください。")
    return redirect("helpdesk:inquiry", pk=pk)


@desk_required
@require_POST
def inquiry_to_faq(request, pk):
    inquiry = access.get_inquiry_for_user(request.user, pk)
    try:
        faq = services.faq_draft_from_inquiry(inquiry=inquiry, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("helpdesk:inquiry", pk=pk)
    messages.success(request, "FAQの下書きを作成しました。内容を確認して公開してください。")
    return redirect("helpdesk:faq_edit", pk=faq.pk)


@desk_required
def mail_upload(request):
    from helpdesk.mail import MailError
    from helpdesk.mailbox import ingest_mail

    form = MailUploadForm(request.POST or None, request.FILES or None)
    results = []
    if request.method == "POST" and form.is_valid():
        for upload in form.cleaned_data["files"]:
            try:
                result = ingest_mail(upload.read())
            except MailError as exc:
                results.append({"name": upload.name, "error": str(exc)})
            else:
                results.append({"name": upload.name, "result": result})
    return render(request, "helpdesk/mail_upload.html", {"form": form, "results": results})


@login_required
def search(request):
    q = (request.GET.get("q") or "").strip()
    hits = (
        search_all(
            inquiries=access.inquiries_for(request.user),
            slips=access.slips_for(request.user),
            faqs=access.faqs_for(request.user),
            q=q,
        )
        if q
        else None
    )
    return render(request, "helpdesk/search.html", {"q": q, "hits": hits})
