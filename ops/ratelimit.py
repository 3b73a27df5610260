"""Fixed-window rate limits in the shared cache: every worker and node counts in one bucket."""

from __future__ import annotations

from django.core.cache import BaseCache
from django.core.cache import cache as default_cache


def over_limit(key: str, *, limit: int, window: int, cache: BaseCache | None = None) -> bool:
    """Count one more use of ``key``; True once more than ``limit`` were counted in ``window``
    seconds. In Redis ``incr`` is atomic; the database cache reads then writes, so requests at the
    same instant may be under-counted by a few, which a limit against probing tolerates."""
    cache = cache or default_cache
    cache.add(key, 0, timeout=window)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        used = 1
    return used > limit
