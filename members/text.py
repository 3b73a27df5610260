"""One cleaning function for free text that users type and the system stores.

Control characters (NUL, the C0/C1 ranges, DEL) and the invisible bidirectional overrides cannot
be seen on a page but can break what is built from the text later: PostgreSQL refuses NUL, an
Excel export refuses C0 characters, and an RTL override makes a name read backwards. They are
removed when text is saved; tab and newline become a space in single-line text.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms

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


class CleanTextMixin:
    """For forms: every text field's input is cleaned before the field validates it (multi-line
    for textareas), so a value made only of control characters is "empty" to the field's own
    checks, and what is saved never carries one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            return
        data = self.data.copy()
        for name, field in self.fields.items():
            key = self.add_prefix(name)
            if not isinstance(field, forms.CharField) or key not in data:
                continue
            multiline = isinstance(field.widget, forms.Textarea)
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            cleaned = [
                clean_text(v, multiline=multiline) if isinstance(v, str) else v for v in values
            ]
            if hasattr(data, "setlist"):
                data.setlist(key, cleaned)
            else:
                data[key] = cleaned[-1]
        self.data = data
