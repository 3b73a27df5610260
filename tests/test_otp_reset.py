"""重置第二因素: the security administrator resets a lost authenticator from the user list.

The devices and recovery codes go, the sessions the account had end at their next request, and
the next login enrols a new device; only an account with the devices' delete permissions
(安全管理员, a superuser) is offered the action, and each reset is on the admin's history and the
audit trail."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import otp
from accounts.admin_roles import SECURITY_ADMIN, SYSTEM_ADMIN
from audit.models import AuditEvent, EventType
from tests.test_otp import COMMITTEE, current_code, enrolled, login

pytestmark = pytest.mark.django_db

User = get_user_model()
CHANGELIST = "admin:auth_user_changelist"
ACTION = "reset_second_factor"


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED = True


def administrator(username: str, group: str) -> Client:
    account = User.objects.create_user(username, password="Guan-Li-2026x", is_staff=True)
    account.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(account)
    return client


def reset(client: Client, *usernames: str):
    ids = [User.objects.get(username=name).pk for name in usernames]
    return client.post(
        reverse(CHANGELIST), {"action": ACTION, "_selected_action": ids}, follow=True
    )


def test_the_security_administrator_resets_devices_and_recovery_codes(user):
    enrolled(COMMITTEE, user)
    otp.new_recovery_codes(user(COMMITTEE))
    enrolled("nn", user)
    security = administrator("anquan", SECURITY_ADMIN)
    page = security.get(reverse(CHANGELIST)).content.decode()
    assert "重置第二因素（丢失动态口令或恢复码时）" in page
    response = reset(security, COMMITTEE)
    assert "已重置gx共1个账号的第二因素：已登录的会话随即结束，下次登录时须重新绑定动态口令。" in (
        response.content.decode()
    )
    assert not TOTPDevice.objects.filter(user=user(COMMITTEE)).exists()
    assert not StaticDevice.objects.filter(user=user(COMMITTEE)).exists()
    assert not StaticToken.objects.filter(device__user=user(COMMITTEE)).exists()
    assert TOTPDevice.objects.filter(user=user("nn")).exists()  # only the one selected
    entry = LogEntry.objects.get(object_id=str(user(COMMITTEE).pk))
    assert entry.user.username == "anquan"
    row = AuditEvent.objects.filter(event_type=EventType.ADMIN_CHANGE).latest("id")
    assert row.username == "anquan"
    assert (row.object_type, row.object_id) == ("auth.user", str(user(COMMITTEE).pk))
    assert row.detail == "修改 gx：重置第二因素：动态口令与恢复码已删除，须重新绑定"


def test_the_system_administrator_is_not_offered_it(user):
    enrolled(COMMITTEE, user)
    system = administrator("xitong", SYSTEM_ADMIN)
    assert "重置第二因素" not in system.get(reverse(CHANGELIST)).content.decode()
    reset(system, COMMITTEE)
    assert TOTPDevice.objects.filter(user=user(COMMITTEE)).exists()


def test_a_session_from_before_the_reset_ends_and_the_next_login_enrols(required, user):
    device = enrolled(COMMITTEE, user)
    before = Client()
    login(before, COMMITTEE)
    before.post(reverse("otp_verify"), {"code": current_code(device)})
    assert before.get("/").status_code == 200
    otp.reset(user(COMMITTEE))
    # Whoever holds the old session cannot enrol a device of their own in it.
    response = before.get(reverse("otp_enrol"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "您的动态口令已由安全管理员重置，请重新登录并绑定新的动态口令。" in (
        response.content.decode()
    )
    assert before.get("/")["Location"].startswith(reverse("login"))
    # A login after the reset goes on to enrol a new device.
    after = Client()
    login(after, COMMITTEE)
    assert after.get("/")["Location"].startswith(reverse("otp_verify"))
    assert after.get(reverse("otp_verify"))["Location"] == reverse("otp_enrol")
    assert after.get(reverse("otp_enrol")).status_code == 200


def test_a_second_reset_ends_the_sessions_made_after_the_first(required, user):
    otp.reset(user(COMMITTEE))
    between = Client()
    login(between, COMMITTEE)
    assert between.get(reverse("otp_enrol")).status_code == 200
    otp.reset(user(COMMITTEE))
    assert between.get(reverse("otp_enrol"))["Location"].startswith(reverse("login"))
