"""Phones (390×844) and the pages a branch may use, in Chromium: no page scrolls sideways, lists
read as cards with their 操作 links, dialogs fit the screen, and the main journeys (launch, 同意,
接收, 报到) work at phone size; a 党支部 sees no committee-only tab and Chinese error pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.browser import (
    apply_transfer,
    approve,
    login,
    open_business,
    open_transfers,
    screenshot,
    success_message,
    switch_user,
)
from tests.browser_pages import DESKTOP, MAIN_PAGES, PHONE, some_transfers
from tests.test_browser_transfers import LTX, LTX_ZB1, confirm_receive, receive, report
from tests.transfer_helpers import actor_for, approve_all, draft_to, launch, org_of
from transfers.models import Transfer, TransferState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMITTEE_PAGES = ["transfers:branch", "transfers:apply_members", "transfers:inbound_start"]


def sideways(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="zh-CN")
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("username", ["wxy_zb1", "wxy"])
def test_no_main_page_scrolls_sideways_on_a_phone(phone, live_server, demo_db, username):
    transfers = some_transfers()
    login(phone, live_server, username)
    pages = MAIN_PAGES + (COMMITTEE_PAGES if username == "wxy" else [])
    urls = [reverse(name) for name in pages]
    urls += [reverse("transfers:detail", args=[t.pk]) for t in transfers.values()]
    urls.append(reverse("members:detail", args=[transfers["at_gxu"].member_id]))
    too_wide = {}
    for url in urls:
        phone.goto(f"{live_server.url}{url}")
        if extra := sideways(phone):
            too_wide[url] = extra
        screenshot(phone, f"phone_{username}_{url.strip('/').replace('/', '_') or 'home'}")
    assert too_wide == {}


def test_tabs_do_not_wrap_one_character_per_line(phone, live_server, demo_db):
    login(phone, live_server, "wxy")
    phone.goto(f"{live_server.url}{reverse('transfers:out_todo')}")
    for tab in phone.locator("nav.tabs a.tab, nav.subtabs a.subtab").all():
        box = tab.bounding_box()
        assert box["height"] < 60, tab.inner_text()  # one line of text, not a column


def test_lists_become_cards_with_their_actions_reachable(phone, live_server, demo_db):
    transfer = some_transfers()["at_gxu"]
    login(phone, live_server, "gxu")
    open_transfers(phone, "待办工作")
    row = phone.locator("table.table tbody tr", has_text=transfer.member_name)
    cell = row.locator("td", has_text=transfer.member_name).first
    assert cell.get_attribute("data-label") == "姓名"
    assert cell.evaluate("e => getComputedStyle(e).display") != "table-cell"
    action = row.locator("td.actions a:has-text('业务办理')")
    box = action.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    screenshot(phone, "phone_cards_out_todo_gxu")
    action.click()
    phone.wait_for_url(f"**{reverse('transfers:detail', args=[transfer.pk])}")


def test_the_main_journeys_work_on_a_phone(phone, live_server, demo_db):
    page = phone
    login(page, live_server, "wxy")
    open_transfers(page)
    pk, name = apply_transfer(page, transfer_type="县内直接转接", search="离退休", target=LTX)
    assert f"已发起{name}的组织关系转接" in success_message(page)
    assert sideways(page) == 0

    switch_user(page, live_server, "gxu")
    open_transfers(page)
    open_business(page, name)
    approve(page)
    assert "已同意" in success_message(page)

    switch_user(page, live_server, "ltx")
    open_transfers(page, section="接收")
    open_business(page, name)
    page.click("a.btn:text-is('接收')")
    dialog = page.locator("#receive-dialog")
    box = dialog.bounding_box()
    assert box["x"] >= 0
    assert box["y"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert box["y"] + box["height"] <= PHONE["height"]
    ok = dialog.locator("button:has-text('确定')")
    ok_box = ok.bounding_box()
    assert ok_box["y"] + ok_box["height"] <= PHONE["height"]
    assert ok_box["height"] >= 36  # a finger can hit it
    screenshot(page, "phone_receive_dialog")
    page.locator("#receive-dialog [data-close]").click()
    receive(page, phone="0771-5501234", branch=LTX_ZB1)
    confirm_box = page.locator("#receive-confirm-dialog").bounding_box()
    assert confirm_box["x"] + confirm_box["width"] <= PHONE["width"]
    screenshot(page, "phone_receive_confirm_dialog")
    confirm_receive(page)
    assert f"已接收{name}" in success_message(page)

    switch_user(page, live_server, "ltx_zb1")
    open_transfers(page, "未报到", section="接收")
    open_business(page, name)
    report(page)
    assert "组织关系转接完成" in success_message(page)
    assert Transfer.objects.get(member_id=pk).state == TransferState.COMPLETED


def test_an_empty_receive_dialog_says_what_is_missing_in_chinese(phone, live_server, demo_db):
    transfer = approve_all(
        launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1"), member=None))
    )
    login(phone, live_server, "ltx")
    phone.goto(f"{live_server.url}{reverse('transfers:detail', args=[transfer.pk])}")
    phone.click("a.btn:text-is('接收')")
    dialog = phone.locator("#receive-dialog")
    dialog.locator("#id_received_on").fill("")
    dialog.locator("button:has-text('确定')").click()
    errors = dialog.locator("[data-client-error]").all_inner_texts()
    assert "请填写转入本组织时间。" in errors
    assert not phone.locator("#receive-confirm-dialog").is_visible()


# -- a branch: only its own tabs, and Chinese error pages -----------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_branch_sees_no_branch_move_tab_and_chinese_error_pages(
    browser, live_server, demo_db, viewport
):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    login(page, live_server, "wxy_zb1")
    open_transfers(page)
    tabs = page.locator("nav.tabs").inner_text()
    for name in ("转出", "接收", "工作督查"):
        assert name in tabs
    assert "支部间转接" not in tabs
    assert page.locator("a:has-text('转出申请')").count() == 0

    page.goto(f"{live_server.url}/transfers/t/999999999/")
    assert page.locator("h1").inner_text() == "页面不存在"
    assert page.locator("a:has-text('返回首页')").is_visible()
    screenshot(page, f"branch_404_{viewport['width']}")
    page.goto(f"{live_server.url}{reverse('transfers:branch')}")
    assert page.locator("h1").inner_text() == "无权访问该页面"
    assert "该功能仅限党委使用" in page.locator("main").inner_text()
    screenshot(page, f"branch_403_{viewport['width']}")
    back = page.locator("a:has-text('返回上一页')")
    assert back.is_visible()
    back.click()  # the page visited before: the 404 above
    page.wait_for_url("**/transfers/t/999999999/")
    context.close()


def test_a_refused_launch_shows_its_message_with_javascript_on(page, live_server, demo_db):
    from transfers import services

    login(page, live_server, "wxy")
    open_transfers(page)
    from tests.browser import choose_members, pick_target

    [(pk, _name)] = choose_members(page)
    page.select_option("#id_transfer_type", label="县内直接转接")
    pick_target(page, "离退休", LTX)
    page.click("button[type=submit]:has-text('生成转接路径')")
    page.wait_for_url("**/transfers/apply/path/**")
    # meanwhile, in another window, the same draft is launched
    draft = Transfer.objects.get(member_id=pk, state=TransferState.DRAFT)
    services.launch(actor=actor_for(org_of("wxy")), transfer=draft, confirmed=True)
    page.click("a.btn:has-text('确认发起')")
    dialog = page.locator("#launch-dialog")
    dialog.locator("input[data-confirm]").check()
    with page.expect_navigation():
        dialog.locator("button[type=submit]").click()
    page.wait_for_url("**/transfers/out/done/")
    error = page.locator(".messages .message-error")
    assert error.is_visible()
    assert error.get_attribute("role") == "alert"
    assert "该转接已由中共广西某大学文学院委员会于" in error.inner_text()
    assert "办理（确认发起）" in error.inner_text()
    screenshot(page, "launch_refused_js")
