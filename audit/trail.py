"""Writing the audit trail: one function, ``record``, used by signals, middleware and views.

The request being served is remembered for the duration of the request (a context variable set
by ``AuditContextMiddleware``), so a service deep below a view can record its action with the
client's address without being handed the request.

With ``AUDIT_SYSLOG`` set, each row is also sent to syslog (logger ``audit.forward``, configured
by ``ops.logconfig``) once the transaction that wrote it has committed: a row rolled back with
its action is never forwarded, and a collector cannot be told of an action that did not happen.
"""

from __future__ import annotations

import contextvars
import logging
import re
from functools import partial
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction

from audit.models import AuditEvent, EventType, Outcome
from members.text import clean_text
from ops import writes
from ops.net import client_ip

logger = logging.getLogger(__name__)
forwarded = logging.getLogger("audit.forward")

_current_request: contextvars.ContextVar[Any] = contextvars.ContextVar(
    "audit_request", default=None
)

# Anything that looks like a 身份证号 (15 or 18 characters) is masked before it is stored.
_ID_NUMBER = re.compile(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?![\dXx])")


def client_address(request) -> str:
    """The client's address as the deployment's proxy rule sees it (ops.net.client_ip)."""
    if request is None:
        return ""
    return client_ip(request)[:45]


def current_request():
    return _current_request.get()


def set_current_request(request) -> contextvars.Token:
    return _current_request.set(request)


def reset_current_request(token: contextvars.Token) -> None:
    _current_request.reset(token)


def _masked(text: str) -> str:
    return _ID_NUMBER.sub(
        lambda m: m.group(0)[:4] + "*" * (len(m.group(0)) - 8) + m.group(0)[-4:], text
    )


def row(
    event_type: EventType,
    *,
    outcome: Outcome = Outcome.SUCCESS,
    request=None,
    user=None,
    username: str = "",
    org=None,
    object_type: str = "",
    object_id: Any = "",
    detail: str = "",
) -> AuditEvent:
    """One audit row, not yet written. ``request`` defaults to the request being served;
    ``user`` and ``org`` default to its user and acting organisation."""
    request = request if request is not None else current_request()
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if org is None and request is not None:
        org = getattr(request, "org", None)
    if user is not None and not username:
        username = user.get_username()
    if user is not None and getattr(user, "is_superuser", False):
        # A superuser passes every permission check; each use of it stands out on the trail.
        detail = f"【超级用户】{detail}"
    return AuditEvent(
        event_type=event_type,
        outcome=outcome,
        user=user if user is not None and user.pk else None,
        username=clean_text(username)[:150],
        org=org,
        org_name=(org.name if org is not None else "")[:200],
        client_address=client_address(request),
        object_type=object_type[:40],
        object_id=clean_text(str(object_id))[:64],
        detail=_masked(clean_text(detail))[:300],
    )


def record(event_type: EventType, **fields: Any) -> AuditEvent | None:
    """Append one audit row (the fields of ``row``)."""
    written = record_all([row(event_type, **fields)])
    return written[0] if written else None


def record_all(rows: list[AuditEvent]) -> list[AuditEvent]:
    """Append ``rows`` (from ``row``) in one INSERT, in their order."""
    if not rows:
        return []
    kinds = ", ".join(sorted({r.event_type for r in rows}))
    if transaction.get_connection().needs_rollback:
        # Inside a transaction that is already failing: the rows would be lost with it.
        logger.warning("audit event %s not recorded: transaction is being rolled back", kinds)
        return []
    try:
        writes.insert(rows)
    except DatabaseError:
        # The trail must not turn a refusal into a server error; the failure itself is logged.
        logger.exception("audit event %s could not be recorded", kinds)
        return []
    if settings.AUDIT_SYSLOG:
        # robust: a collector out of reach must not turn the committed action into an error
        transaction.on_commit(partial(_forward, rows), robust=True)
    return rows


def _forward(rows: list[AuditEvent]) -> None:
    """Each written row as one record of ``audit.forward``: its fields, as stored."""
    for r in rows:
        forwarded.info(
            "audit",
            extra={
                "fields": {
                    "audit_id": r.pk,
                    "at": r.at.isoformat(),
                    "event_type": r.event_type,
                    "outcome": r.outcome,
                    "user_id": r.user_id,
                    "username": r.username,
                    "org_id": r.org_id,
                    "org_name": r.org_name,
                    "client_address": r.client_address,
                    "object_type": r.object_type,
                    "object_id": r.object_id,
                    "detail": r.detail,
                }
            },
        )
