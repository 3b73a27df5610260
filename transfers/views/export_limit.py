"""Exports are POSTs (a CSRF token, no prefetch or link-follow can start one) and counted per user
in the shared cache, so a script cannot pull the subtree's personal data in bulk."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_POST

from ops.ratelimit import over_limit


def export_view(view):
    """POST only (405 otherwise); above EXPORT_RATE_LIMIT per EXPORT_RATE_WINDOW seconds the
    user gets a Chinese 429 page instead of the file."""

    @require_POST
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if over_limit(
            f"export:{request.user.pk}",
            limit=settings.EXPORT_RATE_LIMIT,
            window=settings.EXPORT_RATE_WINDOW,
        ):
            minutes = max(1, settings.EXPORT_RATE_WINDOW // 60)
            return render(
                request,
                "transfers/export_limited.html",
                {"limit": settings.EXPORT_RATE_LIMIT, "minutes": minutes},
                status=429,
            )
        return view(request, *args, **kwargs)

    return wrapper
