"""Rate limiting with the `limits` library: Redis when REDIS_URL is set, memory otherwise."""

from __future__ import annotations

import math
import time
from functools import lru_cache

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from api.config import get_settings
from api.errors import RateLimited


@lru_cache
def limiter() -> MovingWindowRateLimiter:
    redis_url = get_settings().redis_url
    if redis_url:
        uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
    else:
        uri = "async+memory://"
    storage = storage_from_string(uri)
    assert isinstance(storage, Storage)
    return MovingWindowRateLimiter(storage)


@lru_cache
def rate(spec: str) -> RateLimitItem:
    return parse(spec)


async def ensure_allowed(
    spec: str, *key: str, message: str = "Too many failed attempts; try again later."
) -> None:
    """Raise 429 with Retry-After when the limit for `key` is exhausted (does not count)."""
    item = rate(spec)
    if not await limiter().test(item, *key):
        stats = await limiter().get_window_stats(item, *key)
        raise RateLimited(
            math.ceil(stats.reset_time - time.time()),
            message,
        )


async def count(spec: str, *key: str) -> None:
    await limiter().hit(rate(spec), *key)


async def reset(spec: str, *key: str) -> None:
    await limiter().clear(rate(spec), *key)
