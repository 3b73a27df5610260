"""身份鉴别 and 三员分立: lockout, delay, messages, passwords, sessions, administrator groups."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from accounts import throttle
from accounts.admin_roles import (
    AUDIT_ADMIN,
    GROUPS,
    SECURITY_ADMIN,
    SYSTEM_ADMIN,
    accounts_holding_several,
    no_default_admin_name,
    separation_of_duties,
)
from transfers.management.commands.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def login(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


# -- lockout and delay -----------------------------------------------------------------------


def test_a_stranger_elsewhere_cannot_lock_a_known_account_out():
    stranger, owner = Client(), Client()
    for _ in range(5):
        login(stranger, "wxy", "wrong-Pass-1", address="203.0.113.9")
    # The stranger is locked out at that address …
    assert login(stranger, "wxy", DEMO_PASSWORD, address="203.0.113.9").status_code == 429
    # … the owner, from the office, gets in.
    assert login(owner, "wxy", DEMO_PASSWORD, address="10.0.0.7").status_code == 302


def test_failures_from_many_addresses_make_the_username_wait_longer_and_longer():
    client = Client()
    for i in range(throttle.FREE_FAILURES):
        login(client, "nn", "wrong-Pass-1", address=f"198.51.100.{i}")
    assert throttle.wait_seconds("nn") >= 1
    response = login(client, "nn", DEMO_PASSWORD, address="198.51.100.99")
    assert response.status_code == 200
    assert "登录尝试过于频繁" in response.content.decode()
    now = 1_000_000.0
    throttle.succeeded("spray")
    waits = []
    for _ in range(16):
        throttle.failed("spray", now=now)
        waits.append(throttle.wait_seconds("spray", now=now))
    assert waits[:9] == [0] * 9
    assert waits[9:13] == [1, 2, 4, 8]
    assert max(waits) <= throttle.MAX_DELAY


def test_spraying_many_usernames_from_one_address_is_refused_there_only():
    sprayer, office = Client(), Client()
    for i in range(throttle.ADDRESS_FAILURES):
        login(sprayer, f"guess{i}", "wrong-Pass-1", address="192.0.2.50")
    response = login(sprayer, "wxy", DEMO_PASSWORD, address="192.0.2.50")
    assert response.status_code == 200  # refused with a sentence, the right password or not
    assert "本机登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in sprayer.session
    assert login(office, "wxy", DEMO_PASSWORD, address="10.0.0.7").status_code == 302


def test_an_unknown_and_a_known_username_get_the_same_answer():
    def answer(username: str) -> str:
        html = login(Client(), username, "wrong-Pass-1").content.decode()
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)
        return html.replace(f'value="{username}"', 'value=""')

    known, unknown = answer("wxy"), answer("nobody-at-all")
    assert known == unknown
    assert "请输入正确的用户名和密码" in known


def test_a_disabled_account_gets_the_same_message_as_a_wrong_password():
    User.objects.filter(username="ltx").update(is_active=False)
    response = login(Client(), "ltx", DEMO_PASSWORD)
    assert response.status_code == 200
    assert "请输入正确的用户名和密码" in response.content.decode()


# -- password policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["Ab1!xyz", "abcdefgh", "abcdefgh12", "ABCDEFGH12", "Password1", "zhuanjie2026", "ABCD1234"],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password, User(username="someone"))


@pytest.mark.parametrize(
    "password", ["Hn-Yl7qz", "dang-Yuan-2026-zhuan", "Aa1!" + "x" * 60, "长江黄河Aa1x"]
)
def test_strong_passwords_up_to_64_characters_and_beyond_are_accepted(password):
    validate_password(password, User(username="someone"))


# -- sessions ----------------------------------------------------------------------------------


def test_every_user_changes_their_own_password_and_other_sessions_end():
    user = User.objects.get(username="wxy_zb1")
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)
    page = here.get(reverse("password_change"))
    assert "修改密码" in page.content.decode()
    response = here.post(
        reverse("password_change"),
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Xin-Mima-2026",
            "new_password2": "Xin-Mima-2026",
        },
    )
    assert response.status_code == 302
    assert here.get(reverse("home")).status_code == 200  # this session continues
    assert elsewhere.get(reverse("home")).status_code == 302  # the other one ended
    assert login(Client(), "wxy_zb1", "Xin-Mima-2026").status_code == 302


def test_a_weak_new_password_is_explained_in_chinese():
    client = Client()
    client.force_login(User.objects.get(username="wxy_zb1"))
    response = client.post(
        reverse("password_change"),
        {"old_password": DEMO_PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh"},
    )
    assert response.status_code == 200
    assert "至少三类" in response.content.decode()


def test_disabling_a_user_ends_their_sessions():
    client = Client()
    client.force_login(User.objects.get(username="wxy"))
    assert client.get(reverse("home")).status_code == 200
    User.objects.filter(username="wxy").update(is_active=False)
    assert client.get(reverse("home")).status_code == 302


def test_a_session_ends_eight_hours_after_login_even_when_active():
    client = Client()
    with freeze_time("2026-11-02 08:00:00+00:00"):
        client.force_login(User.objects.get(username="wxy"))
    start = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)
    for minutes in range(20, 8 * 60, 20):  # active every 20 minutes: never idle
        with freeze_time(start + dt.timedelta(minutes=minutes)):
            assert client.get(reverse("home")).status_code == 200, minutes
    with freeze_time("2026-11-02 16:01:00+00:00"):
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        assert client.get(reverse("home")).status_code == 302


# -- 三员分立 ----------------------------------------------------------------------------------


def test_the_three_administrator_groups_have_exactly_their_permissions():
    expected = {name: set(perms) for name, perms in GROUPS.items()}
    for name in (SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN):
        group = Group.objects.get(name=name)
        held = {
            f"{p.content_type.app_label}.{p.codename}"
            for p in group.permissions.select_related("content_type")
        }
        assert held == expected[name], name
    audit = GROUPS[AUDIT_ADMIN]
    assert all(p.startswith("audit.") for p in audit)
    assert not any(p.startswith("audit.") for p in GROUPS[SYSTEM_ADMIN] + GROUPS[SECURITY_ADMIN])


def test_the_audit_administrator_reads_the_audit_trail_and_nothing_else():
    auditor = User.objects.create_user("shenji", password="Shen-Ji-2026", is_staff=True)
    auditor.groups.add(Group.objects.get(name=AUDIT_ADMIN))
    client = Client()
    client.force_login(auditor)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:orgs_organisation_changelist")).status_code == 403
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_one_account_cannot_hold_two_administrator_groups(client_as, settings):
    admin_client = client_as("sysadmin")
    user = User.objects.create_user("erzhi", password="Er-Zhi-2026", is_staff=True)
    groups = [Group.objects.get(name=SYSTEM_ADMIN).pk, Group.objects.get(name=AUDIT_ADMIN).pk]
    page = admin_client.get(reverse("admin:auth_user_change", args=[user.pk]))
    data = {k: v for k, v in page.context["adminform"].form.initial.items() if v is not None}
    data.update(
        {
            "username": "erzhi",
            "groups": groups,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "is_active": "on",
            "is_staff": "on",
            "organisationuserobjectpermission_set-TOTAL_FORMS": "0",
            "organisationuserobjectpermission_set-INITIAL_FORMS": "0",
        }
    )
    data.pop("password", None)
    data.pop("last_login", None)
    response = admin_client.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 200
    assert "三员分立" in response.content.decode()
    assert user.groups.count() == 0
    # Put there behind the admin's back, the database check reports it.
    user.groups.set(groups)
    assert list(accounts_holding_several()) == [user]
    assert [e.id for e in separation_of_duties(None, databases=["default"])] == ["accounts.E001"]
    settings.ALLOW_COMBINED_ADMIN_ROLES = True
    assert separation_of_duties(None, databases=["default"]) == []


def test_an_administrator_called_admin_fails_the_database_check():
    assert no_default_admin_name(None, databases=["default"]) == []  # the demo's is sysadmin
    User.objects.create_user("admin", password=DEMO_PASSWORD, is_staff=True)
    assert [e.id for e in no_default_admin_name(None, databases=["default"])] == ["accounts.E002"]
    User.objects.filter(username="admin").update(is_active=False)
    assert no_default_admin_name(None, databases=["default"]) == []


def test_the_session_limit_is_eight_hours():
    from django.conf import settings

    assert dt.timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS) == dt.timedelta(hours=8)
    assert dt.timedelta(minutes=30) == settings.AXES_COOLOFF_TIME
