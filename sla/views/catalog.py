"""SLA 項目定義 (catalogue), 確認資料 (evidence for manual items) and 改善策 (improvement plans).

Who: vendor managers prepare the catalogue, submit it, enter evidence and work the
improvement plans; city admins review, send back, approve and comment; meeting attendees
may read the catalogue; nobody else gets in (403).
"""

from __future__ import annotations

from datetime import date
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.access import role_required, user_has_role
from core.concurrency import ConflictError
from core.forms import add_service_errors
from core.navigation import NavItem
from core.paging import page_of
from core.profiles import PROFILES
from core.timeutil import now_jst
from sla import computations
from sla.forms.catalog import (
    CommentForm,
    EvidenceForm,
    ItemForm,
    MonthForm,
    NewVersionForm,
    PlanFilterForm,
    PlanForm,
    PolicyCreateForm,
    PolicyForm,
    ReturnForm,
    VersionForm,
)
from sla.models import Evidence, ImprovementPlan, Item, Policy
from sla.selectors import catalog as selectors
from sla.services import catalog as services

CATALOG_READ = (roles.VENDOR_MANAGER, roles.CITY_ADMIN, roles.MEETING_ATTENDEE)
WORK_READ = (roles.VENDOR_MANAGER, roles.CITY_ADMIN)
PREPARE = (roles.VENDOR_MANAGER,)
REVIEW = (roles.CITY_ADMIN,)
CONFLICT = gettext_lazy(
    "他の担当者が先に更新しました。画面を開き直してください（入力は保存していません）。"
)

NAV_ITEMS = [
    NavItem(
        "sla_catalog",
        gettext_lazy("SLA 項目定義"),
        "sla:catalog_index",
        frozenset(CATALOG_READ),
        610,
    ),
    NavItem(
        "sla_evidence",
        gettext_lazy("SLA 確認資料"),
        "sla:catalog_evidence",
        frozenset(WORK_READ),
        612,
    ),
    NavItem(
        "sla_plans", gettext_lazy("SLA 改善策"), "sla:catalog_plans", frozenset(WORK_READ), 614
    ),
]


def _errors_to_messages(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _profile_name(code: str) -> str:
    profile = PROFILES.get(code)
    return profile.name if profile else code


def _render(request, template: str, context: dict, status: int = 200):
    context["work_tabs"] = user_has_role(request.user, *WORK_READ)
    return render(request, template, context, status=status)


def _labelled(items):
    for item in items:
        item.target_label = selectors.target_label(item)
    return items


def _form_page(request, form, *, title: str, back: str, status_ok=200, multipart=False, **extra):
    return _render(
        request,
        "sla/catalog/form.html",
        {"form": form, "title": title, "back": back, "multipart": multipart, **extra},
        status=400 if form.is_bound else status_ok,
    )


# --- catalogue ------------------------------------------------------------------------------------


@role_required(*CATALOG_READ)
def catalog_index(request):
    groups: dict[str, list[Policy]] = {}
    for policy in selectors.policies():
        groups.setdefault(policy.profile, []).append(policy)
    today = now_jst().date()
    profiles = []
    for code in [*PROFILES, *sorted(set(groups) - set(PROFILES))]:
        in_force = selectors.policy_in_force(code, today)
        profiles.append(
            {
                "code": code,
                "name": _profile_name(code),
                "versions": groups.get(code, []),
                "in_force_id": in_force.pk if in_force else None,
            }
        )
    return _render(
        request,
        "sla/catalog/index.html",
        {
            "profiles": profiles,
            "can_prepare": user_has_role(request.user, *PREPARE),
            "today": today,
        },
    )


@role_required(*CATALOG_READ)
def catalog_policy(request, pk):
    policy = get_object_or_404(selectors.policies(), pk=pk)
    user = request.user
    is_manager = user_has_role(user, *PREPARE)
    is_admin = user_has_role(user, *REVIEW)
    S = Policy.Status
    version = {"version": policy.version_lock}
    context = {
        "policy": policy,
        "profile_name": _profile_name(policy.profile),
        "items": _labelled(list(selectors.policy_items(policy))),
        "comments": list(selectors.policy_comments(policy)),
        "history": list(policy.history.select_related("history_user")[:30]),
        "effective_end": selectors.effective_end(policy),
        "can_edit": is_manager and policy.status == S.DRAFT,
        "submit_form": VersionForm(initial=version)
        if is_manager and policy.status == S.DRAFT
        else None,
        "return_form": ReturnForm(initial=version)
        if is_admin and policy.status == S.NEGOTIATING
        else None,
        "approve_form": VersionForm(initial=version)
        if is_admin and policy.status == S.NEGOTIATING
        else None,
        "new_version": is_manager and policy.status == S.APPROVED,
        "comment_form": CommentForm() if is_manager or is_admin else None,
    }
    return _render(request, "sla/catalog/policy.html", context)


@role_required(*PREPARE)
def catalog_policy_new(request):
    form = PolicyCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("SLA の案（第%(v)s版）を作成しました。") % {"v": policy.version}
            )
            return redirect("sla:catalog_policy", pk=policy.pk)
    return _form_page(request, form, title=_("SLA の案を作成"), back=reverse("sla:catalog_index"))


