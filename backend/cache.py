"""Django's Redis cache with one connection pool per process instead of one per request."""

from typing import ClassVar

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property


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
            client = self._clients.setdefault(key, self._class(self._servers, **self._options))
        return client
