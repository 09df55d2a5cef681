from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.calendar import WEEKDAYS_JA
from core.models import ClosureDay, DeskHours, Heartbeat, OutboxMessage, RequestDailyStat
from core.outbox import outbox_send


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PendingFilter(admin.SimpleListFilter):
    title = _("送信状態")
    parameter_name = "pending"

    def lookups(self, request, model_admin):
        return [("1", _("送信待ち")), ("0", _("送信済み"))]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.filter(sent_at__isnull=True)
        if self.value() == "0":
            return queryset.filter(sent_at__isnull=False)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "task_name", "queue", "created_at", "sent_at", "attempts", "last_error"]
    list_filter = [PendingFilter, "task_name"]
    search_fields = ["task_name"]
    actions = ["send_now"]

    @admin.action(description=_("選択したジョブを今すぐ送信"), permissions=["view"])
    def send_now(self, request, queryset):
        sent = sum(outbox_send(message_id=pk) for pk in queryset.values_list("pk", flat=True))
        level = messages.SUCCESS if sent == queryset.count() else messages.WARNING
        self.message_user(request, _("%(sent)d 件を送信しました。") % {"sent": sent}, level)


@admin.register(Heartbeat)
class HeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["name", "at"]


@admin.register(RequestDailyStat)
class RequestDailyStatAdmin(ReadOnlyAdmin):
    list_display = [
        "day",
        "view_name",
        "status_class",
        "requests",
        "users",
        "max_duration_us",
        "over_3s",
    ]
    list_filter = ["status_class"]
    search_fields = ["view_name"]
    date_hierarchy = "day"


# --- business calendar (core.calendar) ----------------------------------------------


@admin.register(ClosureDay)
class ClosureDayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "weekday", "reason"]
    search_fields = ["reason"]
    date_hierarchy = "date"
    ordering = ["-date"]

    @admin.display(description=_("曜日"))
    def weekday(self, obj):
        return WEEKDAYS_JA[obj.date.weekday()]


@admin.register(DeskHours)
class DeskHoursAdmin(SimpleHistoryAdmin):
    list_display = ["profile", "valid_from", "opens", "closes"]
    list_filter = ["profile"]
    ordering = ["profile", "-valid_from"]
