"""When each account's password was last set (for PASSWORD_MAX_AGE_DAYS)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class PasswordAge(models.Model):
    """One row per account, written on every password change (own page, admin, createsuperuser,
    ``set_password`` anywhere). An account without a row counts from ``date_joined``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="password_age",
        verbose_name="用户",
    )
    changed_at = models.DateTimeField("密码修改时间", default=timezone.now)

    class Meta:
        verbose_name = "密码修改时间"
        verbose_name_plural = "密码修改时间"

    def __str__(self) -> str:
        return f"{self.user_id}: {self.changed_at:%Y-%m-%d %H:%M}"


def password_changed_at(user):
    row = PasswordAge.objects.filter(user=user).only("changed_at").first()
    return row.changed_at if row is not None else user.date_joined


def password_expired(user, *, now=None) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days:
        return False
    now = now or timezone.now()
    return now - password_changed_at(user) > dt.timedelta(days=days)
