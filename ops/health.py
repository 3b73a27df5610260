"""/healthz and /readyz for the proxy, the load balancer and systemd.

Answered by the first middleware, before host checks, HTTPS redirects, sessions and logins, so
that a probe is cheap, needs no account and never shows up as an error in the logs.

- ``/healthz``: the process answers (no database).
- ``/readyz``: the database answers, no migration is waiting, the shared cache round-trips.
  503 with a JSON body naming what failed.
"""

from __future__ import annotations

import logging
import uuid

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

_migrated = False  # once all migrations were seen applied, they stay so until the next deploy


def _database() -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT 1")


def _migrations() -> None:
    global _migrated
    if _migrated:
        return
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise RuntimeError(f"{len(plan)} unapplied")
    _migrated = True


def _cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    if value != "1":
        raise RuntimeError("value not read back")


CHECKS = {"database": _database, "migrations": _migrations, "cache": _cache}


def readiness() -> tuple[bool, dict[str, str]]:
    results = {}
    for name, check in CHECKS.items():
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "skipped"
            continue
        try:
            check()
        except Exception as exc:
            logger.warning("readyz: %s failed: %s", name, exc)
            results[name] = f"fail: {type(exc).__name__}"
        else:
            results[name] = "ok"
    return all(v == "ok" for v in results.values()), results


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            response = HttpResponse("ok\n", content_type="text/plain")
        elif request.path == "/readyz":
            ready, results = readiness()
            response = JsonResponse(
                {"status": "ok" if ready else "fail", **results}, status=200 if ready else 503
            )
        else:
            return self.get_response(request)
        response["Cache-Control"] = "no-store"
        response._has_been_logged = True  # a failing probe is a warning above, not an error
        return response
