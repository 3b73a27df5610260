"""Hostile input never gives a server error (ASVS V5; 等保 输入校验).

Every query parameter and form field of the main pages gets hostile text: NUL and other control
characters, RTL overrides, emoji, 10,000 characters, HTML, formula prefixes, impossible dates,
integers ≥ 2⁶³ and negative ones, tampered paging cursors and ids. A deterministic sweep sends each
of the worst values to every parameter; hypothesis then mixes them at random (bounded, so the file
runs in well under a minute). The figure asserted is the number of HTTP 500s: 0. The same tests
run on PostgreSQL (which refuses NUL in text, unlike SQLite) when DATABASE_URL points there.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.transfer_view_helpers import stage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_export_limit(settings):
    """The sweeps send the same user's exports far beyond the per-user limit."""
    settings.EXPORT_RATE_LIMIT = 10**6


def _cursor(values, index=1) -> str:
    raw = json.dumps({"k": values, "n": index})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


BIG = str(2**63)
WORST = [
    "\x00",
    "a\x00b",
    "\x1b[31m\x07\x08",
    "\u202e\u2066evil\u2069",
    "😀" * 50,
    "x" * 10_000,
    "<script>alert(1)</script><img src=x onerror=alert(1)>",
    '=HYPERLINK("http://x")',
    "+1-2@SUM(A1)",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31T25:61",
    BIG,
    str(2**64 + 1),
    "-1",
    str(-(2**63) - 1),
    "1e309",
    "１２３",
    "²",
    "' OR 1=1 --",
    _cursor([BIG, BIG]),
    _cursor(["\x00", -1], -5),
    _cursor([[1, [2]], {"a": 1}], 2**70),
    _cursor(["2026-02-30T00:00:00", "x"]),
    "!!!notbase64",
]

# (url name, args, GET parameters)
GET_PAGES = [
    ("transfers:out_todo", [], ["after", "before"]),
    ("transfers:out_done", [], ["after", "before"]),
    (
        "transfers:out_history",
        [],
        ["name", "id_number", "transfer_type", "date_from", "date_to", "after", "before"],
    ),
    ("transfers:out_history_export", [], ["name", "id_number", "transfer_type", "date_from"]),
    ("transfers:in_todo", [], ["after", "before"]),
    ("transfers:in_done", [], ["after", "before"]),
    ("transfers:in_unreported", [], ["name", "id_number", "after", "before"]),
    ("transfers:in_history", [], ["name", "id_number", "date_to", "after", "before"]),
    ("transfers:apply_members", [], ["q", "after", "before", "error", "members"]),
    ("transfers:apply_details", [], ["ids"]),
    ("transfers:apply_preview", [], ["ids"]),
    ("transfers:target_search", [], ["mode", "name", "transfer", "type", "after", "before"]),
    ("transfers:inbound_start", [], ["via_exchange"]),
    (
        "transfers:supervision",
        [],
        ["date_from", "date_to", "days", "o_after", "u_after", "m_before", "s_after"],
    ),
    ("transfers:supervision_export", ["overdue"], ["date_from", "date_to", "days"]),
    ("transfers:branch", [], ["from_branch", "after", "before"]),
    ("members:list", [], ["name", "id_number", "after", "before"]),
    ("members:retrieve", [], ["id_number", "partial"]),
    ("verify", [], ["code"]),
]

