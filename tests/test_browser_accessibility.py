"""Accessible: axe-core finds nothing critical or serious on the main pages and dialogs.

axe-core (tests/vendor/axe-core, MPL-2.0) is injected into each page the test opens; the
application never serves it. Each page is checked at desktop size, and the lists also at phone
size, where they turn into cards.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from tests.browser import login, logout
from tests.browser_pages import DESKTOP, MAIN_PAGES, PHONE, some_transfers
from tests.transfer_helpers import members_of, org_of
from transfers.models import Letter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("critical", "serious")


def violations(page) -> list[str]:
    """axe-core's critical and serious findings on the page as it is now (dialogs included)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the site's CSP forbids injected <script> tags.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact,
                        where: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return [f"{v['impact']} {v['id']}: {v['where']}" for v in found if v["impact"] in BLOCKING]


class Audit:
    """Pages checked, and what axe-core found on each."""

    def __init__(self, page, live_server):
        self.page = page
        self.base = live_server.url
        self.found: dict[str, list[str]] = {}
        self.checked: list[str] = []

    def visit(self, url: str, label: str | None = None) -> None:
        self.page.goto(f"{self.base}{url}")
        self.check(label or url)

    def check(self, label: str) -> None:
        self.checked.append(label)
        if found := violations(self.page):
            self.found[label] = found

    def dialog(self, opener: str, dialog_id: str, label: str) -> None:
        self.page.click(opener)
        self.page.locator(f"#{dialog_id}").wait_for(state="visible")
        self.check(label)
        self.page.keyboard.press("Escape")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_axe_finds_nothing_serious_on_the_main_pages(browser, live_server, demo_db, viewport):
    transfers = some_transfers()
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    audit = Audit(page, live_server)

    audit.visit(reverse("login"), "登录")
    letter = Letter.objects.get(transfer=transfers["at_gxu"], is_current=True)
    audit.visit(reverse("verify"), "查验")
    audit.visit(reverse("verify_code", args=[letter.verification_code]), "查验结果")

    login(page, live_server, "wxy")
    for name in [*MAIN_PAGES, "transfers:branch", "transfers:inbound_start"]:
        audit.visit(reverse(name))
    member = transfers["at_gxu"].member
    audit.visit(reverse("members:detail", args=[member.pk]), "党员信息")
    editable = members_of(org_of("wxy_zb2"))[0]
    audit.visit(reverse("members:edit", args=[editable.pk]), "党员信息修改")
    page.fill("#id_name", "")
    page.click("button[type=submit]:has-text('保存')")
    audit.check("党员信息修改（有错误）")
    # 转出申请: the three steps of the wizard
    audit.visit(reverse("transfers:apply_members"), "转出申请 第一步")
    page.locator("#members-form tbody input[name=members]").first.check()
    page.click("#members-form button[type=submit]:has-text('下一步')")
    page.wait_for_url("**/transfers/apply/details/**")
    audit.check("转出申请 第二步")
    page.click("button[type=submit]:has-text('生成转接路径')")  # nothing filled in: errors
    audit.check("转出申请 第二步（有错误）")
    page.select_option("#id_transfer_type", label="县内直接转接")
    page.click("[data-open-search]")
    page.fill("#target-search-name", "离退休")
    page.click("[data-target-search]")
    page.locator("#target-dialog [data-pick]").first.wait_for()
    audit.check("放大镜")
    page.locator("#target-dialog [data-pick]").first.click()
    page.fill("#id_dues_paid_through", "2026-10")
    page.click("button[type=submit]:has-text('生成转接路径')")
    page.wait_for_url("**/transfers/apply/path/**")
    audit.check("转出申请 第三步")
    audit.dialog("a.btn:has-text('确认发起')", "launch-dialog", "确认发起")
    audit.visit(reverse("transfers:inbound_details"), "跨省（系统）转入")
    audit.visit("/transfers/t/999999999/", "404")
    logout(page)

    # 业务办理 and its dialogs at each node
    login(page, live_server, "gxu")
    audit.visit(reverse("transfers:detail", args=[transfers["at_gxu"].pk]), "业务办理（同意）")
    audit.dialog("a.btn:text-is('同意')", "approve-dialog", "同意")
    audit.dialog("a.btn:text-is('不同意')", "reject-dialog", "不同意")
    audit.dialog("a.btn:text-is('更改')", "change-dialog", "更改")
    logout(page)
    login(page, live_server, "ltx")
    audit.visit(reverse("transfers:detail", args=[transfers["at_ltx"].pk]), "业务办理（接收）")
    audit.dialog("a.btn:text-is('接收')", "receive-dialog", "接收")
    audit.visit(reverse("transfers:detail", args=[transfers["received"].pk]), "业务办理（未报到）")
    audit.dialog("a.btn:text-is('报到')", "report-dialog", "报到")
    audit.dialog("a.btn:text-is('退回')", "send-back-dialog", "退回")
    logout(page)
    login(page, live_server, "ltx_zb1")
    for name in MAIN_PAGES:
        audit.visit(reverse(name), f"党支部 {name}")
    audit.visit(reverse("transfers:branch"), "党支部 403")
    context.close()

    assert len(audit.checked) >= 45
    assert audit.found == {}
