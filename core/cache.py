"""A Redis cache that degrades to "always empty" while Redis is unreachable.

Sessions use the cached_db engine: with this backend a Redis outage costs a
database read per request instead of an HTTP 500, so users keep working and can
still log in. After a failure Redis is skipped for a few seconds so a hung
server does not add its timeout to every request.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
SKIP_SECONDS = 5.0


class FailOpenRedisCache(RedisCache):
    _down_until = 0.0

    def _guard(self, name, default, *args, **kwargs):
        if time.monotonic() < self._down_until:
            return default
        try:
            return getattr(super(), name)(*args, **kwargs)
        except REDIS_ERRORS as exc:
            self._down_until = time.monotonic() + SKIP_SECONDS
            logger.warning("cache unavailable, continuing without it: %s", exc)
            return default

    def get(self, key, default=None, version=None):
        return self._guard("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, keys, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("add", False, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("set_many", list(data), data, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard("delete_many", None, keys, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        return self._guard("incr", None, key, delta, version)

    def clear(self):
        return self._guard("clear", False)
