from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts import (
    admin_imports,  # noqa: F401 - registers the personnel import screens
    roles,
)
from accounts.models import AccessGrant, Assignment, OrgUnit, User
from accounts.personnel_import.plan import STAFF_KINDS
from accounts.selectors import assignment_history, org_tree, units_on
from accounts.services import user_transfer
from core.timeutil import now_jst


class ScreenReasonMixin:
    """History rows written from the admin say which screen made them."""

    def _reason(self, request) -> str:
        return f"管理サイト（{self.model._meta.verbose_name}）"

    def save_model(self, request, obj, form, change):
        obj._change_reason = self._reason(request)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        obj._change_reason = self._reason(request)
        super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        for obj in formset.save(commit=False):
            obj._change_reason = self._reason(request)
            obj.save()
        for obj in formset.deleted_objects:
            obj._change_reason = self._reason(request)
            obj.delete()
        formset.save_m2m()


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["org_unit"]
    fields = ["org_unit", "position", "job_type", "valid_from", "valid_to"]
    ordering = ["-valid_from"]


class TransferForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("異動区分"), choices=[(k, k) for k in STAFF_KINDS if k != "新規"]
    )
    issued_on = forms.DateField(label=_("発令日"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.ModelChoiceField(label=_("所属"), queryset=OrgUnit.objects.none(), required=False)
    position = forms.CharField(label=_("役職"), required=False, max_length=50)
    job_type = forms.CharField(label=_("職種"), required=False, max_length=50)
    roles = forms.MultipleChoiceField(
        label=_("権限"),
        choices=list(roles.ROLES.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("変更する場合だけ選んでください。何も選ばなければ現在の権限のままです。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_on().order_by("code")


@admin.register(User)
class UserAdmin(ScreenReasonMixin, SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ["employee_number", "name", "name_kana", "is_active", "last_login"]
    list_filter = ["is_active", "groups"]
    search_fields = ["employee_number", "name", "name_kana", "email"]
    ordering = ["employee_number"]
    filter_horizontal = ["groups", "user_permissions"]
    inlines = [AssignmentInline]
    change_form_template = "admin/accounts/user/change_form.html"
    fieldsets = [
        (None, {"fields": ["employee_number", "password"]}),
        (_("職員情報"), {"fields": ["name", "name_kana", "email"]}),
        (
            _("権限"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("日時"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["employee_number", "name", "name_kana", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_urls(self):
        return [
            path(
                "<int:pk>/transfer/",
                self.admin_site.admin_view(self.transfer_view),
                name="accounts_user_transfer",
            ),
            *super().get_urls(),
        ]

    def transfer_view(self, request, pk):
        user = get_object_or_404(User, pk=pk)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        form = TransferForm(request.POST or None, initial={"issued_on": now_jst().date()})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                user_transfer(
                    user=user,
                    kind=data["kind"],
                    issued_on=data["issued_on"],
                    actor=request.user,
                    unit_code=data["unit"].code if data["unit"] else "",
                    position=data["position"],
                    job_type=data["job_type"],
                    roles=data["roles"] or None,
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    _("%(name)s の異動を登録しました。") % {"name": user.name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:accounts_user_change", args=[user.pk]))
        tree = org_tree()
        history = [
            {
                "a": a,
                "path": tree.path_name(a.org_unit_id)
                if a.org_unit_id in tree.units
                else a.org_unit.name,
            }
            for a in assignment_history(user=user)
        ]
        return TemplateResponse(
            request,
            "admin/accounts/user/transfer.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": user,
                "title": _("%(name)s の異動登録") % {"name": user.name},
                "form": form,
                "history": history,
            },
        )


@admin.register(OrgUnit)
class OrgUnitAdmin(ScreenReasonMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "parent", "valid_from", "valid_to", "successor"]
    list_filter = ["kind", "valid_to"]
    search_fields = ["code", "name"]
    list_select_related = ["parent", "successor"]
    autocomplete_fields = ["parent", "successor"]


@admin.register(AccessGrant)
class AccessGrantAdmin(SimpleHistoryAdmin):
    list_display = [
        "user",
        "content_type",
        "object_id",
        "granted_by",
        "valid_from",
        "valid_until",
        "revoked_at",
    ]
    list_select_related = ["user", "granted_by", "content_type"]
    readonly_fields = [
        "user",
        "content_type",
        "object_id",
        "reason",
        "granted_by",
        "valid_from",
        "valid_until",
    ]

    def has_add_permission(self, request):
        return False  # grants are made from the object's own screen, with a reason
