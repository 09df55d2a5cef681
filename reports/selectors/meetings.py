"""定例報告会議・議事録: reads."""

from django.db.models import Q, QuerySet

from reports.models.meetings import ActionItem, AgendaItem, Meeting


def meeting_list(*, final_only: bool = False) -> QuerySet[Meeting]:
    qs = Meeting.objects.select_related("confirmed_by").order_by("-held_at", "-pk")
    if final_only:
        qs = qs.filter(minutes_status=Meeting.MinutesStatus.FINAL)
    return qs


def meeting(pk: int) -> Meeting:
    return Meeting.objects.select_related("confirmed_by", "created_by").get(pk=pk)


def agenda_items(meeting: Meeting) -> QuerySet[AgendaItem]:
    return AgendaItem.objects.filter(meeting=meeting).order_by("order", "pk")


def action_items_for(meeting: Meeting) -> QuerySet[ActionItem]:
    """The meeting's own action items and those carried over from earlier meetings of the
    same contract that were not done before this meeting (完了 reported here still shows)."""
    earlier_open = Q(meeting__profile=meeting.profile, meeting__held_at__lt=meeting.held_at) & (
        Q(done_in__isnull=True) | Q(done_in__held_at__gte=meeting.held_at)
    )
    return (
        ActionItem.objects.filter(Q(meeting=meeting) | earlier_open)
        .select_related("meeting", "done_in")
        .order_by("meeting__held_at", "due", "pk")
    )