# (url name, needs a transfer id, POST fields)
POST_FORMS = [
    ("transfers:apply_details", False, ["ids", "transfer_type", "target", "target_query",
                                        "dues_paid_through", "validity_days", "member_phone",
                                        "letter_remarks", "target_name", "out_of_system"]),
    ("transfers:apply_launch", False, ["ids", "confirmed"]),
    ("transfers:inbound_details", False, ["name", "gender", "ethnicity", "id_number",
                                          "party_status", "joined_on", "full_member_on", "phone",
                                          "origin_name", "origin_letter_number", "target",
                                          "dues_paid_through", "validity_days"]),
    ("transfers:inbound_exchange", False, ["id_number", "letter_serial"]),
    ("transfers:branch", False, ["from_branch", "to_branch", "members", "confirmed"]),
    ("members:retrieve", False, ["id_number"]),
    ("transfers:approve", True, ["version", "confirmed", "opinion"]),
    ("transfers:reject", True, ["version", "reason"]),
    ("transfers:change", True, ["version", "transfer_type", "target", "target_query", "opinion",
                                "target_name"]),
    ("transfers:revoke", True, ["version", "confirmed"]),
    ("transfers:relaunch", True, ["version", "transfer_type", "target", "dues_paid_through",
                                  "validity_days", "confirmed"]),
    ("transfers:receipt", True, ["version", "received_on", "handler", "handler_phone"]),
]  # fmt: skip

# Pages that take an object id in the path: tampered ids (≥ 2⁶³ and the like) match no URL.
ID_PAGES = ["/transfers/t/{pk}/", "/transfers/t/{pk}/letter/", "/transfers/t/{pk}/letter.pdf",
            "/transfers/t/{pk}/approve/", "/transfers/t/{pk}/change/preview/",
            "/transfers/inbound/{pk}/path/", "/transfers/supervision/remind/{pk}/",
            "/members/{pk}/", "/members/{pk}/edit/", "/transfers/t/-{pk}/"]  # fmt: skip
BAD_IDS = [2**63 - 1, 2**63, 2**64, 10**30]


def _client(username: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _errors(client: Client, method: str, url: str, data: dict) -> list[str]:
    if method == "get" and "/export/" in url:
        # Exports are POSTs whose filters ride in the query string (the page's export form).
        response = client.post(f"{url}?{urlencode(data)}")
    else:
        response = getattr(client, method)(url, data)
    if response.status_code < 500:
        return []
    return [f"{method.upper()} {url} { {k: str(v)[:40] for k, v in data.items()}!a}"]


def _post_url(name: str, transfer) -> str:
    return reverse(name, args=[transfer.pk]) if transfer else reverse(name)


def test_the_worst_values_in_every_parameter_give_no_server_error():
    """Each worst value in all parameters of each page at once (one request per page and value:
    a field that fails validation does not hide another, since every one is a 500 candidate)."""
    wxy, gxu = _client("wxy"), _client("gxu")
    launched = stage("launched")
    errors: list[str] = []
    for name, args, params in GET_PAGES:
        for value in WORST:
            errors += _errors(wxy, "get", reverse(name, args=args), dict.fromkeys(params, value))
    for name, needs_transfer, fields in POST_FORMS:
        client = gxu if name.endswith(("approve", "reject", "change")) else wxy
        url = _post_url(name, launched if needs_transfer else None)
        for value in WORST:
            errors += _errors(client, "post", url, dict.fromkeys(fields, value))
    for template in ID_PAGES:
        for pk in BAD_IDS:
            errors += _errors(wxy, "get", template.format(pk=pk), {})
    assert not errors, "\n".join(errors)


hostile_text = st.one_of(
    st.sampled_from(WORST),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=20),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.dates().map(lambda d: d.isoformat()),
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
@given(
    page=st.sampled_from(GET_PAGES),
    values=st.lists(hostile_text, min_size=1, max_size=7),
)
def test_random_hostile_query_strings_give_no_server_error(page, values):
    name, args, params = page
    data = dict(zip(params, values, strict=False))
    assert _errors(_client("wxy"), "get", reverse(name, args=args), data) == []


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
@given(
    form=st.sampled_from([f for f in POST_FORMS if not f[1]]),
    values=st.lists(hostile_text, min_size=1, max_size=13),
)
def test_random_hostile_forms_give_no_server_error(form, values):
    name, _needs_transfer, fields = form
    data = dict(zip(fields, values, strict=False))
    assert _errors(_client("wxy"), "post", reverse(name), data) == []
