"""{% id_url %} and {% named_url %} give what {% url %} gives, for every view the templates link
to with them."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

from ops.templatetags.links import _around_id, _named

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
VIEWS = sorted(
    {
        name
        for path in TEMPLATES.rglob("*.html")
        for name in re.findall(r'\{% id_url "([a-z_:]+)"', path.read_text(encoding="utf-8"))
    }
)


def test_the_templates_link_by_id():
    assert "transfers:detail" in VIEWS
    assert len(VIEWS) > 10


@pytest.mark.parametrize("view_name", VIEWS)
@pytest.mark.parametrize("pk", [1, 7, 12345, 2_000_000_001])
def test_id_url_is_reverse(view_name, pk):
    rendered = Template("{% id_url name pk %}").render(Context({"name": view_name, "pk": pk}))
    assert rendered == reverse(view_name, args=[pk])


def test_id_url_follows_the_script_prefix():
    try:
        set_script_prefix("/zuzhi/")
        assert Template('{% id_url "transfers:detail" 5 %}').render(Context()) == (
            "/zuzhi/transfers/t/5/"
        )
    finally:
        set_script_prefix("/")
        _around_id.cache_clear()
    assert Template('{% id_url "transfers:detail" 5 %}').render(Context()) == "/transfers/t/5/"


NAMED = sorted(
    {
        name
        for path in TEMPLATES.rglob("*.html")
        for name in re.findall(r'\{% named_url "([a-z_:]+)"', path.read_text(encoding="utf-8"))
    }
    | {"transfers:out_todo", "transfers:in_history"}  # the subtabs: 'transfers:'|add:name
)


@pytest.mark.parametrize("view_name", NAMED)
def test_named_url_is_reverse(view_name):
    rendered = Template("{% named_url name %}").render(Context({"name": view_name}))
    assert rendered == reverse(view_name)


def test_named_url_follows_the_script_prefix():
    try:
        set_script_prefix("/zuzhi/")
        assert Template('{% named_url "home" %}').render(Context()) == "/zuzhi/"
    finally:
        set_script_prefix("/")
        _named.cache_clear()
    assert Template('{% named_url "home" %}').render(Context()) == "/"