@role_required(*PREPARE)
def catalog_policy_edit(request, pk):
    policy = get_object_or_404(Policy, pk=pk)
    initial = {
        "name": policy.name,
        "effective_from": policy.effective_from,
        "effective_to": policy.effective_to,
        "note": policy.note,
        "version": policy.version_lock,
    }
    form = PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        expected = data.pop("version")
        try:
            services.policy_update(
                policy=policy, actor=request.user, expected_version=expected, **data
            )
        except ConflictError:
            form.add_error(None, CONFLICT)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("版の情報を保存しました。"))
            return redirect("sla:catalog_policy", pk=policy.pk)
    return _form_page(
        request,
        form,
        title=_("%(name)s 第%(v)s版の編集") % {"name": policy.name, "v": policy.version},
        back=reverse("sla:catalog_policy", args=[policy.pk]),
    )


def _policy_action(request, pk, action, success: str, form_class=VersionForm, **extra):
    policy = get_object_or_404(Policy, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("sla:catalog_policy", pk=policy.pk)
    data = dict(form.cleaned_data)
    expected = data.pop("version")
    try:
        action(policy=policy, actor=request.user, expected_version=expected, **data, **extra)
    except ConflictError:
        messages.error(request, CONFLICT)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, success)
    return redirect("sla:catalog_policy", pk=policy.pk)


@require_POST
@role_required(*PREPARE)
def catalog_policy_submit(request, pk):
    return _policy_action(
        request, pk, services.policy_submit, _("協議に出しました（状態: 協議中）。")
    )


@require_POST
@role_required(*REVIEW)
def catalog_policy_return(request, pk):
    def action(*, policy, actor, expected_version, body):
        return services.policy_return(
            policy=policy, actor=actor, expected_version=expected_version, comment=body
        )

    return _policy_action(request, pk, action, _("案に差し戻しました。"), form_class=ReturnForm)


@require_POST
@role_required(*REVIEW)
def catalog_policy_approve(request, pk):
    return _policy_action(request, pk, services.policy_approve, _("承認しました。"))


@role_required(*PREPARE)
def catalog_policy_new_version(request, pk):
    policy = get_object_or_404(Policy, pk=pk)
    form = NewVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.policy_new_version(
                policy=policy, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("第%(v)s版（案）を作成しました。項目を修正して協議に出してください。")
                % {"v": draft.version},
            )
            return redirect("sla:catalog_policy", pk=draft.pk)
    return _form_page(
        request,
        form,
        title=_("%(name)s 第%(v)s版から新しい版を作成")
        % {"name": policy.name, "v": policy.version},
        back=reverse("sla:catalog_policy", args=[policy.pk]),
    )


