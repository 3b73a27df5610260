"""One cleaning function for free text that users type and the system stores.

Control characters (NUL, the C0/C1 ranges, DEL) and the invisible bidirectional overrides cannot
be seen on a page but can break what is built from the text later: PostgreSQL refuses NUL, an
Excel export refuses C0 characters, and an RTL override makes a name read backwards. They are
removed when text is saved; tab and newline become a space in single-line text.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except tab/newline/CR, DEL, C1 controls, and the bidi embedding/override/isolate
# characters (U+202A–U+202E, U+2066–U+2069) that reorder what follows them.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\r\n]+")


def clean_text(value: str | None, *, multiline: bool = False) -> str:
    """``value`` without control characters, NFC-normalised and stripped."""
    if not value:
        return ""
    value = _INVISIBLE.sub("", str(value))
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    else:
        value = _LINE_BREAKS.sub(" ", value)
    return unicodedata.normalize("NFC", value).strip()


def has_control_characters(value: str) -> bool:
    return bool(_INVISIBLE.search(value))
