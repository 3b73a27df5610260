"""ops.templatetags.extends: pages render as with Django's ``{% extends %}``, and the root
template's blocks are collected once per compiled template, not on every render."""

import pytest
from django.template import Context, Engine
from django.template.loader_tags import ExtendsNode

from ops.templatetags.extends import RootBlocksOnceExtendsNode

TEMPLATES = {
    "root.html": "<title>{% block title %}根{% endblock %}</title>"
    "{% if x %}<p>{% block body %}正文{% endblock %}</p>{% endif %}"
    "{% block foot %}{% for i in items %}{% block item %}{{ i }}{% endblock %}{% endfor %}"
    "{% endblock %}",
    "middle.html": "{% extends 'root.html' %}{% block title %}中·{{ block.super }}{% endblock %}"
    "{% block body %}{{ block.super }}+中{% endblock %}",
    "page.html": "\n{% extends 'middle.html' %}{% block body %}页{{ block.super }}{% endblock %}"
    "{% block item %}[{{ i }}]{% endblock %}",
    "dynamic.html": "{% extends parent %}{% block title %}动{% endblock %}",
}


def engine(builtins):
    # Compiled once and kept, as in production (the cached loader).
    cached = (
        "django.template.loaders.cached.Loader",
        [("django.template.loaders.locmem.Loader", TEMPLATES)],
    )
    return Engine(loaders=[cached], builtins=builtins)


@pytest.mark.parametrize("name", ["page.html", "middle.html", "dynamic.html"])
@pytest.mark.parametrize("x", [True, False])
def test_pages_render_as_with_djangos_extends(name, x):
    ours = engine(["ops.templatetags.extends"])
    theirs = engine([])
    context = {"x": x, "items": [1, 2], "parent": "middle.html"}
    page = ours.get_template(name)
    assert isinstance(page.nodelist.get_nodes_by_type(ExtendsNode)[0], RootBlocksOnceExtendsNode)
    expected = theirs.get_template(name).render(Context(context))
    assert page.render(Context(context)) == expected
    assert page.render(Context(context)) == expected  # again, with the blocks kept


def test_the_root_blocks_are_collected_once(monkeypatch):
    from django.template.base import NodeList

    ours = engine(["ops.templatetags.extends"])
    page = ours.get_template("page.html")
    page.render(Context({"x": True, "items": [1]}))
    walks = []
    original = NodeList.get_nodes_by_type
    monkeypatch.setattr(
        NodeList, "get_nodes_by_type", lambda self, t: walks.append(t) or original(self, t)
    )
    for _ in range(3):
        page.render(Context({"x": True, "items": [1]}))
    assert walks == []
    djangos = engine([]).get_template("page.html")
    djangos.render(Context({"x": True, "items": [1]}))
    walks.clear()
    djangos.render(Context({"x": True, "items": [1]}))
    assert walks  # Django's walks the root's tree on every render


def test_the_pages_use_it(client):
    from django.template import engines

    assert "ops.templatetags.extends" in engines["django"].engine.builtins
    response = client.get("/accounts/login/")
    assert response.status_code == 200
