"""Redis as a cache that never takes the portal down with it.

Sessions (cached_db), rate-limit counters and a few lookups live in Redis. When Redis cannot be
reached, this backend behaves as an empty cache instead of raising: reads miss (sessions then
come from the database), writes are dropped, and the portal keeps answering. After a failure it
does not try Redis again for a few seconds, so a request is not slowed by one timeout per cache
call.

A write or delete that could not reach Redis leaves an old value there (a session that was
signed out, say), which would come back with Redis. The backend remembers those keys and
deletes them first thing once Redis answers again.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new `redis.Redis` around the connection pool for every cache
    call; building one registers some 1,300 response callbacks, which cost more than the
    round trip itself, and a page makes several calls (the session, the user's cached facts,
    a dashboard's fragments). A `redis.Redis` holds no connection of its own and is safe to
    share between threads, so one is kept per pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    pause_seconds = 5.0
    max_remembered = 10_000

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._guard = threading.Lock()
        self._down_until = 0.0
        self._stale: set[str] = set()
        self._overflowed = False

    # -- the guard ------------------------------------------------------------------------

    def _call(self, operation, fallback, stale_keys=()):
        if time.monotonic() < self._down_until:
            self._remember(stale_keys)
            return fallback
        try:
            if self._stale:
                self._forget_stale()
            result = operation()
        except UNREACHABLE as exc:
            with self._guard:
                was_up = self._down_until == 0.0
                self._down_until = time.monotonic() + self.pause_seconds
            if was_up:
                logger.warning("Cache unreachable, serving without it: %s: %s",
                               type(exc).__name__, exc)
            self._remember(stale_keys)
            return fallback
        if self._down_until:
            self._down_until = 0.0
            logger.warning("Cache reachable again")
        return result

    def _remember(self, keys):
        if not keys:
            return
        with self._guard:
            if len(self._stale) + len(keys) > self.max_remembered:
                self._overflowed = True
                return
            self._stale.update(keys)

    def _forget_stale(self):
        with self._guard:
            keys, self._stale = list(self._stale), set()
            overflowed, self._overflowed = self._overflowed, False
        try:
            if keys:
                self._cache.delete_many(keys)
            if overflowed:
                logger.error("Cache was unreachable for too many writes; entries written "
                             "before the outage may be stale until they expire")
        except UNREACHABLE:
            self._remember(keys)
            raise

    def _made(self, key, version):
        return [self.make_and_validate_key(key, version=version)]

    # -- reads miss -------------------------------------------------------------------------

    def get(self, key, default=None, version=None):
        parent = super()
        return self._call(lambda: parent.get(key, default, version), default)

    def get_many(self, keys, version=None):
        parent = super()
        return self._call(lambda: parent.get_many(keys, version), {})

    def has_key(self, key, version=None):
        parent = super()
        return self._call(lambda: parent.has_key(key, version), False)

    # -- writes are dropped, and what they would have replaced is deleted later ------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._call(lambda: parent.add(key, value, timeout, version), False,
                          self._made(key, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._call(lambda: parent.set(key, value, timeout, version), None,
                          self._made(key, version))

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        made = [self.make_and_validate_key(key, version=version) for key in data]
        return self._call(lambda: parent.set_many(data, timeout, version), list(data), made)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        parent = super()
        return self._call(lambda: parent.touch(key, timeout, version), False)

    def delete(self, key, version=None):
        parent = super()
        return self._call(lambda: parent.delete(key, version), False, self._made(key, version))

    def delete_many(self, keys, version=None):
        parent = super()
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        return self._call(lambda: parent.delete_many(keys, version), None, made)

    def incr(self, key, delta=1, version=None):
        parent = super()
        missing = object()
        result = self._call(lambda: parent.incr(key, delta, version), missing,
                            self._made(key, version))
        if result is missing:
            raise ValueError(f"Key '{key}' not found (cache unreachable).")
        return result

    def clear(self):
        parent = super()
        return self._call(parent.clear, False)
