"""Progress of long jobs, readable by the page that polls it.

Kept in the cache rather than the job's row: the job writes inside one long
transaction, and nobody else could see a row update before it commits.
"""

from django.core.cache import cache

TTL = 24 * 3600


def report(key: str, *, done: int, total: int) -> None:
    cache.set(f"progress:{key}", {"done": done, "total": total}, TTL)


def read(key: str) -> dict | None:
    return cache.get(f"progress:{key}")
