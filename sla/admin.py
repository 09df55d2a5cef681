"""Read-only views of the SLA catalogue, evidence and improvement plans for city admins.

Changes go through the screens (sla.services): an approved version must stay as approved,
and evidence files are checked there. The reports part may register Result and Report here.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from sla.models import CatalogComment, Evidence, ImprovementPlan, Item, PlanReminder, Policy


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ItemInline(admin.TabularInline):
    model = Item
    fields = ("number", "name", "target_value", "target_text", "unit", "comparison", "rule")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Policy)
class PolicyAdmin(ReadOnlyAdmin):
    list_display = ("profile", "version", "name", "status", "effective_from", "effective_to")
    list_filter = ("profile", "status")
    inlines = [ItemInline]


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ("policy", "number", "name", "unit", "measurement", "period", "rule")
    list_filter = ("policy__profile", "measurement", "period")
    search_fields = ("name", "number", "rule")
    list_select_related = ("policy",)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("item", "period_start", "met", "value", "confirmed_by", "confirmed_at")
    list_select_related = ("item", "item__policy", "confirmed_by")


@admin.register(ImprovementPlan)
class ImprovementPlanAdmin(ReadOnlyAdmin):
    list_display = ("item", "period_start", "status", "policy_due", "completion_due", "owner")
    list_filter = ("status",)
    list_select_related = ("item", "item__policy", "owner")


@admin.register(PlanReminder)
class PlanReminderAdmin(admin.ModelAdmin):
    list_display = ("plan", "kind", "sent_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CatalogComment)
class CatalogCommentAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "author", "policy", "plan")
    list_select_related = ("author", "policy", "plan", "plan__item")
