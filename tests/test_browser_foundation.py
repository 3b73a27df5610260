"""A person logs in, sees 首页 and the members of their organisation (Chromium)."""

import re

import pytest

from members.models import Member
from orgs.models import Organisation
from tests.browser import login, logout, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_wxy_logs_in_and_sees_only_wenxueyuan_members_masked(page, live_server, demo_db):
    page.goto(f"{live_server.url}/members/")
    assert "/accounts/login/" in page.url  # login required
    screenshot(page, "login")
    login(page, live_server, "wxy")
    assert page.locator("h1").inner_text() == "首页"
    assert page.get_by_text("中共广西某大学文学院委员会").first.is_visible()
    screenshot(page, "home_wxy")

    page.click("text=党员信息管理")
    page.wait_for_url(re.compile(r".*/members/$"))
    screenshot(page, "member_list_wxy")
    table = page.locator("table.table tbody").inner_text()
    wxy = Organisation.objects.get(code__endswith="0201", level="grassroots")
    assert wxy.name == "中共广西某大学文学院委员会"
    for member in Member.objects.in_scope_of(wxy)[:5]:
        assert member.masked_id_number in table
        assert member.id_number not in table
    ltx_member = Member.objects.filter(branch__name__startswith="广西某大学离退休").first()
    assert ltx_member.name not in table or ltx_member.masked_id_number not in table

    # The detail page masks the number; 显示完整身份证号 (audited) shows it.
    page.locator("table.table tbody a", has_text="查看").first.click()
    assert not re.search(r"\d{17}[\dX]", page.locator("dl.card").inner_text())
    screenshot(page, "member_detail_wxy")
    page.click("text=显示完整身份证号")
    assert re.search(r"\d{17}[\dX]", page.locator("dl.card").inner_text())
    screenshot(page, "member_full_id_wxy")
    page.go_back()
    logout(page)
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))


def test_a_wrong_password_shows_a_chinese_message(page, live_server, demo_db):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "wxy")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "请输入" in page.locator(".form-errors").inner_text()
