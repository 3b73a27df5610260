"""批量同意 in Chromium, at desktop size and on a phone (390×844): tick 全选 on 待办工作, 批量同意,
tick the confirmation once, 确定, and read 成功 N 条 / 未成功 M 条."""

from __future__ import annotations

import pytest

from tests.batch_helpers import graduating
from tests.browser import login, open_transfers, screenshot
from tests.transfer_helpers import actor_for, fresh, org_of, pending, receive
from transfers import services
from transfers.models import TransferState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", SIZES)
def test_batch_approval_from_the_todo_list(browser, live_server, demo_db, size):
    transfers = graduating(4, at_receiver=False)  # waiting at 广西某大学党委 (同意)
    # One is approved by someone else while the page is open: that row fails, with its reason.
    late = transfers[0]
    context = browser.new_context(viewport=SIZES[size], locale="zh-CN")
    page = context.new_page()
    try:
        login(page, live_server, "gxu")
        open_transfers(page)
        page.locator("table.table thead input[data-check-all]").check()
        boxes = page.locator("table.table tbody input[name=ids]")
        assert boxes.count() == 4
        assert all(boxes.nth(i).is_checked() for i in range(4))
        screenshot(page, f"batch_todo_{size}")
        with page.expect_navigation():
            page.click(".batch-bar button:has-text('批量同意')")
        assert "/transfers/batch/approve/" in page.url
        confirm = page.locator("form.action-form button[type=submit]:has-text('确定')")
        assert confirm.is_disabled()  # grey until the box is ticked (the manual)
        page.locator("input[name=confirmed]").check()
        assert confirm.is_enabled()
        screenshot(page, f"batch_confirm_{size}")
        if size == "phone":  # the batch page fits the phone: nothing scrolls sideways
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        services.approve(actor=actor_for(org_of("gxu")), transfer=late, confirmed=True)
        with page.expect_navigation():
            confirm.click()
        summary = page.locator(".batch-summary").inner_text()
        assert "成功 3 条" in summary
        assert "未成功 1 条" in summary
        assert late.member_name in page.locator("table.table").first.inner_text()
        assert "办理（同意）" in page.locator("table.table").first.inner_text()
        screenshot(page, f"batch_result_{size}")
        if size == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
        for t in transfers:
            assert pending(t).org == org_of("ltx")
    finally:
        context.close()


def test_batch_report_without_javascript(browser, live_server, demo_db):
    """未报到 → 全选本页 (a link) → 批量报到 (a plain form button) → tick → 确定."""
    transfers = graduating(3)
    for t in transfers:
        receive(t, org_of("ltx_zb1"))
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, live_server, "ltx_zb1")
        page.goto(f"{live_server.url}/transfers/in/unreported/")
        with page.expect_navigation():
            page.click(".batch-bar a:has-text('全选本页')")
        boxes = page.locator("table.table tbody input[name=ids]")
        assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
        with page.expect_navigation():
            page.click(".batch-bar button:has-text('批量报到')")
        with page.expect_navigation():
            page.click("form.action-form button[type=submit]:has-text('确定')")
        assert "请勾选“已确认以上党员均已到本党组织报到”。" in page.inner_text("main")
        page.locator("input[name=confirmed]").check()
        with page.expect_navigation():
            page.click("form.action-form button[type=submit]:has-text('确定')")
        assert "成功 3 条" in page.locator(".batch-summary").inner_text()
        screenshot(page, "batch_report_nojs")
        assert {fresh(t).state for t in transfers} == {TransferState.COMPLETED}
    finally:
        context.close()
