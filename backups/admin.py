"""Read-only views of the backup ledger for city admins; changes go through the services."""

from django.contrib import admin

from backups.models import BackupRun, Drill, Event, Generation, Restore


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Generation)
class GenerationAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "label", "change_ref", "status", "started_at", "db_bytes")
    list_filter = ("kind", "status")
    search_fields = ("name", "change_ref", "requested_by")
    exclude = ("tables",)


@admin.register(BackupRun)
class BackupRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "kind", "status", "requested_by", "forced_in_office_hours")
    list_filter = ("kind", "status")


@admin.register(Drill)
class DrillAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "generation", "status", "restore_seconds")
    list_filter = ("status",)


@admin.register(Restore)
class RestoreAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "generation", "status", "requested_by", "incident_number")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "actor", "generation_name")
    list_filter = ("action",)
