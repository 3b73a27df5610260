"""The form renderer (settings.FORM_RENDERER): Django's, with the common widgets written in Python.

Django renders every widget through a template of its own — ``<input>`` through ``text.html``,
``input.html`` and ``attrs.html``; each ``<option>`` of a ``<select>`` through
``select_option.html`` — at a fraction of a millisecond each. 业务办理 with its dialogs has
eleven widgets, a list's search form up to a dozen: together several milliseconds of a page.

For the widgets whose Django templates are the plain ones below (text, hidden, date, number and
the other ``<input>`` types; textarea; select), this renderer writes the same HTML in Python:
the same attributes in the same order, the same escaping, the same whitespace. Any other widget,
or a value of a type the templates would format (a date, a number with separators), goes
through Django's templates as before. If Django's templates ever differ from the ones this was
written against, every widget goes through them. ``tests/test_widgets.py`` compares both ways
over the project's forms and the awkward cases (escaping, booleans, groups, selections).
"""

from __future__ import annotations

from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
INCLUDE_INPUT = '{% include "django/forms/widgets/input.html" %}\n'
# The templates this renderer reproduces, as Django 5.2 ships them.
EXPECTED = {
    "attrs.html": "{% for name, value in widget.attrs.items %}{% if value is not False %} "
    "{{ name }}{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}"
    "{% endif %}{% endfor %}",
    "input.html": '<input type="{{ widget.type }}" name="{{ widget.name }}"'
    "{% if widget.value != None %} value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
    '{% include "django/forms/widgets/attrs.html" %}>\n',
    "textarea.html": '<textarea name="{{ widget.name }}"'
    '{% include "django/forms/widgets/attrs.html" %}>\n'
    "{% if widget.value %}{{ widget.value }}{% endif %}</textarea>\n",
    "select.html": '<select name="{{ widget.name }}"'
    '{% include "django/forms/widgets/attrs.html" %}>'
    "{% for group_name, group_choices, group_index in widget.optgroups %}{% if group_name %}\n"
    '  <optgroup label="{{ group_name }}">{% endif %}{% for option in group_choices %}\n'
    "  {% include option.template_name with widget=option %}{% endfor %}{% if group_name %}\n"
    "  </optgroup>{% endif %}{% endfor %}\n</select>\n",
    "select_option.html": "<option value=\"{{ widget.value|stringformat:'s' }}\""
    '{% include "django/forms/widgets/attrs.html" %}>{{ widget.label }}</option>\n',
}
INPUTS = ["text", "color", "date", "datetime", "email", "hidden", "number", "password", "search"]
INPUTS += ["tel", "time", "url", "checkbox"]


class Unsupported(Exception):
    """A value this renderer does not format: Django's template renders the widget."""


def _plain_templates() -> bool:
    folder = Path(django.forms.__file__).parent / "templates" / WIDGETS
    try:
        ok = all((folder / n).read_text(encoding="utf-8") == t for n, t in EXPECTED.items())
        return ok and all(
            (folder / f"{n}.html").read_text(encoding="utf-8") == INCLUDE_INPUT for n in INPUTS
        )
    except OSError:
        return False


def _text(value) -> str:
    """``{{ value }}`` for a string (a number or a date would be localised: not here)."""
    if isinstance(value, str | Promise):
        return conditional_escape(value)
    raise Unsupported


def _string_format(value) -> str:
    """``{{ value|stringformat:'s' }}``: safe stays unescaped (the filter is_safe)."""
    if isinstance(value, tuple):
        value = str(value)
    text = "%s" % (value,)  # noqa: UP031 - exactly what the filter does
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}")
        if value is not True:
            parts.append(f'="{_string_format(value)}"')
    return "".join(parts)


def _input(w: dict) -> str:
    value = "" if w["value"] is None else f' value="{_string_format(w["value"])}"'
    return f'<input type="{_text(w["type"])}" name="{_text(w["name"])}"{value}{_attrs(w["attrs"])}>'


def _textarea(w: dict) -> str:
    value = _text(w["value"]) if w["value"] else ""
    return f'<textarea name="{_text(w["name"])}"{_attrs(w["attrs"])}>\n{value}</textarea>'


def _select(w: dict) -> str:
    parts = [f'<select name="{_text(w["name"])}"{_attrs(w["attrs"])}>']
    for group_name, options, _index in w["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in options:
            if option["template_name"] != WIDGETS + "select_option.html":
                raise Unsupported
            parts.append(
                f'\n  <option value="{_string_format(option["value"])}"'
                f"{_attrs(option['attrs'])}>{_text(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


WRITERS = {WIDGETS + f"{name}.html": _input for name in INPUTS}
WRITERS[WIDGETS + "input.html"] = _input
WRITERS[WIDGETS + "textarea.html"] = _textarea
WRITERS[WIDGETS + "select.html"] = _select


class WidgetRenderer(DjangoTemplates):
    def __init__(self):
        super().__init__()
        self.writers = WRITERS if _plain_templates() else {}

    def render(self, template_name, context, request=None):
        write = self.writers.get(template_name)
        if write is not None and "widget" in context:
            try:
                return mark_safe(write(context["widget"]))  # noqa: S308 - escaped above
            except Unsupported:
                pass
        return super().render(template_name, context, request=request)
