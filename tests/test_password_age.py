"""身份鉴别: a configurable maximum password age with a forced change after login."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordAge, password_changed_at
from transfers.management.commands.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()
NEW_PASSWORD = "Xin-Mima-2026"


def age(username, days):
    user = User.objects.get(username=username)
    PasswordAge.objects.update_or_create(
        user=user, defaults={"changed_at": timezone.now() - dt.timedelta(days=days)}
    )


def logged_in(username):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    return client


def test_an_old_password_must_be_changed_before_any_other_page(settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    age("wxy", 91)
    client = logged_in("wxy")
    for path in ["/", "/members/", "/transfers/supervision/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("password_change")), path
    page = client.get(reverse("password_change"))
    assert page.status_code == 200
    assert "您的密码已超过90天未修改，请先修改密码。" in page.content.decode()
    done = client.post(
        reverse("password_change"),
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert done["Location"] == reverse("password_change_done")
    assert client.get("/").status_code == 200
    assert timezone.now() - password_changed_at(User.objects.get(username="wxy")) < dt.timedelta(
        minutes=1
    )


def test_a_younger_password_is_not_asked_and_the_setting_off_asks_nobody(settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    age("wxy", 89)
    assert logged_in("wxy").get("/").status_code == 200
    settings.PASSWORD_MAX_AGE_DAYS = 0
    age("wxy", 5000)
    assert logged_in("wxy").get("/").status_code == 200


def test_an_account_without_a_row_counts_from_when_it_joined(settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = User.objects.get(username="wxy")
    PasswordAge.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(days=100))
    response = logged_in("wxy").get("/")
    assert response["Location"].startswith(reverse("password_change"))


def test_every_way_of_setting_a_password_records_the_time(admin_client, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", NEW_PASSWORD)
    call_command("createsuperuser", "--noinput", username="root2", email="r@example.cn")
    assert PasswordAge.objects.filter(user__username="root2").exists()
    # The admin's 修改密码 form.
    target = User.objects.get(username="gx")
    age("gx", 400)
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[target.pk]),
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert response.status_code == 302
    assert timezone.now() - password_changed_at(target) < dt.timedelta(minutes=1)
    # Saving a user without touching the password leaves the time alone.
    age("gx", 400)
    target.refresh_from_db()
    target.first_name = "广西"
    target.save()
    assert timezone.now() - password_changed_at(target) > dt.timedelta(days=399)
