"""Rendered fragments of the collaboratives' pages, cached under keys that name the version of
the data they show (a team's charts, a collaborative's charter, a team's activity).

A fragment under such a key does not change: new data give a new key. So besides the shared
cache, each process keeps the last few it read in memory, for no longer than the cache keeps
them, and a repeated view does not fetch and unpickle the same hundred kilobytes of charts
from Redis on every request. Nothing about
who may see a page is kept here: access is decided on every request before a fragment is read.
"""

import threading
import time
from collections import OrderedDict

from django.core.cache import cache

MEMORY_ENTRIES = 64


class _Recent:
    """The most recently read fragments of this process, by key (least recently used out)."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[str, tuple[float, object]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, value, timeout: int) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + timeout, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


recent = _Recent(MEMORY_ENTRIES)


def versioned(key: str, draw, timeout: int):
    """The fragment under `key` (a key that names its data's version): from this process's
    memory, else from the cache, else drawn by `draw()` and cached for `timeout` seconds."""
    value = recent.get(key)
    if value is None:
        value = cache.get(key)
        if value is None:
            value = draw()
            cache.set(key, value, timeout)
        recent.put(key, value, timeout)
    return value
