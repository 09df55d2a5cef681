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
