"""City admins name the functions of the statistics in admin; samples are read-only."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reports.models import FunctionName, ResourceSample


@admin.register(FunctionName)
class FunctionNameAdmin(SimpleHistoryAdmin):
    list_display = ("view_name", "label")
    search_fields = ("view_name", "label")


@admin.register(ResourceSample)
class ResourceSampleAdmin(admin.ModelAdmin):
    list_display = ("slot", "cpu_percent", "memory_percent", "disk_root_percent", "db_bytes")
    date_hierarchy = "slot"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
