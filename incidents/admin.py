from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from incidents.models import Incident, MilestoneDefinition, PlannedStop, Problem


@admin.register(MilestoneDefinition)
class MilestoneDefinitionAdmin(SimpleHistoryAdmin):
    list_display = [
        "profile",
        "order",
        "name",
        "target",
        "unit",
        "start_event",
        "stop_event",
        "valid_from",
        "valid_to",
    ]
    list_filter = ["profile"]


@admin.register(PlannedStop)
class PlannedStopAdmin(SimpleHistoryAdmin):
    list_display = ["starts_at", "ends_at", "reason", "approved_by", "approved_at"]


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    list_display = ["number", "title", "kind", "source", "severity", "aware_at", "status"]
    list_filter = ["kind", "status", "source"]
    search_fields = ["number", "title"]

    def has_change_permission(self, request, obj=None):
        return False  # incidents are worked on the vendor's screens (next step), read here

    def has_add_permission(self, request):
        return False


@admin.register(Problem)
class ProblemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "status", "resolved_on"]
    list_filter = ["status"]
