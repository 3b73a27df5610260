"""Remember when a session logged in (for the absolute session limit)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

LOGIN_AT = "login_at"


@receiver(user_logged_in, dispatch_uid="accounts_login_at")
def _remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[LOGIN_AT] = int(timezone.now().timestamp())
