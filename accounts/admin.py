from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Assignment, OrgUnit, User


class AssignmentInline(admin.TabularInline):
    model = Assignment
    extra = 0
    autocomplete_fields = ["org_unit"]


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, BaseUserAdmin):
    list_display = ["employee_number", "name", "name_kana", "is_active", "last_login"]
    list_filter = ["is_active", "groups"]
    search_fields = ["employee_number", "name", "name_kana", "email"]
    ordering = ["employee_number"]
    filter_horizontal = ["groups", "user_permissions"]
    inlines = [AssignmentInline]
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


@admin.register(OrgUnit)
class OrgUnitAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "parent", "valid_from", "valid_to"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
