"""介绍信查验: the public page, its answers, what it never shows, and its rate limit."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.transfer_helpers import (
    actor_for,
    approve_all,
    draft_to,
    launch,
    org_of,
    receive,
)
from transfers import services
from transfers.models import Letter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def launched():
    return launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1")))


def letter_of(transfer) -> Letter:
    return transfer.letters.get(is_current=True)


def test_the_page_needs_no_login(client):
    response = client.get(reverse("verify"))
    assert response.status_code == 200
    assert "介绍信查验" in response.content.decode()


def test_a_valid_letter_says_valid_with_the_masked_name_and_no_id_number(client, launched):
    letter = letter_of(launched)
    html = client.get(reverse("verify_code", args=[letter.verification_code])).content.decode()
    assert "有效" in html
    assert letter.serial_number in html
    assert launched.member_name[0] + "*" * (len(launched.member_name) - 1) in html
    assert launched.member_name not in html
    assert launched.id_number not in html
    assert launched.id_number[-4:] not in html
    assert not re.search(r"\d{17}[\dX]", html)


def test_lower_case_codes_are_accepted(client, launched):
    letter = letter_of(launched)
    html = client.get(reverse("verify"), {"code": letter.verification_code.lower()}).content
    assert "有效" in html.decode()


def test_a_revoked_letter_says_revoked(client, launched):
    services.revoke(actor=actor_for(org_of("wxy")), transfer=launched)
    html = client.get(reverse("verify_code", args=[letter_of(launched).verification_code]))
    assert "已撤销" in html.content.decode()


def test_a_received_letter_says_used(client, launched):
    transfer = receive(approve_all(launched), org_of("ltx_zb1"))
    html = client.get(reverse("verify_code", args=[letter_of(transfer).verification_code]))
    assert "已使用" in html.content.decode()


def test_an_expired_letter_says_expired(client, launched):
    import datetime as dt

    letter = letter_of(launched)
    Letter.objects.filter(pk=letter.pk).update(expires_on=dt.date(2020, 1, 1))
    html = client.get(reverse("verify_code", args=[letter.verification_code])).content.decode()
    assert "已过期" in html


def _answer(html: str) -> str:
    """The result block without the echoed code."""
    match = re.search(r'<div class="verify-result.*?</div>', html, re.S)
    return match.group(0) if match else ""


def test_unknown_and_malformed_codes_get_the_same_answer(client):
    unknown = client.get(reverse("verify_code", args=["ABCDEFGHJKLM"])).content.decode()
    malformed = client.get(reverse("verify_code", args=["x' OR 1=1"])).content.decode()
    assert "未查询到该介绍信" in unknown
    assert _answer(unknown) == _answer(malformed)


def test_the_page_is_rate_limited_per_address(client, settings):
    settings.VERIFY_RATE_LIMIT = (3, 600)
    for _ in range(3):
        assert client.get(reverse("verify_code", args=["ABCDEFGHJKLM"])).status_code == 200
    response = client.get(reverse("verify_code", args=["ABCDEFGHJKLM"]))
    assert response.status_code == 429
    assert "查询过于频繁" in response.content.decode()
    other = client.get(reverse("verify_code", args=["ABCDEFGHJKLM"]), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_the_letter_page_carries_the_code_and_a_qr_code_for_the_public_page(client_as, launched):
    letter = letter_of(launched)
    html = client_as("wxy").get(reverse("transfers:letter", args=[launched.pk])).content.decode()
    assert letter.verification_code in html
    assert 'src="data:image/svg+xml' in html
    assert reverse("verify_code", args=[letter.verification_code]) in html


def test_the_qr_code_points_at_the_configured_public_address(client_as, launched, settings):
    settings.PUBLIC_BASE_URL = "https://dangyuan.example.gov.cn"
    letter = letter_of(launched)
    html = client_as("wxy").get(reverse("transfers:letter", args=[launched.pk])).content.decode()
    assert f"https://dangyuan.example.gov.cn/verify/{letter.verification_code}/" in html
