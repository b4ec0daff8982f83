"""The Redis cache degrades to an empty cache when Redis is away, and cleans up after."""

import socket
import time
from unittest import mock

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from chpso_portal.cache import ResilientRedisCache


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_cache(location):
    return ResilientRedisCache(location, {"OPTIONS": {"socket_connect_timeout": 1,
                                                      "socket_timeout": 1}})


def test_an_unreachable_redis_is_an_empty_cache_and_is_not_retried_on_every_call():
    cache = make_cache(f"redis://127.0.0.1:{closed_port()}/0")
    started = time.monotonic()
    assert cache.get("session", "miss") == "miss"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("a") is False
    assert cache.add("lock", 1) is False
    assert cache.set("a", 1) is None
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]
    assert cache.delete("a") is False
    assert cache.touch("a") is False
    with pytest.raises(ValueError):
        cache.incr("counter")
    assert time.monotonic() - started < 5
    with mock.patch.object(cache._cache, "get", side_effect=AssertionError("tried Redis")):
        assert cache.get("session", "miss") == "miss"  # paused: not even tried


def test_what_could_not_be_written_or_deleted_is_deleted_first_when_redis_is_back():
    cache = make_cache("redis://127.0.0.1:6379/0")
    client = mock.Mock()
    client.set.side_effect = RedisConnectionError("down")
    client.delete.side_effect = RedisConnectionError("down")
    client.delete_many.side_effect = RedisConnectionError("down")
    cache._cache = client
    cache.pause_seconds = 0
    cache.delete("signed-out-session")  # the old session stays in an unreachable Redis
    cache.set("profile", {"name": "new"})
    assert cache._stale == {cache.make_key("signed-out-session"), cache.make_key("profile")}

    client.delete_many.reset_mock(side_effect=True)

    def get(*args, **kwargs):
        assert client.delete_many.called, "read before the stale entries were removed"

    client.get.side_effect = get
    assert cache.get("signed-out-session") is None
    client.delete_many.assert_called_once()
    assert sorted(client.delete_many.call_args.args[0]) == sorted(
        [cache.make_key("signed-out-session"), cache.make_key("profile")])
    assert client.get.call_count == 1 and cache._stale == set()
    cache.get("other")
    assert client.delete_many.call_count == 1  # done once


def test_one_redis_client_is_kept_per_connection_pool():
    """Building a redis.Redis per call cost more than the call: it is built once."""
    cache = make_cache(f"redis://127.0.0.1:{closed_port()}/0")
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=False) is first
    assert cache._cache.get_client("any-key", write=True) is first
    assert first.connection_pool is cache._cache._get_connection_pool(True)