@require_POST
@role_required(*WORK_READ)
def catalog_policy_comment(request, pk):
    policy = get_object_or_404(Policy, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.catalog_comment_add(
                actor=request.user, policy=policy, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, _("コメントを記入しました。"))
    else:
        messages.error(request, _("コメントを入力してください。"))
    return redirect("sla:catalog_policy", pk=policy.pk)


# --- items ---------------------------------------------------------------------------------------


@role_required(*CATALOG_READ)
def catalog_item(request, pk):
    item = get_object_or_404(Item.objects.select_related("policy"), pk=pk)
    _labelled([item])
    rule = computations.get(item.rule) if item.rule else None
    return _render(
        request,
        "sla/catalog/item.html",
        {
            "item": item,
            "policy": item.policy,
            "profile_name": _profile_name(item.policy.profile),
            "rule": rule,
            "needs_evidence": item.measurement in selectors.MANUAL_MEASUREMENTS,
            "can_see_evidence": user_has_role(request.user, *WORK_READ),
            "history": list(item.history.select_related("history_user")[:30]),
        },
    )


@role_required(*PREPARE)
def catalog_item_new(request, pk):
    policy = get_object_or_404(Policy, pk=pk)
    form = ItemForm(request.POST or None, initial={"version": policy.version_lock})
    if request.method == "POST" and form.is_valid():
        data = form.service_fields()
        try:
            services.item_create(
                policy=policy,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                **data,
            )
        except ConflictError:
            form.add_error(None, CONFLICT)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("項目を追加しました。"))
            return redirect("sla:catalog_policy", pk=policy.pk)
    return _form_page(
        request,
        form,
        title=_("項目の追加（第%(v)s版）") % {"v": policy.version},
        back=reverse("sla:catalog_policy", args=[policy.pk]),
    )


@role_required(*PREPARE)
def catalog_item_edit(request, pk):
    item = get_object_or_404(Item.objects.select_related("policy"), pk=pk)
    initial = {name: getattr(item, name) for name in services.ITEM_FIELDS}
    initial["version"] = item.policy.version_lock
    form = ItemForm(request.POST or None, initial=initial, current_rule=item.rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(
                item=item,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                **form.service_fields(),
            )
        except ConflictError:
            form.add_error(None, CONFLICT)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("項目を保存しました。"))
            return redirect("sla:catalog_policy", pk=item.policy_id)
    return _form_page(
        request,
        form,
        title=_("項目 %(number)s の編集（第%(v)s版）")
        % {"number": item.number, "v": item.policy.version},
        back=reverse("sla:catalog_policy", args=[item.policy_id]),
    )


@require_POST
@role_required(*PREPARE)
def catalog_item_delete(request, pk):
    item = get_object_or_404(Item.objects.select_related("policy"), pk=pk)
    form = VersionForm(request.POST)
    if form.is_valid():
        try:
            services.item_delete(
                item=item, actor=request.user, expected_version=form.cleaned_data["version"]
            )
        except ConflictError:
            messages.error(request, CONFLICT)
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(
                request, _("項目 %(number)s をこの版から外しました。") % {"number": item.number}
            )
    return redirect("sla:catalog_policy", pk=item.policy_id)


# --- evidence ----------------------------------------------------------------------------------


def _month_and_profile(request) -> tuple[date, str]:
    form = MonthForm(request.GET)
    month = None
    profile = ""
    if form.is_valid():
        month = form.cleaned_data["month"]
        profile = form.cleaned_data["profile"]
    today = now_jst().date()
    month = (month or today).replace(day=1)
    return month, profile or next(iter(PROFILES))


@role_required(*WORK_READ)
def catalog_evidence(request):
    month, profile = _month_and_profile(request)
    policy = selectors.policy_for_month(profile, month)
    items = _labelled(list(selectors.manual_items_for_month(profile, month))) if policy else []
    latest = selectors.evidence_by_item(items, month)
    rows = [{"item": i, "evidence": latest.get(i.pk)} for i in items]
    return _render(
        request,
        "sla/catalog/evidence_list.html",
        {
            "month": month,
            "profile": profile,
            "profile_name": _profile_name(profile),
            "profiles": [(c, p.name) for c, p in PROFILES.items()],
            "policy": policy,
            "rows": rows,
            "can_enter": user_has_role(request.user, *PREPARE),
            "is_future": month > now_jst().date().replace(day=1),
        },
    )


