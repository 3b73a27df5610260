"""The client's address, trusting forwarded headers only as far as the proxies are trusted."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def client_ip(request: HttpRequest) -> str:
    """The address that the outermost trusted proxy saw, or REMOTE_ADDR without proxies.

    Each proxy appends the address it received the request from to X-Forwarded-For, so with
    ``TRUSTED_PROXIES = n`` the n-th entry from the right was written by the outermost trusted
    proxy; whatever stands left of it came from the client and may be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    trusted = settings.TRUSTED_PROXIES
    if trusted <= 0:
        return remote
    chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [part for part in chain if part]
    if not chain:
        return remote
    candidate = chain[-trusted] if len(chain) >= trusted else chain[0]
    return candidate if _valid(candidate) else remote
