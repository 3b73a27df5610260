"""Every page needs a login, and no URL leaks another organisation's objects."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from orgs.middleware import SESSION_KEY
from orgs.roles import grant_role

pytestmark = pytest.mark.django_db

PUBLIC = {"login", "favicon", "verify", "verify_code"}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            if str(p.pattern).startswith("admin/"):
                continue  # the admin has its own login and staff check (tested below)
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield p, prefix + str(p.pattern)


def concrete(route: str) -> str:
    import re

    route = re.sub(r"<uuid:\w+>", "00000000-0000-4000-8000-000000000001", route)
    return "/" + re.sub(r"<(?:\w+:)?\w+>", "1", route)


def test_every_url_except_login_redirects_anonymous_users_to_login(client):
    checked = 0
    for pattern, route in walk(get_resolver().url_patterns):
        if pattern.name in PUBLIC:
            continue
        url = concrete(route)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (url, response.status_code)
            assert response.url.startswith(reverse("login")), url
        checked += 1
    assert checked >= 4


def test_the_admin_needs_a_staff_login(client, client_as):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url
    assert client_as("wxy").get("/admin/").status_code == 302


def test_the_login_page_is_in_chinese(client):
    html = client.get(reverse("login")).content.decode()
    assert "用户登录" in html
    assert "用户名" in html
    assert "密码" in html


def test_home_shows_the_two_modules(client_as):
    html = client_as("wxy").get(reverse("home")).content.decode()
    assert "组织关系转接" in html
    assert "党员信息管理" in html
    assert "中共广西某大学文学院委员会" in html


def test_a_user_without_an_organisation_is_told_so(client):
    user = get_user_model().objects.create_user("nobody", password="x-Long-enough-1")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "尚未分配党组织" in response.content.decode()


def test_the_switcher_changes_the_acting_organisation(client, user, org):
    u = user("wxy")
    grant_role(u, org("ltx"))
    client.force_login(u)
    html = client.get(reverse("home")).content.decode()
    assert "切换" in html
    response = client.post(reverse("switch_org"), {"org": org("ltx").pk, "next": "/members/"})
    assert response.status_code == 302
    assert response.url == "/members/"
    assert client.session[SESSION_KEY] == org("ltx").pk
    assert "离退休" in client.get(reverse("home")).content.decode()


def test_the_switcher_refuses_an_organisation_the_user_has_no_role_on(client_as, org):
    client = client_as("wxy")
    response = client.post(reverse("switch_org"), {"org": org("gxu").pk})
    assert response.status_code == 404


def test_the_switcher_refuses_an_offsite_redirect(client, user, org):
    u = user("wxy")
    grant_role(u, org("ltx"))
    client.force_login(u)
    response = client.post(
        reverse("switch_org"), {"org": org("ltx").pk, "next": "https://evil.example/"}
    )
    assert response.url == "/"


def test_a_revoked_role_stops_working_at_the_next_request(client, user, org):
    from orgs.roles import revoke_role

    u = user("wxy")
    grant_role(u, org("ltx"))
    client.force_login(u)
    client.post(reverse("switch_org"), {"org": org("ltx").pk})
    revoke_role(u, org("ltx"))
    html = client.get(reverse("home")).content.decode()
    assert "中共广西某大学文学院委员会" in html
