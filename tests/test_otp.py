"""第二因素: TOTP after the password for committee and admin accounts when OTP_REQUIRED is on,
enrolment with a locally drawn QR code, single-use recovery codes, audit rows and lockout."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import otp
from audit.models import AuditEvent, EventType, Outcome
from transfers.management.commands.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

COMMITTEE = "gx"  # 广西 province committee
BRANCH = "yl_jd_zb1"  # a 支部


@pytest.fixture
def required(settings):
    settings.OTP_REQUIRED = True


def login(client, username, address="10.0.0.1"):
    return client.post(
        reverse("login"),
        {"username": username, "password": DEMO_PASSWORD},
        REMOTE_ADDR=address,
    )


def current_code(device: TOTPDevice, offset: int = 0) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{code:06d}"


def enrolled(username, user) -> TOTPDevice:
    u = user(username)
    device = TOTPDevice.objects.create(user=u, name="动态口令", confirmed=True)
    return device


def wrong_code(device: TOTPDevice) -> str:
    valid = {current_code(device, d) for d in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


BUSINESS_PAGES = ["/", "/members/", "/transfers/supervision/", "/admin/"]


def test_a_committee_user_reaches_no_business_page_before_verifying(required, user):
    enrolled(COMMITTEE, user)
    client = Client()
    assert login(client, COMMITTEE).status_code == 302
    for path in BUSINESS_PAGES:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("otp_verify")), path
    # A POST is stopped too.
    response = client.post("/org/switch/", {"org": 1})
    assert response["Location"].startswith(reverse("otp_verify"))


def test_the_right_code_opens_the_pages_and_is_audited(required, user):
    device = enrolled(COMMITTEE, user)
    client = Client()
    login(client, COMMITTEE)
    page = client.get(reverse("otp_verify"))
    assert "动态口令验证" in page.content.decode()
    response = client.post(reverse("otp_verify"), {"code": current_code(device)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    row = AuditEvent.objects.filter(event_type=EventType.OTP_VERIFY).latest("id")
    assert (row.username, row.outcome) == (COMMITTEE, Outcome.SUCCESS)


def test_verification_returns_to_the_page_first_asked_for(required, user):
    device = enrolled(COMMITTEE, user)
    client = Client()
    login(client, COMMITTEE)
    first = client.get("/members/")
    client.get(first["Location"])
    response = client.post(reverse("otp_verify"), {"code": current_code(device)})
    assert response["Location"] == "/members/"


def test_a_wrong_code_is_refused_in_chinese_and_audited(required, user):
    device = enrolled(COMMITTEE, user)
    client = Client()
    login(client, COMMITTEE)
    response = client.post(reverse("otp_verify"), {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "动态口令或恢复码不正确，请重新输入。" in response.content.decode()
    assert client.get("/")["Location"].startswith(reverse("otp_verify"))
    row = AuditEvent.objects.filter(event_type=EventType.OTP_VERIFY).latest("id")
    assert (row.username, row.outcome) == (COMMITTEE, Outcome.FAILURE)
    blank = client.post(reverse("otp_verify"), {"code": ""})
    assert "请输入6位动态口令或8位恢复码。" in blank.content.decode()


def test_wrong_codes_count_towards_the_lockout_like_wrong_passwords(required, user):
    device = enrolled(COMMITTEE, user)
    client = Client()
    # Two wrong passwords, then the right one, then three wrong codes: five failures.
    for _ in range(2):
        client.post(
            reverse("login"),
            {"username": COMMITTEE, "password": "wrong-Pass-1"},
            REMOTE_ADDR="10.0.0.1",
        )
    login(client, COMMITTEE)  # success resets axes' counters (AXES_RESET_ON_SUCCESS)
    statuses = [
        client.post(
            reverse("otp_verify"), {"code": wrong_code(device)}, REMOTE_ADDR="10.0.0.1"
        ).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    # Logged out, and the password alone no longer gets in from that address.
    assert client.get("/")["Location"].startswith(reverse("login"))
    assert login(client, COMMITTEE).status_code == 429
    lockouts = AuditEvent.objects.filter(event_type=EventType.LOCKOUT, username=COMMITTEE)
    assert lockouts.count() == 2  # the wrong codes' lockout, then the refused password
    assert (
        AuditEvent.objects.filter(
            event_type=EventType.OTP_VERIFY, username=COMMITTEE, outcome=Outcome.FAILURE
        ).count()
        == 5
    )


def test_a_branch_user_is_not_asked(required):
    client = Client()
    login(client, BRANCH)
    assert client.get("/").status_code == 200
    assert client.get("/members/").status_code == 200


def test_nobody_is_asked_when_the_setting_is_off(user):
    enrolled(COMMITTEE, user)
    client = Client()
    login(client, COMMITTEE)
    assert client.get("/").status_code == 200


def test_the_admin_login_requires_it_too(required, user):
    device = enrolled("sysadmin", user)
    client = Client()
    client.post(
        reverse("admin:login"),
        {"username": device.user.username, "password": DEMO_PASSWORD, "next": "/admin/"},
    )
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("otp_verify"))
    client.post(reverse("otp_verify"), {"code": current_code(device)})
    assert client.get("/admin/").status_code == 200


def test_enrolment_qr_secret_confirmation_and_recovery_codes_shown_once(required, user):
    client = Client()
    login(client, COMMITTEE)
    assert client.get("/")["Location"].startswith(reverse("otp_verify"))
    assert client.get(reverse("otp_verify"))["Location"] == reverse("otp_enrol")
    page = client.get(reverse("otp_enrol")).content.decode()
    # The QR code is drawn here, as an inline SVG: nothing is fetched from elsewhere.
    assert 'src="data:image/svg+xml' in page
    assert 'src="http' not in page
    assert "https://" not in page
    device = TOTPDevice.objects.get(user=user(COMMITTEE), confirmed=False)
    secret = re.search(r'id="otp-secret">([A-Z2-7 ]+)<', page).group(1)
    assert secret.replace(" ", "") in device.config_url
    # A wrong code does not confirm.
    refused = client.post(reverse("otp_enrol"), {"code": wrong_code(device)})
    assert "动态口令不正确，请核对手机时间" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    response = client.post(reverse("otp_enrol"), {"code": current_code(device)})
    assert response["Location"] == reverse("otp_recovery_codes")
    shown = client.get(reverse("otp_recovery_codes")).content.decode()
    codes = re.findall(r"<code>(\d{8})</code>", shown)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    # Shown once: the second visit goes on.
    assert client.get(reverse("otp_recovery_codes")).status_code == 302
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    row = AuditEvent.objects.get(event_type=EventType.OTP_ENROL)
    assert (row.username, row.outcome) == (COMMITTEE, Outcome.SUCCESS)


def test_a_recovery_code_works_once(required, user):
    enrolled(COMMITTEE, user)
    codes = otp.new_recovery_codes(user(COMMITTEE))
    first = Client()
    login(first, COMMITTEE)
    response = first.post(reverse("otp_verify"), {"code": codes[0]})
    assert response.status_code == 302
    assert first.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=user(COMMITTEE)).count() == 9
    row = AuditEvent.objects.get(event_type=EventType.OTP_RECOVERY)
    assert row.username == COMMITTEE
    assert "剩余恢复码9个" in row.detail
    second = Client()
    login(second, COMMITTEE)
    again = second.post(reverse("otp_verify"), {"code": codes[0]})
    assert again.status_code == 200
    assert "动态口令或恢复码不正确" in again.content.decode()
    assert second.post(reverse("otp_verify"), {"code": codes[1]}).status_code == 302
