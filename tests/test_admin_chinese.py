"""系统管理 entirely in Chinese, third-party sections included; an administrator who logs in
through the application lands on a page that leads to 系统管理, not on a refusal."""

import html as html_lib
import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Words that may stay Latin: the demo's usernames and codes, units, protocol names, and the
# masked start of a password hash ("e8badd****…", hex: letters in a row now and then).
ALLOWED = re.compile(
    r"^(admin|[a-z]+(_[a-z]+\d*)*|HTTP Accept 头|GET 数据|POST 数据|IP 地址|SHA-256|LDAP|"
    r"<unknown>|[0-9a-f]+\*+)$"
)


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.get(username="sysadmin"))
    return client


def english_texts(html: str) -> set[str]:
    """Visible texts (and hidden headers) with an English word of four letters or more."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    texts = {html_lib.unescape(t).strip() for t in re.findall(r">([^<>]+)<", html)}
    found = set()
    for t in texts:
        if not re.search(r"[A-Za-z]{4,}", t) or ALLOWED.match(t):
            continue
        if re.search(r"[\u4e00-\u9fff]", t) and re.search(r"(LDAP|SHA|HTTP|SM3|JSON)", t):
            continue
        found.add(t)
    return found


def admin_pages(client) -> list[str]:
    index = client.get(reverse("admin:index")).content.decode()
    lists = sorted(set(re.findall(r'href="(/admin/[a-z_]+/[a-z_]+/)"', index)))
    assert len(lists) >= 6  # 党组织, 党员, 用户, and the three of 登录安全
    return ["/admin/", *lists, *[f"{u}add/" for u in lists]]


def test_every_admin_list_and_add_page_is_in_chinese(admin_client):
    for url in admin_pages(admin_client):
        response = admin_client.get(url)
        if response.status_code == 403:  # django-axes' logs cannot be added by hand
            continue
        assert response.status_code == 200, url
        assert english_texts(response.content.decode()) == set(), url


def test_the_login_security_section_has_chinese_names(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    for words in ("登录安全", "登录尝试", "登录失败", "登录日志"):
        assert words in html
    assert "Axes" not in html


def test_a_user_change_page_is_in_chinese(admin_client):
    user = User.objects.get(username="wxy_zb1")
    html = admin_client.get(reverse("admin:auth_user_change", args=[user.pk])).content.decode()
    assert "任职党组织" in html
    assert english_texts(html) == set()


def test_an_administrator_logging_in_to_the_app_gets_a_page_leading_to_admin(admin_client):
    response = admin_client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "系统管理员" in html
    assert f'href="{reverse("admin:index")}"' in html


def test_a_user_without_an_organisation_and_without_admin_rights_is_told_why(client):
    client.force_login(User.objects.create_user("nobody", password="x" * 12))
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "尚未分配党组织" in response.content.decode()


def test_an_administrator_opening_a_business_page_is_led_to_admin(admin_client):
    response = admin_client.get(reverse("transfers:out_todo"))
    assert response.status_code == 403
    html = response.content.decode()
    assert "系统管理员" in html
    assert f'href="{reverse("admin:index")}"' in html
