"""Every page carries a Content-Security-Policy without inline scripts, and a Permissions-Policy;
the pages themselves hold no inline script or style attribute the policy would block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Rendered by WeasyPrint into a PDF, never served to a browser.
PDF_ONLY = {"letter_pdf.html", "letters_pdf.html"}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["login", "verify"])
def test_public_pages_carry_the_policies(client, name):
    response = client.get(reverse(name))
    policy = directives(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.django_db
def test_a_logged_in_page_carries_them_too(client_as):
    response = client_as("wxy").get(reverse("transfers:out_todo"))
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_no_template_served_to_a_browser_has_inline_script_or_style():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    style_attribute = re.compile(r"\sstyle\s*=", re.IGNORECASE)
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if path.name in PDF_ONLY:
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (inline_script, handler, style_attribute):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {pattern.pattern}")
    assert offenders == []