@role_required(*WORK_READ)
def catalog_evidence_entry(request, pk, year, month):
    item = get_object_or_404(Item.objects.select_related("policy"), pk=pk)
    _labelled([item])
    try:
        first = date(year, month, 1)
    except ValueError as exc:
        raise Http404 from exc
    can_enter = user_has_role(request.user, *PREPARE)
    if request.method == "POST" and not can_enter:
        raise PermissionDenied
    max_bytes = services.evidence_max_bytes()
    form = (
        EvidenceForm(request.POST or None, request.FILES or None, max_bytes=max_bytes)
        if can_enter
        else None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.evidence_record(
                item=item,
                month=first,
                actor=request.user,
                met=data["met"],
                value=data["value"],
                note=data["note"],
                file=data["file"],
                confirmed_at=data["confirmed_at"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("確認資料を登録しました。"))
            return redirect(
                "sla:catalog_evidence_entry", pk=item.pk, year=first.year, month=first.month
            )
    return _render(
        request,
        "sla/catalog/evidence_entry.html",
        {
            "item": item,
            "policy": item.policy,
            "profile_name": _profile_name(item.policy.profile),
            "month": first,
            "entries": list(selectors.evidence_history(item, first)),
            "form": form,
            "needs_evidence": item.measurement in selectors.MANUAL_MEASUREMENTS,
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@role_required(*WORK_READ)
def catalog_evidence_file(request, pk):
    evidence = get_object_or_404(Evidence, pk=pk)
    if not evidence.file:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=PurePath(evidence.file.name).name)


# --- improvement plans ---------------------------------------------------------------------------


@role_required(*WORK_READ)
def catalog_plans(request):
    form = PlanFilterForm(request.GET or None)
    status = profile = None
    if form.is_valid():
        status = form.cleaned_data["status"] or None
        profile = form.cleaned_data["profile"] or None
    page = page_of(selectors.plans(status=status, profile=profile), request.GET.get("page"))
    today = now_jst().date()
    return _render(
        request,
        "sla/catalog/plans.html",
        {
            "form": form,
            "page": page,
            "today": today,
            "profile_names": {c: p.name for c, p in PROFILES.items()},
        },
    )


@role_required(*WORK_READ)
def catalog_plan(request, pk):
    plan = get_object_or_404(selectors.plans(), pk=pk)
    return _render(
        request,
        "sla/catalog/plan.html",
        {
            "plan": plan,
            "profile_name": _profile_name(plan.item.policy.profile),
            "comments": list(selectors.plan_comments(plan)),
            "reminders": list(plan.reminders.order_by("sent_at")),
            "history": list(plan.history.select_related("history_user")[:30]),
            "can_edit": user_has_role(request.user, *PREPARE)
            and plan.status != ImprovementPlan.Status.COMPLETED,
            "comment_form": CommentForm(),
            "today": now_jst().date(),
        },
    )


PLAN_ACTIONS = {
    "save": (services.improvement_plan_update, gettext_lazy("改善策を保存しました。")),
    "report_policy": (
        services.improvement_plan_report_policy,
        gettext_lazy("改善方針を報告しました（状態: 方針報告済・改善中）。"),
    ),
    "complete": (services.improvement_plan_complete, gettext_lazy("改善策を完了にしました。")),
}


@role_required(*PREPARE)
def catalog_plan_edit(request, pk):
    plan = get_object_or_404(selectors.plans(), pk=pk)
    initial = {
        "owner": plan.owner_id,
        "cause": plan.cause,
        "policy_text": plan.policy_text,
        "countermeasure": plan.countermeasure,
        "version": plan.version,
    }
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        action, success = PLAN_ACTIONS.get(request.POST.get("action", "save"), PLAN_ACTIONS["save"])
        data = dict(form.cleaned_data)
        expected = data.pop("version")
        try:
            action(plan=plan, actor=request.user, expected_version=expected, **data)
        except ConflictError:
            form.add_error(None, CONFLICT)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("sla:catalog_plan", pk=plan.pk)
    return _render(
        request,
        "sla/catalog/plan_form.html",
        {"form": form, "plan": plan, "profile_name": _profile_name(plan.item.policy.profile)},
        status=400 if form.is_bound else 200,
    )


@require_POST
@role_required(*WORK_READ)
def catalog_plan_comment(request, pk):
    plan = get_object_or_404(ImprovementPlan, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.catalog_comment_add(
                actor=request.user, plan=plan, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, _("コメントを記入しました。"))
    else:
        messages.error(request, _("コメントを入力してください。"))
    return redirect("sla:catalog_plan", pk=plan.pk)
