"""Django's Redis cache with one connection pool and one client per process instead of one per request."""

from typing import ClassVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property


class _OneClientPerPool(RedisCacheClient):
    """Django makes a redis-py client for every cache call, and each builds its table of response
    callbacks anew: a quarter of a millisecond a call, four calls for a slot answer (issue #15).
    One client per pool serves them all (redis-py's clients are thread-safe)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._redis_clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._redis_clients.get(index)
        if client is None:
            client = self._redis_clients.setdefault(
                index, self._client(connection_pool=self._get_connection_pool(write))
            )
        return client


class SharedPoolRedisCache(RedisCache):
    """Django keeps a cache object per request context (asgiref's `Local`), and each object made
    its own client with its own connection pool: under ASGI every request connected to Redis anew.
    One client (thread-safe; its pools inside) now serves every object of the same configuration."""

    _clients: ClassVar[dict[str, RedisCacheClient]] = {}

    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = repr((self._servers, sorted(self._options.items())))
        client = self._clients.get(key)
        if client is None:
            client = self._clients.setdefault(key, _OneClientPerPool(self._servers, **self._options))
        return client
