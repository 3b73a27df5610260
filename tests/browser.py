"""Helpers for the Playwright journeys (Debian's Chromium, see conftest)."""

from __future__ import annotations

import os
from pathlib import Path

from transfers.management.commands.demo import DEMO_PASSWORD

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "artifacts/screenshots"))


def login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def logout(page) -> None:
    page.click("form.logout button")


def screenshot(page, name: str) -> None:
    """Keep a picture of the page for a person to look at (artifacts/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


# -- 组织关系转接: steps a person takes, shared by the journeys ----------------------------------


def switch_user(page, live_server, username: str) -> None:
    """退出, then log in as another demo user."""
    logout(page)
    page.wait_for_url("**/accounts/login/**")
    login(page, live_server, username)


def open_transfers(page, subtab: str = "", section: str = "转出") -> None:
    """首页 → 组织关系转接 (opens on 转出 · 待办工作) → the section's tab → the sub-tab."""
    page.click("a.module:has-text('组织关系转接')")
    page.wait_for_url("**/transfers/out/todo/")
    if section != "转出" or subtab:
        tab(page, section, subtab)


def tab(page, section: str, subtab: str = "") -> None:
    """From any page of the subsystem: the 转出 / 接收 tab, then one of its sub-tabs."""
    with page.expect_navigation():
        page.click(f"nav.tabs a.tab:has-text('{section}')")
    if subtab:
        with page.expect_navigation():
            page.click(f"nav.subtabs a.subtab:has-text('{subtab}')")


def row_of(page, name: str, table: str = "table.table"):
    """The list row of the member called ``name``."""
    return page.locator(f"{table} tbody tr", has_text=name)


def pick_target(page, search: str, name: str, root: str = "") -> None:
    """The 放大镜: search for ``search`` and 选择 the organisation called ``name``."""
    page.click(f"{root} [data-open-search]".strip())
    dialog = page.locator("#target-dialog")
    dialog.locator("#target-search-name").fill(search)
    dialog.locator("[data-target-search]").click()
    dialog.locator(f"[data-pick][data-name='{name}']").click()
    dialog.wait_for(state="hidden")


def choose_members(page, count: int = 1, skip: int = 0) -> list[tuple[int, str]]:
    """转出申请 step 1: tick ``count`` members; returns their (pk, name)."""
    page.click("a.btn:has-text('转出申请')")
    page.wait_for_url("**/transfers/apply/**")
    chosen = []
    boxes = page.locator("#members-form tbody input[name=members]")
    for i in range(skip, skip + count):
        box = boxes.nth(i)
        box.check()
        pk = int(box.get_attribute("value"))
        name = page.locator(f"label[for=member-{pk}]").inner_text().strip()
        chosen.append((pk, name))
    page.click("#members-form button[type=submit]:has-text('下一步')")
    page.wait_for_url("**/transfers/apply/details/**")
    return chosen


def launch_from_preview(page) -> None:
    """第三步: 【确认发起】 → tick 已核实党员信息同本人和档案资料等一致 → 【确定】."""
    page.click("a.btn:has-text('确认发起')")
    dialog = page.locator("#launch-dialog")
    dialog.locator("input[data-confirm]").check()
    dialog.locator("button[type=submit]:has-text('确定')").click()
    page.wait_for_url("**/transfers/out/done/")


def apply_transfer(
    page,
    *,
    transfer_type: str,
    search: str = "",
    target: str = "",
    typed_name: str = "",
    skip: int = 0,
) -> tuple[int, str]:
    """As a committee on 转出 · 待办工作: 转出申请 → one member → details → path → 确认发起.

    Returns the member's (pk, name)."""
    [(pk, name)] = choose_members(page, skip=skip)
    page.select_option("#id_transfer_type", label=transfer_type)
    if typed_name:
        page.fill("#id_target_name", typed_name)
    else:
        pick_target(page, search, target)
    page.click("button[type=submit]:has-text('生成转接路径')")
    page.wait_for_url("**/transfers/apply/path/**")
    launch_from_preview(page)
    return pk, name


def open_business(page, name: str) -> None:
    """In a 待办工作 / 未报到 list: the member's row → 【业务办理】."""
    row_of(page, name).locator("td.actions a:has-text('业务办理')").click()
    page.wait_for_url("**/transfers/t/*/")


def approve(page) -> None:
    """业务办理 → 同意 → tick 已审核过党员基本信息，确保党员数据真实准确 → 确定."""
    page.click("a.btn:text-is('同意')")
    dialog = page.locator("#approve-dialog")
    dialog.locator("input[data-confirm]").check()
    with page.expect_navigation():
        dialog.locator("button[type=submit]").click()


def reject(page, reason: str) -> None:
    """业务办理 → 不同意 → the reason → 确定."""
    page.click("a.btn:has-text('不同意')")
    dialog = page.locator("#reject-dialog")
    dialog.locator("textarea[name=reason]").fill(reason)
    with page.expect_navigation():
        dialog.locator("button[type=submit]").click()


def success_message(page) -> str:
    """The sentence the page shows after an action succeeded."""
    return page.locator(".messages .message-success").inner_text()
