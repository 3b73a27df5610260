"""Remember when a session logged in (for the absolute session limit; and which second-factor
reset it came after) and when a password was last changed (for the maximum password age)."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

LOGIN_AT = "login_at"


@receiver(user_logged_in, dispatch_uid="accounts_login_at")
def _remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        from accounts import otp

        request.session[LOGIN_AT] = int(timezone.now().timestamp())
        otp.remember_reset(request, user)  # a second factor reset before now is behind it


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts_password_age")
def _remember_password_change(sender, instance, created=False, raw=False, **kwargs):
    """``set_password`` leaves the plain password on ``_password`` until ``save`` has run: every
    path that changes a password through it (own page, the admin's forms) passes here; a new
    account (createsuperuser, ``create_user``) gets its password with its creation."""
    if raw or (not created and getattr(instance, "_password", None) is None):
        return
    from accounts.models import PasswordAge

    PasswordAge.objects.update_or_create(user=instance, defaults={"changed_at": timezone.now()})
