"""Structured logs: one JSON line per request with its id, user and organisation; the request
id on every record; never an ID number."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.urls import reverse

from ops.logs import (
    JsonFormatter,
    MaskIdNumbersFilter,
    RequestIdFilter,
    TextFormatter,
    mask_id_numbers,
)

ID_NUMBER = "45010219900307123X"


@pytest.fixture
def json_lines():
    """The lines our stdout handler would write, captured from the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.addFilter(MaskIdNumbersFilter())
    loggers = [logging.getLogger(), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    old_level = logging.getLogger().level
    logging.getLogger().setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield read
    for logger in loggers:
        logger.removeHandler(handler)
    logging.getLogger().setLevel(old_level)


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "ops.request"]


@pytest.mark.django_db
def test_each_request_is_one_json_line_with_user_organisation_and_no_query(
    client_as, org, json_lines
):
    client = client_as("wxy")
    response = client.get(reverse("transfers:out_history"), {"q": ID_NUMBER, "page": 2})
    (line,) = request_lines(json_lines())
    assert line["method"] == "GET"
    assert line["path"] == reverse("transfers:out_history")
    assert line["status"] == response.status_code
    assert line["username"] == "wxy"
    assert isinstance(line["user_id"], int)
    assert line["org_id"] == org("wxy").pk
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")
    assert line["request_id"] == response["X-Request-ID"]
    assert len(line["request_id"]) == 32


@pytest.mark.django_db
def test_the_proxy_request_id_is_kept_and_returned(client, json_lines):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="nginx-abc123")
    assert response["X-Request-ID"] == "nginx-abc123"
    assert request_lines(json_lines())[0]["request_id"] == "nginx-abc123"
    assert request_lines(json_lines())[0]["user_id"] is None


@pytest.mark.django_db
def test_a_forged_request_id_is_replaced(client):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID='x" injected\nline')
    assert response["X-Request-ID"] != 'x" injected\nline'
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_records_logged_during_a_request_carry_its_id(client, json_lines, monkeypatch):
    from transfers import public_views

    def noisy(request):
        logging.getLogger("transfers").warning("looked up %s", "something")
        return False

    monkeypatch.setattr(public_views, "_over_limit", noisy)
    client.get(reverse("verify"), {"code": "AAAA"}, HTTP_X_REQUEST_ID="rid-7")
    lines = json_lines()
    warning = next(line for line in lines if line["logger"] == "transfers")
    assert warning["request_id"] == "rid-7"
    assert warning["message"] == "looked up something"


def test_records_outside_requests_have_a_dash(json_lines):
    logging.getLogger("ops.test").warning("plain")
    assert json_lines()[-1]["request_id"] == "-"


def test_an_id_number_is_masked_in_message_arguments_fields_and_tracebacks(json_lines):
    log = logging.getLogger("ops.test")
    log.warning("member %s moved", ID_NUMBER)
    log.warning(f"inline {ID_NUMBER.lower()}")
    log.warning("fields", extra={"fields": {"path": f"/members/{ID_NUMBER}/"}})
    try:
        raise ValueError(f"bad id {ID_NUMBER}")
    except ValueError:
        log.exception("failed")
    text = json.dumps(json_lines(), ensure_ascii=False)
    assert ID_NUMBER not in text
    assert ID_NUMBER.lower() not in text
    assert text.count("<身份证号>") == 4


def test_the_mask_keeps_other_numbers():
    assert mask_id_numbers("order 2026112812000000001234 and 13800138000") == (
        "order 2026112812000000001234 and 13800138000"
    )
    assert mask_id_numbers(f"id={ID_NUMBER}.") == "id=<身份证号>."
    assert mask_id_numbers(f"{ID_NUMBER[:17]}9") == "<身份证号>"


def test_the_text_format_masks_too():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "id %s", (ID_NUMBER,), None)
    MaskIdNumbersFilter().filter(record)
    RequestIdFilter().filter(record)
    line = TextFormatter().format(record)
    assert ID_NUMBER not in line
    assert "[-] id <身份证号>" in line
