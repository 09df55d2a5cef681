from django.core.cache import cache

from incidents.models import StopInterval

BANNER_CACHE_SECONDS = 30


def ongoing_stop_banners(user) -> list[str]:
    """「一部機能が停止しています」 for every stop still running; cached briefly,
    since every page of every user asks."""
    texts = cache.get("incidents:banners")
    if texts is None:
        texts = [
            f"現在、{s.functions or 'システムの一部'}が停止しています（{s.started_at:%m/%d %H:%M} から）。復旧までしばらくお待ちください。"
            for s in StopInterval.objects.filter(ended_at__isnull=True).order_by("started_at")[:5]
        ]
        cache.set("incidents:banners", texts, BANNER_CACHE_SECONDS)
    return texts


def incident_status_as_of(incident_ids, at) -> dict[int, str]:
    """The status each incident had just before ``at``, from its history (latest record with
    history_date < at, one query with DISTINCT ON). Incidents with no history before ``at``
    (e.g. bulk-loaded rows) are left out: the caller decides what it can say about them."""
    from incidents.models import Incident

    rows = (
        Incident.history.filter(id__in=list(incident_ids), history_date__lt=at)
        .order_by("id", "-history_date", "-history_id")
        .distinct("id")
        .values_list("id", "status")
    )
    return dict(rows)


def incidents_first_closed_between(start, end) -> list[int]:
    """Ids of the incidents whose history first shows them 完了 (closed) within [start, end)."""
    from django.db.models import Min

    from incidents.models import Incident

    return list(
        Incident.history.filter(status=Incident.Status.CLOSED)
        .values("id")
        .annotate(first=Min("history_date"))
        .filter(first__gte=start, first__lt=end)
        .order_by("id")
        .values_list("id", flat=True)
    )
