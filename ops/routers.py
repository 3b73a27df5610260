"""Heavy reads to a streaming replica, everything else to the primary.

When ``DATABASE_REPLICA_URL`` is set there is a ``replica`` database alias and
``REPLICA_DATABASE`` names it. ``ReplicaMiddleware``
marks a GET of one of ``REPLICA_URL_NAMES`` (the histories, 工作督查 and their exports; the
exports are POSTs that only read, ``REPLICA_READ_ONLY_POSTS``) so that ``ReplicaRouter`` sends that
request's reads to the replica. A user whose POST succeeded reads
from the primary for ``REPLICA_STICKY_SECONDS`` (kept in the session), so what they just did is
on the page even if the replica lags. Without a replica nothing changes: every query goes to
``default``.
"""

from __future__ import annotations

import contextvars
import time

from django.conf import settings

STICKY_SESSION_KEY = "ops_primary_until"

_read_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("read_replica", default=False)


def replica() -> str | None:
    """The replica's database alias, or None when there is none."""
    return settings.REPLICA_DATABASE


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _read_replica.get() and replica():
            return replica()
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != "replica"  # streaming replication copies the schema


def _read_only_post(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return (
        request.method == "POST"
        and match is not None
        and match.view_name in settings.REPLICA_READ_ONLY_POSTS
    )


def reads_replica(request) -> bool:
    """Whether this request's reads may go to the replica."""
    if not replica():
        return False
    if request.method not in ("GET", "HEAD") and not _read_only_post(request):
        return False
    match = getattr(request, "resolver_match", None)
    if match is None or match.view_name not in settings.REPLICA_URL_NAMES:
        return False
    session = getattr(request, "session", None)
    until = session.get(STICKY_SESSION_KEY, 0) if session is not None else 0
    return time.time() >= until


def _on_replica(chunks):
    """Iterate ``chunks`` with this thread's reads sent to the replica."""
    token = _read_replica.set(True)
    try:
        yield from chunks
    finally:
        _read_replica.reset(token)


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request._replica_token = None
        try:
            response = self.get_response(request)
        finally:
            on_replica = request._replica_token is not None
            if on_replica:
                _read_replica.reset(request._replica_token)
        if on_replica and response.streaming:
            # A streamed export reads its rows while it is sent, after this method returned.
            response.streaming_content = _on_replica(response.streaming_content)
        if (
            request.method == "POST"
            and not _read_only_post(request)
            and response.status_code < 400
            and replica()
            and hasattr(request, "session")
        ):
            request.session[STICKY_SESSION_KEY] = time.time() + settings.REPLICA_STICKY_SECONDS
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if reads_replica(request):
            request._replica_token = _read_replica.set(True)
        return None
