"""A growing delay per username, whatever the address (身份鉴别: 登录失败处理).

django-axes locks a username *from one address* after 5 failures for 30 minutes, so a stranger
elsewhere cannot lock a known account out. Against password spraying from many addresses, each
failure for a username beyond the tenth (from any addresses) makes the next attempt for it wait
longer (1, 2, 4 … s, at most MAX_DELAY). The wait applies to existing and unknown usernames
alike, so it tells nothing about which accounts exist. Counters live in Django's cache: with the
deployment's shared cache, several workers and nodes see the same count.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

FREE_FAILURES = 10  # beyond axes' 5 per address: spraying from many addresses
# Spraying many usernames from one address: after this many failures from it in WINDOW, every
# login from that address is refused until the window has passed (an office behind one NAT
# address makes far fewer mistakes than this in half an hour).
ADDRESS_FAILURES = 50
MAX_DELAY = 300  # seconds
WINDOW = 30 * 60  # a quiet half hour forgets the failures


def _key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-throttle:{digest}"


def wait_seconds(username: str, *, now: float | None = None) -> int:
    """How long ``username`` must still wait before the next attempt is looked at."""
    state = cache.get(_key(username))
    if not state:
        return 0
    failures, last = state
    if failures < FREE_FAILURES:
        return 0
    delay = min(2 ** (failures - FREE_FAILURES), MAX_DELAY)
    remaining = last + delay - (now if now is not None else time.time())
    return max(0, int(remaining + 0.999))


def failed(username: str, *, now: float | None = None) -> None:
    key = _key(username)
    failures, _last = cache.get(key) or (0, 0.0)
    cache.set(key, (failures + 1, now if now is not None else time.time()), WINDOW)


def succeeded(username: str) -> None:
    cache.delete(_key(username))


def _address_key(address: str) -> str:
    return f"login-address:{hashlib.sha256(address.encode()).hexdigest()[:32]}"


def address_blocked(address: str) -> bool:
    """Whether logins from ``address`` are refused for now (too many failures, any usernames)."""
    return (cache.get(_address_key(address)) or 0) >= ADDRESS_FAILURES


def address_failed(address: str) -> None:
    key = _address_key(address)
    cache.add(key, 0, timeout=WINDOW)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW)
