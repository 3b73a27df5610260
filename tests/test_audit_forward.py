"""AUDIT_SYSLOG: each audit row, once committed, is also sent to a syslog collector.

A UDP socket on loopback stands in for the collector; the application's logging is configured
as settings.base configures it for that address, and restored after each test."""

from __future__ import annotations

import json
import logging.config
import socket

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import reverse

from audit import trail
from audit.models import AuditEvent, EventType, Outcome
from ops.logconfig import logging_config
from settings.env import env_syslog
from transfers.management.commands.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def collector(settings):
    """A syslog collector on a loopback UDP port: yields a function returning what arrived
    (the JSON of each message, in order)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)
    address = sock.getsockname()
    settings.AUDIT_SYSLOG = address
    logging.config.dictConfig(logging_config(level="INFO", fmt="json", audit_syslog=address))

    def received(expected: int) -> list[tuple[str, dict]]:
        messages = []
        for _ in range(expected):
            data = sock.recv(65536).decode()
            head, _, body = data.partition("zuzhi-audit: ")
            messages.append((head, json.loads(body.rstrip("\x00"))))
        sock.settimeout(0.2)
        with pytest.raises(TimeoutError):  # and nothing more
            sock.recv(65536)
        return messages

    yield received
    logging.config.dictConfig(settings.LOGGING)
    for handler in logging.getLogger("audit.forward").handlers:
        handler.close()
    sock.close()


def test_a_login_is_sent_after_its_commit_with_the_row_as_stored(
    client, collector, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("login"), {"username": "wxy", "password": DEMO_PASSWORD})
    row = AuditEvent.objects.get(event_type=EventType.LOGIN)
    [(head, sent)] = collector(1)
    assert head == "<86>"  # facility authpriv (10) × 8 + severity info (6)
    assert sent["logger"] == "audit.forward"
    assert sent["audit_id"] == row.pk
    assert sent["at"] == row.at.isoformat()
    assert (sent["event_type"], sent["outcome"], sent["username"]) == ("login", "success", "wxy")
    assert (sent["org_id"], sent["org_name"]) == (row.org_id, row.org_name)
    assert sent["client_address"] == "127.0.0.1"
    assert sent["request_id"]


def test_rows_written_together_arrive_in_order_and_an_id_number_stays_masked(
    collector, django_capture_on_commit_callbacks
):
    rows = [
        trail.row(EventType.EXPORT, username="wxy", detail="导出 450103199001011234 的记录"),
        trail.row(EventType.ACCESS_REFUSED, username="wxy", outcome=Outcome.REFUSED),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        trail.record_all(rows)
    sent = [body for _, body in collector(2)]
    assert [s["audit_id"] for s in sent] == [r.pk for r in rows]
    assert [s["event_type"] for s in sent] == ["export", "refused"]
    assert "450103199001011234" not in sent[0]["detail"]
    assert sent[0]["detail"] == rows[0].detail


def _refused_after_recording():
    with transaction.atomic():
        trail.record(EventType.EXPORT, username="wxy", detail="回滚")
        raise RuntimeError


def test_a_row_rolled_back_with_its_action_is_never_sent(
    collector, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            _refused_after_recording()
        trail.record(EventType.EXPORT, username="wxy", detail="提交")
    assert len(callbacks) == 1
    [(_, sent)] = collector(1)
    assert sent["detail"] == "提交"


def test_without_a_destination_nothing_waits_for_the_commit(
    settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_SYSLOG = None
    with django_capture_on_commit_callbacks() as callbacks:
        trail.record(EventType.EXPORT, username="wxy")
    assert callbacks == []
    assert "audit.forward" not in settings.LOGGING["loggers"]


@pytest.mark.parametrize(
    ("raw", "address"),
    [
        ("", None),
        ("udp://syslog.example.gov.cn", ("syslog.example.gov.cn", 514)),
        ("udp://10.0.0.5:5514", ("10.0.0.5", 5514)),
        ("/dev/log", "/dev/log"),
    ],
)
def test_the_destination_is_read_from_the_environment(monkeypatch, raw, address):
    monkeypatch.setenv("AUDIT_SYSLOG", raw)
    assert env_syslog("AUDIT_SYSLOG") == address


@pytest.mark.parametrize("raw", ["tcp://10.0.0.5:514", "syslog.example.gov.cn", "udp://h:x"])
def test_a_destination_it_cannot_use_stops_the_start(monkeypatch, raw):
    monkeypatch.setenv("AUDIT_SYSLOG", raw)
    with pytest.raises(ImproperlyConfigured, match="AUDIT_SYSLOG"):
        env_syslog("AUDIT_SYSLOG")


def test_the_settings_configure_it_as_tested():
    """settings.base passes AUDIT_SYSLOG to the logging configuration the tests use."""
    config = logging_config(level="INFO", fmt="text", audit_syslog=("127.0.0.1", 514))
    handler = config["handlers"]["audit_syslog"]
    assert handler["formatter"] == "json"  # whatever LOG_FORMAT says
    assert handler["facility"] == "authpriv"
    assert config["loggers"]["audit.forward"]["propagate"] is False
    assert (
        logging_config(
            level=settings.LOGGING["root"]["level"],
            fmt=settings.LOGGING["handlers"]["stdout"]["formatter"],
            audit_syslog=settings.AUDIT_SYSLOG,
        )
        == settings.LOGGING
    )
