"""Shared state: the 查验 limit and the login lockouts live in a cache that every worker and
node sees (the database cache table, or Redis when REDIS_URL is set)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache.backends.db import DatabaseCache
from django.test import override_settings
from django.urls import reverse

from ops.models import CacheEntry
from ops.ratelimit import over_limit

ROOT = Path(__file__).resolve().parent.parent
DB_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ops_cache"}
}
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def caches_under(extra: dict[str, str], setting: str = "CACHES"):
    code = f"from django.conf import settings; import json; print(json.dumps(settings.{setting}))"
    environment = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    environment.update({"DJANGO_SETTINGS_MODULE": "settings.dev", **extra})
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_settings_choose_redis_when_redis_url_is_set_else_the_database_table():
    redis = caches_under({"REDIS_URL": "redis://127.0.0.1:6379/3"})["default"]
    assert redis["BACKEND"] == "ops.redis_cache.RedisCache"
    assert redis["LOCATION"] == "redis://127.0.0.1:6379/3"
    database = caches_under({})["default"]
    assert database == {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ops_cache",
    }


def test_sessions_live_in_redis_when_there_is_one_unless_told_otherwise():
    redis = {"REDIS_URL": "redis://127.0.0.1:6379/3"}
    assert caches_under(redis, "SESSION_ENGINE") == "ops.sessions"
    assert caches_under({}, "SESSION_ENGINE") == "django.contrib.sessions.backends.db"
    db = {**redis, "SESSION_STORE": "db"}
    assert caches_under(db, "SESSION_ENGINE") == "django.contrib.sessions.backends.db"
    with pytest.raises(subprocess.CalledProcessError) as refused:
        caches_under({"SESSION_STORE": "cache"}, "SESSION_ENGINE")
    assert "SESSION_STORE=cache needs REDIS_URL" in refused.value.stderr


@pytest.mark.django_db
def test_two_database_cache_clients_count_in_one_bucket():
    """Two clients of the table stand for two workers (or two nodes): the limit is global."""
    worker_a, worker_b = DatabaseCache("ops_cache", {}), DatabaseCache("ops_cache", {})
    key = f"verify:{uuid.uuid4().hex}"
    results = [
        over_limit(key, limit=4, window=60, cache=worker_a if i % 2 else worker_b) for i in range(6)
    ]
    assert results == [False, False, False, False, True, True]


@pytest.mark.django_db
@override_settings(CACHES=DB_CACHE, VERIFY_RATE_LIMIT=(2, 600))
def test_the_verify_page_counts_in_the_database_cache(client):
    from django.core.cache import cache

    cache.clear()
    statuses = [client.get(reverse("verify"), {"code": "X"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    # Another worker (a fresh client of the same table) sees the same count.
    assert over_limit("verify:127.0.0.1", limit=2, window=600, cache=DatabaseCache("ops_cache", {}))
    cache.clear()


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_two_redis_clients_count_in_one_bucket():
    from ops.redis_cache import RedisCache

    worker_a, worker_b = RedisCache(TEST_REDIS_URL, {}), RedisCache(TEST_REDIS_URL, {})
    key = f"zuzhi-test:verify:{uuid.uuid4().hex}"
    results = [
        over_limit(key, limit=3, window=60, cache=worker_a if i % 2 else worker_b) for i in range(5)
    ]
    worker_a.delete(key)
    assert results == [False, False, False, True, True]


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_the_redis_cache_keeps_one_client_per_pool_and_works_from_threads():
    from concurrent.futures import ThreadPoolExecutor

    from ops.redis_cache import RedisCache

    cache = RedisCache(TEST_REDIS_URL, {})
    key = f"zuzhi-test:threads:{uuid.uuid4().hex}"
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=False)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: cache.set(f"{key}:{i}", i, 60), range(200)))
        read = list(pool.map(lambda i: cache.get(f"{key}:{i}"), range(200)))
    cache.delete_many([f"{key}:{i}" for i in range(200)])
    assert read == list(range(200))


@pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
def test_an_unchanged_session_is_saved_by_moving_its_expiry_alone(settings):
    from django.contrib.sessions.backends.base import UpdateError

    from ops.redis_cache import RedisCache
    from ops.sessions import SessionStore

    cache = RedisCache(TEST_REDIS_URL, {})
    calls = []

    def store(key=None):
        s = SessionStore(key)
        s._cache = cache
        return s

    created = store()
    created["acting_org_id"] = 7
    created.save()
    key = created.session_key
    client = cache._cache.get_client(write=True)
    redis_key = cache.make_and_validate_key(created.cache_key)
    client.expire(redis_key, 5)  # as if the idle limit were nearly up

    seen = store(key)
    assert seen["acting_org_id"] == 7  # read, not changed
    original = {
        name: getattr(cache, name) for name in ("get", "set", "add", "touch", "set_existing")
    }
    for name, method in original.items():
        setattr(cache, name, lambda *a, _m=method, _n=name, **k: calls.append(_n) or _m(*a, **k))
    try:
        seen.save()
        assert calls == ["touch"]  # one round trip, no pickling
        assert client.ttl(redis_key) > settings.SESSION_COOKIE_AGE - 10
        assert store(key)["acting_org_id"] == 7

        changed = store(key)
        changed["acting_org_id"] = 8  # read (one get), then changed
        calls.clear()
        changed.save()  # changed: written whole if still there, in one round trip
        assert calls == ["set_existing"]
        assert client.ttl(redis_key) > settings.SESSION_COOKIE_AGE - 10
        assert store(key)["acting_org_id"] == 8

        gone = store(key)
        assert gone["acting_org_id"] == 8
        cache.delete(created.cache_key)
        gone["acting_org_id"] = 9
        with pytest.raises(UpdateError):  # ended elsewhere (logout): not brought back
            gone.save()
        assert cache.get(created.cache_key) is None
    finally:
        for name in original:
            cache.__dict__.pop(name, None)
        cache.delete(created.cache_key)


@pytest.fixture
def fresh_axes_handler():
    """axes keeps its handler, and the cache it opened, from the first login of the run: drop
    it before and after, so each side opens the cache its settings name."""
    from axes.handlers.proxy import AxesProxyHandler

    AxesProxyHandler.implementation = None
    yield
    AxesProxyHandler.implementation = None


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_axes_handler")
@override_settings(CACHES=DB_CACHE)
def test_login_lockouts_live_in_the_shared_cache(client, settings, monkeypatch):
    from axes.handlers.proxy import AxesProxyHandler
    from django.core.cache import cache

    # The handler binds its cache when first made, once per process; make it anew here.
    monkeypatch.setattr(AxesProxyHandler, "implementation", None)
    cache.clear()
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": "wxy", "password": "wrong-password"})
    response = client.post(url, {"username": "wxy", "password": "Zhuanjie@2026"})
    assert response.status_code == 429
    # The failures are rows of the shared table, where every worker and node finds them.
    keys = list(CacheEntry.objects.values_list("cache_key", flat=True))
    assert any("axes" in key for key in keys), keys
    cache.clear()
