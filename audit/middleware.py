"""Request-wide audit plumbing: remember the request for services, record refused access."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from audit import trail
from audit.models import EventType, Outcome


class AuditContextMiddleware:
    """Makes the request available to ``audit.trail.record`` and records refusals: every 403,
    and every 404 a view raises for a logged-in user (an object outside the organisation's
    subtree does not exist for it, so probing for foreign records shows up here)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = trail.set_current_request(request)
        try:
            response = self.get_response(request)
            if response.status_code == 403 and not getattr(request, "_audit_refused", False):
                self._refused(request, "403")
            return response
        finally:
            trail.reset_current_request(token)

    def process_exception(self, request, exception):
        if isinstance(exception, Http404) and request.user.is_authenticated:
            self._refused(request, "404")
        elif isinstance(exception, PermissionDenied):
            self._refused(request, "403")
        return None

    @staticmethod
    def _refused(request, status: str) -> None:
        request._audit_refused = True
        match = getattr(request, "resolver_match", None)
        trail.record(
            EventType.ACCESS_REFUSED,
            outcome=Outcome.REFUSED,
            request=request,
            object_type=match.view_name if match else "",
            object_id=next(iter(match.kwargs.values()), "") if match and match.kwargs else "",
            detail=f"{status} {request.method} {request.path}",
        )
