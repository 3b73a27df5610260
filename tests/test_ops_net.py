"""The client address behind proxies: forwarded headers count only as far as proxies are
trusted, so a visitor cannot pick their own rate-limit bucket or lockout address."""

import pytest
from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.urls import reverse

from ops.net import client_ip

rf = RequestFactory()


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return rf.get("/", **extra)


@override_settings(TRUSTED_PROXIES=0)
def test_without_trusted_proxies_forwarded_headers_are_ignored():
    assert client_ip(request_from("10.0.0.7", "1.2.3.4")) == "10.0.0.7"


@override_settings(TRUSTED_PROXIES=1)
def test_one_proxy_the_entry_it_appended_counts_not_what_the_client_wrote():
    # The client sent "X-Forwarded-For: 6.6.6.6"; nginx appended the address it saw.
    assert client_ip(request_from("127.0.0.1", "6.6.6.6, 203.0.113.9")) == "203.0.113.9"
    assert client_ip(request_from("127.0.0.1", "203.0.113.9")) == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=2)
def test_two_proxies_take_the_second_entry_from_the_right():
    chain = "6.6.6.6, 203.0.113.9, 10.1.1.1"  # forged, client, load balancer → nginx
    assert client_ip(request_from("127.0.0.1", chain)) == "203.0.113.9"


@override_settings(TRUSTED_PROXIES=1)
def test_a_missing_or_garbled_header_falls_back_to_the_connection():
    assert client_ip(request_from("127.0.0.1")) == "127.0.0.1"
    assert client_ip(request_from("127.0.0.1", "not-an-address")) == "127.0.0.1"
    assert client_ip(request_from("127.0.0.1", "2001:db8::1")) == "2001:db8::1"


@override_settings(TRUSTED_PROXIES=1)
def test_axes_locks_out_by_the_same_address():
    assert get_client_ip_address(request_from("127.0.0.1", "6.6.6.6, 203.0.113.9")) == (
        "203.0.113.9"
    )


@pytest.fixture
def limited(settings):
    settings.VERIFY_RATE_LIMIT = (3, 600)
    cache.clear()
    yield
    cache.clear()


def verify(client, remote: str, forwarded: str):
    return client.get(
        reverse("verify"),
        {"code": "AAAAAAAAAAAA"},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=1)
def test_a_visitor_cannot_escape_the_limit_by_forging_forwarded_for(client, limited):
    statuses = [
        verify(client, "127.0.0.1", f"9.9.9.{i}, 203.0.113.9").status_code for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.django_db
@override_settings(TRUSTED_PROXIES=1)
def test_visitors_behind_the_proxy_each_have_their_own_limit(client, limited):
    for _ in range(3):
        verify(client, "127.0.0.1", "203.0.113.9")
    assert verify(client, "127.0.0.1", "203.0.113.9").status_code == 429
    assert verify(client, "127.0.0.1", "198.51.100.4").status_code == 200
