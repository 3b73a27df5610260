"""第二因素 (TOTP through django-otp, with single-use recovery codes): who must have one, and the
helpers the verification and enrolment pages share.

With ``OTP_REQUIRED`` on, every committee account (a user holding a role on a 党委) and every
staff or superuser account must verify a 6-digit code after the password before any other page;
one without a confirmed device is led to enrol. Off (the default for the demo and the tests), no
one is asked.
"""

from __future__ import annotations

import secrets

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import throttle
from orgs.roles import organisations_of

# The session remembers the answer for the rest of the session (roles rarely change mid-session;
# the question is asked again at the next login).
SESSION_REQUIRED = "otp_required"
RECOVERY_CODES = 10
DEVICE_NAME = "动态口令"
RECOVERY_NAME = "恢复码"


def _required_for(user) -> bool:
    if user.is_staff or user.is_superuser:
        return True
    return any(org.is_committee for org in organisations_of(user))


def required(request) -> bool:
    """Must this request's user verify a second factor? Cached in the session."""
    if not settings.OTP_REQUIRED:
        return False
    cached = request.session.get(SESSION_REQUIRED)
    if cached is None:
        cached = _required_for(request.user)
        request.session[SESSION_REQUIRED] = cached
    return bool(cached)


def confirmed_totp(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp(user) -> TOTPDevice:
    """The unconfirmed device being enrolled (one per user; made on first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for typing into an authenticator by hand."""
    b32 = device.config_url.split("secret=")[1].split("&")[0]
    return " ".join(b32[i : i + 4] for i in range(0, len(b32), 4))


def qr_svg_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code, drawn here (no external service)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes by ten fresh ones; the caller shows them once."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def verify(user, token: str):
    """The device the token matched (a recovery code is used up by matching), or None."""
    token = "".join(token.split())
    if not token.isdigit() or len(token) not in (6, 8):
        return None
    return match_token(user, token)


def count_failure(request, username: str) -> bool:
    """A wrong code counts like a wrong password (axes lockout and the per-username delay).
    True when the account is now locked."""
    credentials = {"username": username}
    AxesProxyHandler.user_login_failed(sender=verify, credentials=credentials, request=request)
    throttle.failed(username)
    return AxesProxyHandler.is_locked(request, credentials)


# -- 重置第二因素: the authenticator (and the recovery codes) lost ---------------------------------

RESET_SEEN = "otp_reset_seen"  # the session's copy of its user's reset mark at login


def _reset_key(user_pk: int) -> str:
    return f"otp-reset:{user_pk}"


def reset(user) -> None:
    """Remove the user's authenticator and recovery codes: the next login enrols a new one.
    Every session logged in before ends at its next request (``reset_since_login``), so that
    whoever holds one cannot enrol a device of their own in it: a fresh mark is kept in the
    shared cache for as long as any session may live (SESSION_ABSOLUTE_SECONDS), and a login
    copies the mark of its moment into its session (``remember_reset``)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()  # and its tokens, by cascade
    cache.set(_reset_key(user.pk), secrets.token_hex(8), timeout=settings.SESSION_ABSOLUTE_SECONDS)


def remember_reset(request, user) -> None:
    """At login: the session starts after whatever reset came before it."""
    request.session[RESET_SEEN] = cache.get(_reset_key(user.pk))


def reset_since_login(request) -> bool:
    """Was this session's user's second factor reset after the session logged in?"""
    mark = cache.get(_reset_key(request.user.pk))
    return mark is not None and mark != request.session.get(RESET_SEEN)
