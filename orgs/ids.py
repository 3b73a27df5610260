"""Object ids as they arrive from outside (URL paths, query strings, form fields).

A database id is a positive 64-bit integer. Anything else — not ASCII digits ("²" and "１２３"
are digits to ``str.isdigit``), zero, or ≥ 2⁶³ (SQLite cannot even bind it) — is no id at all:
the object does not exist. One parser and one URL converter, so no view meets a raw number.
"""

from __future__ import annotations

import re

from django.urls import register_converter

MAX_ID = 2**63 - 1
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(raw: object) -> int | None:
    """``raw`` as a database id, or None."""
    text = str(raw).strip() if raw is not None else ""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


class IdConverter:
    """``<id:pk>`` in a URL: at most 18 digits, so every match is a valid 64-bit id; a longer
    number matches no URL (404) instead of reaching the database."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
