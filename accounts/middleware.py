"""A session ends 8 hours after login whatever the activity (idle timeout: SESSION_COOKIE_AGE);
the second factor is asked before any page when required."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils import timezone

from accounts import otp
from accounts.models import password_expired
from accounts.signals import LOGIN_AT


class AbsoluteSessionLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            started = request.session.get(LOGIN_AT)
            now = int(timezone.now().timestamp())
            if started is None:
                request.session[LOGIN_AT] = now  # a session from before this rule
            elif now - int(started) > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                messages.info(request, "登录已超过8小时，请重新登录。")
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SecondFactorMiddleware:
    """With OTP_REQUIRED on, a committee, staff or superuser account reaches no page (the admin
    included) before verifying a second factor; without a device it is led to enrol. A session
    whose user's second factor was reset after it logged in ends (``otp.reset``)."""

    OPEN = ("otp_verify", "otp_enrol", "otp_recovery_codes", "logout", "login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and otp.required(request)
        ):
            if otp.reset_since_login(request):
                # Reset by the security administrator: a new device only after a new login.
                logout(request)
                messages.warning(
                    request, "您的动态口令已由安全管理员重置，请重新登录并绑定新的动态口令。"
                )
                return redirect_to_login(request.get_full_path())
            if not self._open(request.path_info):
                return redirect_to_login(request.get_full_path(), reverse("otp_verify"))
        return self.get_response(request)

    def _open(self, path: str) -> bool:
        if settings.STATIC_URL and path.startswith(settings.STATIC_URL):
            return True
        return path in {reverse(name) for name in self.OPEN}


PASSWORD_FRESH = "password_fresh"  # noqa: S105 - a session key, not a password


class PasswordMaxAgeMiddleware:
    """With PASSWORD_MAX_AGE_DAYS > 0, a user whose password is older is sent to 修改密码 and
    reaches no other page until it is changed. The answer "not expired" is kept for the session."""

    OPEN = ("password_change", "password_change_done", "logout", "login")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.PASSWORD_MAX_AGE_DAYS
            and user is not None
            and user.is_authenticated
            and not request.session.get(PASSWORD_FRESH)
        ):
            if not password_expired(user):
                request.session[PASSWORD_FRESH] = True
            elif request.path_info not in {reverse(name) for name in self.OPEN} and not (
                request.path_info.startswith(settings.STATIC_URL)
            ):
                messages.warning(
                    request,
                    f"您的密码已超过{settings.PASSWORD_MAX_AGE_DAYS}天未修改，请先修改密码。",
                )
                return redirect_to_login(request.get_full_path(), reverse("password_change"))
        return self.get_response(request)
