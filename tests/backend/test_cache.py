"""The Redis cache: one client, and so one connection pool, per process and configuration."""

import contextvars

import redis
from django.core.cache import caches

from backend.cache import SharedPoolRedisCache


def test_cache_objects_of_one_configuration_share_their_connections(settings, shared_redis):
    settings.CACHES = {"default": {"BACKEND": "backend.cache.SharedPoolRedisCache", "LOCATION": shared_redis}}
    first, second = caches.create_connection("default"), caches.create_connection("default")
    assert first is not second
    assert first._cache is second._cache
    first.set("greeting", "hallo")
    assert second.get("greeting") == "hallo"


def test_requests_in_contexts_of_their_own_connect_once(settings, shared_redis):
    """Each ASGI request runs in a context of its own, where Django makes a new cache object."""
    settings.CACHES = {"default": {"BACKEND": "backend.cache.SharedPoolRedisCache", "LOCATION": shared_redis}}
    server = redis.Redis.from_url(shared_redis)
    database = str(server.connection_pool.connection_kwargs["db"])

    def connected() -> int:  # to this test's database: other tests may use the same server
        return sum(client["db"] == database for client in server.client_list())

    before = connected()
    kept = []

    def request(number: int) -> None:
        cache = caches["default"]
        cache.set(f"request-{number}", number)
        kept.append(cache)  # alive, as many requests are at once

    for number in range(30):
        contextvars.Context().run(request, number)
    assert len({id(cache) for cache in kept}) == 30
    assert server.get(":1:request-29") is not None
    assert connected() - before <= 1


def test_cache_calls_share_one_redis_client(settings, shared_redis, monkeypatch):
    """A redis-py client builds its table of response callbacks when made: not once a call."""
    settings.CACHES = {"default": {"BACKEND": "backend.cache.SharedPoolRedisCache", "LOCATION": shared_redis}}
    monkeypatch.setattr(SharedPoolRedisCache, "_clients", {})  # as in a process just started
    made = []
    monkeypatch.setattr(redis.Redis, "__init__", _counting(redis.Redis.__init__, made))
    cache = caches.create_connection("default")
    cache.set("greeting", "hallo")
    for _ in range(20):
        assert cache.get("greeting") == "hallo"
    cache.add("counter", 0)
    assert cache.incr("counter") == 1
    assert len(made) == 1


def _counting(init, made):
    def counted(self, *args, **kwargs):
        made.append(self)
        init(self, *args, **kwargs)

    return counted
