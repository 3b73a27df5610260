"""支部间转接, the 湖南 → 广西 业务交换区 transfer, 工作督查 with 督办, and the public 介绍信查验,
in Chromium as the demo users. The ORM and the services only set up time-shifted data and check
what the pages did; every step of the journeys goes through the pages.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone
from freezegun import freeze_time

from members.models import Member, MemberState
from tests.browser import (
    approve,
    login,
    open_business,
    open_transfers,
    pick_target,
    row_of,
    screenshot,
    success_message,
    switch_user,
    tab,
)
from tests.transfer_helpers import actor_for, draft_to, fresh, launch, org_of, pending
from transfers import services
from transfers.models import ExchangePackage, StepRole, Transfer, TransferState, TransferType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WXY_TEACHERS = "广西某大学文学院教工党支部"
WXY_STUDENTS = "广西某大学文学院学生党支部"
XINZHU_ZB1 = "新竹街道机关第一党支部"
GXU = "中共广西某大学委员会"
FULL_ID = re.compile(r"\d{17}[\dX]")


def receive(page, branch: str, phone: str = "0771-5501234") -> None:
    """业务办理 → 接收 → 转入本组织时间, 转入支部, 联系电话 → 确定 → both boxes → 确定."""
    page.click("a.btn:text-is('接收')")
    dialog = page.locator("#receive-dialog")
    dialog.locator("#id_received_on").fill(timezone.localdate().strftime("%Y-%m-%d"))
    dialog.locator("#id_branch").select_option(label=branch)
    dialog.locator("#id_handler_phone").fill(phone)
    dialog.locator("button:has-text('确定')").click()
    confirm = page.locator("#receive-confirm-dialog")
    confirm.locator("input[name=confirmed_reported]").check()
    confirm.locator("input[name=confirmed_checked]").check()
    with page.expect_navigation():
        confirm.locator("button[type=submit]").click()


def report(page) -> None:
    """业务办理 → 报到 → 确定."""
    page.click("a.btn:text-is('报到')")
    with page.expect_navigation():
        page.locator("#report-dialog button[type=submit]").click()


def find_package(page, id_number: str, serial: str) -> None:
    """业务交换区: 身份证号 + 介绍信编号 → 查询."""
    page.fill("#id_id_number", id_number)
    page.fill("#id_letter_serial", serial)
    with page.expect_navigation():
        page.click("form.search-form button[type=submit]:has-text('查询')")


# -- 1. 支部间转接 -------------------------------------------------------------------------------


def test_wxy_moves_a_member_between_two_of_its_branches(page, live_server, demo_db):
    login(page, live_server, "wxy")
    open_transfers(page, section="支部间转接")
    assert page.url.endswith("/transfers/branch/")
    page.select_option("#from-branch", label=WXY_TEACHERS)
    with page.expect_navigation():
        page.click("form.search-form button:has-text('显示党员')")

    box = page.locator("form.panel tbody input[name=members]").first
    box.check()
    pk = int(box.get_attribute("value"))
    name = page.locator(f"label[for=bm-{pk}]").inner_text().strip()
    page.select_option("#to-branch", label=WXY_STUDENTS)
    page.click("form.panel .form-buttons a.btn:has-text('确定')")
    dialog = page.locator("#branch-confirm-dialog")
    dialog.wait_for(state="visible")
    assert WXY_TEACHERS in dialog.inner_text()
    screenshot(page, "branch_move_confirm")
    with page.expect_navigation():
        dialog.locator("button[type=submit]:has-text('确定')").click()

    assert "支部间转接已完成" in success_message(page)
    assert name in success_message(page)
    member = Member.objects.select_related("branch").get(pk=pk)
    assert member.branch.name == WXY_STUDENTS
    assert member.state == MemberState.NORMAL
    record = row_of(page, name, "table.table:below(h2.section-title)")
    assert record.count() == 1
    assert WXY_TEACHERS in record.inner_text()
    assert WXY_STUDENTS in record.inner_text()
    assert member.id_number not in page.content()  # the list masks the number
    screenshot(page, "branch_move")

    tab(page, "转出", "转出历史")
    history = row_of(page, name)
    assert history.count() == 1
    assert "支部间转接" in history.inner_text()
    assert "已完成" in history.inner_text()
    screenshot(page, "branch_move_out_history")


# -- 2. 湖南 → 广西 through the 业务交换区 -------------------------------------------------------


def test_gx_imports_the_hunan_member_from_the_exchange_zone(page, live_server, demo_db):
    package = ExchangePackage.objects.get(claimed_at__isnull=True, received_as_file=False)
    id_number, serial = package.id_number, package.letter_serial
    name = package.payload["member"]["name"]
    assert id_number.startswith("43")  # 湖南

    login(page, live_server, "gx")
    open_transfers(page, section="接收")
    with page.expect_navigation():
        page.click("a.btn:has-text('跨省（系统）转入')")
    page.locator("label.choice", has_text="是").locator("input").check()
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('下一步')")
    assert page.url.endswith("/transfers/inbound/exchange/")

    find_package(page, id_number, serial)
    found = page.locator("section.panel dl.card")
    assert name in found.inner_text()
    assert serial in found.inner_text()
    screenshot(page, "exchange_find")

    with page.expect_navigation():
        page.click("a.btn:has-text('导入该党员')")
    card = page.locator("section.panel dl.card")
    # Prefilled from the package: nothing was typed.
    assert name in card.inner_text()
    assert id_number in card.inner_text()
    assert serial in card.inner_text()
    assert "岳麓街道" in card.inner_text()
    assert page.input_value("#id_validity_days") == "90"
    assert page.input_value("#id_member_phone") == package.payload["member"]["phone"]
    page.select_option("#id_inbound_kind", label="跨省转入")  # the manual: 选择转接类型
    pick_target(page, "新竹街道", XINZHU_ZB1)
    assert page.input_value("#id_target_query") == XINZHU_ZB1
    screenshot(page, "exchange_import")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('生成转接路径')")
    assert re.search(r"/transfers/inbound/\d+/path/$", page.url)
    screenshot(page, "exchange_path")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('确认发起')")
    assert "已确认发起" in success_message(page)

    transfer = Transfer.objects.get(type=TransferType.INBOUND, id_number=id_number)
    assert transfer.via_exchange
    assert transfer.state == TransferState.IN_PROGRESS
    assert pending(transfer).org.name == "中共南宁市委员会"

    for username in ("nn", "qx"):
        switch_user(page, live_server, username)
        open_transfers(page, section="接收")
        open_business(page, name)
        approve(page)
        assert "同意" in success_message(page)

    switch_user(page, live_server, "qx_jd")
    open_transfers(page, section="接收")
    open_business(page, name)
    receive(page, XINZHU_ZB1)
    assert "已接收" in success_message(page)

    switch_user(page, live_server, "qx_jd_zb1")
    open_transfers(page, "未报到", section="接收")
    open_business(page, name)
    report(page)
    assert "组织关系转接完成" in success_message(page)
    screenshot(page, "exchange_reported")

    transfer = fresh(transfer)
    assert transfer.state == TransferState.COMPLETED
    member = Member.objects.in_system().select_related("branch").get(id_number=id_number)
    assert member.branch.name == XINZHU_ZB1
    assert member.state == MemberState.NORMAL
    assert member.name == name
    package.refresh_from_db()
    assert package.claimed_at is not None
    assert package.claimed_transfer_id == transfer.pk

    # The package was used once: the same numbers find nothing now.
    switch_user(page, live_server, "gx")
    page.goto(f"{live_server.url}/transfers/inbound/exchange/")
    find_package(page, id_number, serial)
    assert "业务交换区中未找到" in page.locator(".form-errors").inner_text()
    # The message stands above the search fields, not squeezed in among them.
    assert page.locator("form.search-form .form-errors").count() == 0
    assert page.locator("a.btn:has-text('导入该党员')").count() == 0
    screenshot(page, "exchange_used")


# -- 3. 工作督查 and 督办 ------------------------------------------------------------------------


def test_gx_supervises_an_overdue_step_and_gxu_sees_the_reminder(page, live_server, demo_db):
    # The settable clock: launched ten days ago, the step has waited at 广西某大学党委 since.
    with freeze_time(timezone.now() - dt.timedelta(days=10)):
        transfer = launch(draft_to(actor_for(org_of("wxy")), org_of("ltx")))
    step = pending(transfer)
    assert step.org.name == GXU
    assert step.role == StepRole.APPROVE
    assert (timezone.now() - step.pending_since).days >= 10
    name = transfer.member_name

    login(page, live_server, "gx")
    open_transfers(page, section="工作督查")
    assert page.url.endswith("/transfers/supervision/")
    assert page.locator("svg.chart").count() == 1
    assert page.locator("svg.chart rect.bar-out").count() == 12
    overdue = page.locator("section.panel:has(h2:text-is('超期未办')) table.table")
    row = overdue.locator("tbody tr", has_text=name)
    assert row.count() == 1
    assert GXU in row.inner_text()
    assert transfer.id_number not in page.content()
    screenshot(page, "supervision_gx")

    with page.expect_navigation():
        row.locator("button:has-text('督办')").click()
    assert "已督办" in success_message(page)
    assert GXU in success_message(page)
    screenshot(page, "supervision_reminded")

    switch_user(page, live_server, "gxu")
    reminders = page.locator("section[aria-label='督办提醒']")
    assert reminders.count() == 1
    assert name in reminders.inner_text()
    assert "中共广西壮族自治区委员会" in reminders.inner_text()
    screenshot(page, "home_gxu_reminder")

    open_transfers(page)
    open_business(page, name)
    approve(page)
    assert "同意" in success_message(page)
    assert pending(transfer).org.name == "中共广西某大学离退休工作委员会"

    page.click("nav.tabs a.tab-home")
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("section[aria-label='督办提醒']").count() == 0
    assert name not in page.locator("main").inner_text()
    screenshot(page, "home_gxu_after_approve")


# -- 4. 介绍信查验 (public) ----------------------------------------------------------------------


def _verify_letter(page, live_server, transfer: Transfer, status: str, shot: str) -> None:
    letter = fresh(transfer).letters.get(is_current=True)
    page.goto(f"{live_server.url}/verify/{letter.verification_code}/")
    result = page.locator(".verify-result")
    assert page.locator(".verify-status").inner_text().strip() == status
    text = page.locator("main").inner_text()
    assert letter.serial_number in result.inner_text()
    name = transfer.member_name
    masked = name[0] + "*" * (len(name) - 1)
    assert masked in result.inner_text()
    assert name not in text
    assert not FULL_ID.search(text)
    assert not FULL_ID.search(page.content())
    screenshot(page, shot)


def test_the_public_verification_page(page, live_server, demo_db):
    cache.clear()  # the per-address limit of look-ups is counted in the cache
    wxy = actor_for(org_of("wxy"))
    valid = launch(draft_to(wxy, org_of("ltx")))
    revoked = launch(draft_to(wxy, org_of("ltx")))
    assert valid.member_id != revoked.member_id
    services.revoke(actor=wxy, transfer=revoked)

    # Not logged in.
    _verify_letter(page, live_server, valid, "有效", "verify_valid")
    _verify_letter(page, live_server, revoked, "已撤销", "verify_revoked")

    page.goto(f"{live_server.url}/verify/")
    assert page.locator(".verify-result").count() == 0
    page.fill("#verify-code", "ABCDEFGHJKMN")
    with page.expect_navigation():
        page.click("form.verify-form button[type=submit]")
    assert "未查询到该介绍信" in page.locator(".verify-status").inner_text()
    assert page.locator("header .site-user").count() == 0  # nobody is logged in
    screenshot(page, "verify_unknown")


def test_a_tampered_package_file_is_refused_on_upload(page, live_server, demo_db, tmp_path):
    import json

    from transfers import exchange

    package = ExchangePackage.objects.filter(claimed_at__isnull=True).first()
    document = json.loads(exchange.to_file(package))
    document["payload"]["member"]["name"] = "王篡改"
    ExchangePackage.objects.filter(pk=package.pk).delete()  # as if it came from elsewhere
    path = tmp_path / "package.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")

    login(page, live_server, "gx")
    page.goto(f"{live_server.url}/transfers/inbound/exchange/")
    page.set_input_files("#id_file", str(path))
    assert page.locator("[data-file-name]").inner_text() == "package.json"
    page.click("button:has-text('上传并校验')")
    assert "签名校验失败" in page.locator(".field-error").inner_text()
    screenshot(page, "exchange_tampered_upload")
    assert not ExchangePackage.objects.filter(package_id=package.package_id).exists()
