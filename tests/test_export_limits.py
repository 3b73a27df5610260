"""Exports only by POST with a CSRF token, and at most EXPORT_RATE_LIMIT per user per window."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

EXPORTS = [
    ("transfers:out_history_export", []),
    ("transfers:in_history_export", []),
    *[("transfers:supervision_export", [w]) for w in ("overdue", "unreported", "receipts")],
    ("transfers:supervision_export", ["subordinates"]),
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize(("name", "args"), EXPORTS)
def test_an_export_is_refused_by_get_and_given_by_post(client_as, name, args):
    client = client_as("gx")
    address = reverse(name, args=args)
    assert client.get(address).status_code == 405
    response = client.post(address)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX


def test_an_export_without_the_csrf_token_is_refused(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("wxy"))
    response = client.post(reverse("transfers:out_history_export"))
    assert response.status_code == 403
    page = client.get(reverse("transfers:out_history"), {"name": "张"}).content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    action = reverse("transfers:out_history_export") + "?name=%E5%BC%A0"
    assert f'action="{action}' in page
    ok = client.post(action, {"csrfmiddlewaretoken": token})
    assert ok.status_code == 200


def test_the_pages_offer_their_exports_as_post_forms_keeping_the_filters(client_as):
    client = client_as("gx")
    page = client.get(reverse("transfers:supervision"), {"days": "9"}).content.decode()
    for which in ("overdue", "unreported", "receipts", "subordinates"):
        action = reverse("transfers:supervision_export", args=[which]) + "?days=9"
        assert f'<form method="post" action="{action}"' in page
    assert 'href="/transfers/supervision/export/' not in page


def test_the_limit_is_per_user_and_answers_in_chinese(client_as, settings, user):
    settings.EXPORT_RATE_LIMIT = 3
    client = client_as("gx")
    address = reverse("transfers:supervision_export", args=["overdue"])
    statuses = [client.post(address).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.post(reverse("transfers:out_history_export"))
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "导出过于频繁" in text
    assert "每位用户10分钟内最多导出3次" in text
    # Another user has a count of their own.
    other = Client()
    other.force_login(user("wxy"))
    assert other.post(reverse("transfers:out_history_export")).status_code == 200
