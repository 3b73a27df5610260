"""组织关系转接 in Chromium: the demo committees launch, approve, change, receive, conclude, revoke
and look things up, through the pages only (the ORM is used to check, never to advance the flow)."""

from __future__ import annotations

import re
import subprocess

import openpyxl
import pytest
from django.utils import timezone

from members.models import Member
from orgs.models import Organisation
from tests.browser import (
    apply_transfer,
    approve,
    choose_members,
    launch_from_preview,
    login,
    open_business,
    open_transfers,
    pick_target,
    reject,
    row_of,
    screenshot,
    success_message,
    switch_user,
    tab,
)
from transfers.models import Transfer, TransferState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WXY = "中共广西某大学文学院委员会"
GXU = "中共广西某大学委员会"
LTX = "中共广西某大学离退休工作委员会"
LTX_ZB1 = "广西某大学离退休第一党支部"
XINZHU = "中共南宁市青秀区新竹街道工作委员会"


def org_named(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def transfer_of(member_pk: int) -> Transfer:
    return Transfer.objects.filter(member_id=member_pk).latest("pk")


def path_names(page, selector: str = "ol.path") -> list[str]:
    return [t.strip() for t in page.locator(f"{selector} .path-org").all_inner_texts()]


def launch_county_to_ltx(page, live_server) -> tuple[int, str]:
    """wxy: 县内直接转接 of one member to 离退休党委 (放大镜), launched."""
    login(page, live_server, "wxy")
    open_transfers(page)
    return apply_transfer(page, transfer_type="县内直接转接", search="离退休", target=LTX)


def complete_county_transfer(page, live_server) -> tuple[int, str]:
    """Journey 1 without the pictures: launched by wxy, approved by gxu, received by ltx into
    离退休第一党支部, reported by ltx_zb1. Ends logged in as ltx_zb1."""
    pk, name = launch_county_to_ltx(page, live_server)
    switch_user(page, live_server, "gxu")
    open_transfers(page)
    open_business(page, name)
    approve(page)
    switch_user(page, live_server, "ltx")
    open_transfers(page, section="接收")
    open_business(page, name)
    receive(page, phone="0771-5501234")
    confirm_receive(page)
    switch_user(page, live_server, "ltx_zb1")
    open_transfers(page, "未报到", section="接收")
    open_business(page, name)
    report(page)
    return pk, name


def receive(page, *, phone: str, branch: str = LTX_ZB1) -> None:
    """业务办理 → 接收: 转入本组织时间, 转入支部, 联系电话 → 确定 (opens the confirmations)."""
    page.click("a.btn:text-is('接收')")
    dialog = page.locator("#receive-dialog")
    dialog.locator("#id_received_on").fill(timezone.localdate().strftime("%Y-%m-%d"))
    dialog.locator("#id_branch").select_option(label=branch)
    dialog.locator("#id_handler_phone").fill(phone)
    dialog.locator("button:has-text('确定')").click()


def confirm_receive(page) -> None:
    dialog = page.locator("#receive-confirm-dialog")
    dialog.locator("input[name=confirmed_reported]").check()
    dialog.locator("input[name=confirmed_checked]").check()
    with page.expect_navigation():
        dialog.locator("button[type=submit]").click()


def report(page) -> None:
    page.click("a.btn:text-is('报到')")
    with page.expect_navigation():
        page.locator("#report-dialog button[type=submit]").click()


# -- 1. 县内直接转接 from 文学院 to 离退休党委, start to finish ---------------------------------


def test_county_transfer_from_launch_to_report(page, live_server, demo_db):
    login(page, live_server, "wxy")
    open_transfers(page)
    screenshot(page, "transfers_out_todo_wxy")
    [(pk, name)] = choose_members(page)
    screenshot(page, "apply_details_wxy")

    page.select_option("#id_transfer_type", label="县内直接转接")
    page.click("[data-open-search]")
    page.fill("#target-search-name", "离退休")
    page.click("[data-target-search]")
    page.locator(f"#target-dialog [data-pick][data-name='{LTX}']").wait_for()
    screenshot(page, "target_dialog_search")
    page.click(f"#target-dialog [data-pick][data-name='{LTX}']")
    assert page.input_value("#id_target_query") == LTX
    page.click("button[type=submit]:has-text('生成转接路径')")
    page.wait_for_url("**/transfers/apply/path/**")
    assert path_names(page) == [WXY, GXU, LTX]
    screenshot(page, "apply_path_preview")

    page.click("a.btn:has-text('确认发起')")
    dialog = page.locator("#launch-dialog")
    assert dialog.is_visible()
    assert "已核实党员信息同本人和档案资料等一致" in dialog.inner_text()
    ok = dialog.locator("button[type=submit]")
    assert ok.is_disabled()
    screenshot(page, "launch_dialog_disabled")
    dialog.locator("input[data-confirm]").check()
    assert ok.is_enabled()
    ok.click()
    page.wait_for_url("**/transfers/out/done/")
    assert f"已发起{name}的组织关系转接" in success_message(page)
    assert row_of(page, name).is_visible()
    screenshot(page, "launched_out_done")
    transfer = transfer_of(pk)
    assert transfer.state == TransferState.IN_PROGRESS

    # 广西某大学党委: 转出 · 待办工作 → 业务办理 → 同意.
    switch_user(page, live_server, "gxu")
    open_transfers(page, "待办工作")
    open_business(page, name)
    screenshot(page, "business_gxu")
    page.click("a.btn:text-is('同意')")
    dialog = page.locator("#approve-dialog")
    assert dialog.locator("button[type=submit]").is_disabled()
    assert "已审核过党员基本信息，确保党员数据真实准确" in dialog.inner_text()
    dialog.locator("input[data-confirm]").check()
    with page.expect_navigation():
        dialog.locator("button[type=submit]").click()
    assert "已同意" in success_message(page)
    assert LTX in success_message(page)

    # 离退休党委: 接收 · 待办工作 → 业务办理 → 接收.
    switch_user(page, live_server, "ltx")
    open_transfers(page, "待办工作", section="接收")
    screenshot(page, "in_todo_ltx")
    open_business(page, name)
    receive(page, phone="0771-5501234")
    dialog = page.locator("#receive-confirm-dialog")
    assert dialog.is_visible()
    ok = dialog.locator("button[type=submit]")
    assert ok.is_disabled()
    dialog.locator("input[name=confirmed_reported]").check()
    assert ok.is_disabled()  # both boxes
    screenshot(page, "receive_confirm_dialog")
    dialog.locator("input[name=confirmed_checked]").check()
    assert ok.is_enabled()
    with page.expect_navigation():
        ok.click()
    assert f"已接收{name}" in success_message(page)
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RECEIVED
    assert transfer.dest_branch.name == LTX_ZB1
    assert transfer.receive_handler_phone == "0771-5501234"
    assert transfer.received_on == timezone.localdate()
    # The step's state colours only its badge, not the whole line of the timeline.
    step = page.locator("li.timeline-step.state-received")
    assert step.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    screenshot(page, "received_detail")

    # 离退休第一党支部: 接收 · 未报到 → 业务办理 → 报到.
    switch_user(page, live_server, "ltx_zb1")
    open_transfers(page, "未报到", section="接收")
    screenshot(page, "unreported_ltx_zb1")
    open_business(page, name)
    report(page)
    assert "组织关系转接完成" in success_message(page)
    transfer.refresh_from_db()
    assert transfer.state == TransferState.COMPLETED
    member = Member.objects.get(pk=pk)
    assert member.branch.name == LTX_ZB1

    switch_user(page, live_server, "wxy")
    open_transfers(page, "转出历史")
    assert row_of(page, name).is_visible()
    screenshot(page, "out_history_wxy")
    switch_user(page, live_server, "ltx")
    open_transfers(page, "接收历史", section="接收")
    assert row_of(page, name).is_visible()
    assert LTX_ZB1 in row_of(page, name).inner_text()
    screenshot(page, "in_history_ltx")


# -- 2. 不同意: back to the initiator with the reason, corrected and launched again --------------


def test_rejected_transfer_returns_to_initiator_and_is_relaunched(page, live_server, demo_db):
    pk, name = launch_county_to_ltx(page, live_server)
    reason = "介绍信党费交至月份有误，请核实后重新发起。"

    switch_user(page, live_server, "gxu")
    open_transfers(page)
    open_business(page, name)
    page.click("a.btn:text-is('不同意')")
    dialog = page.locator("#reject-dialog")
    assert dialog.is_visible()
    dialog.locator("textarea[name=reason]").fill(reason)
    with page.expect_navigation():
        dialog.locator("button[type=submit]").click()
    assert "逐级退回至发起党组织" in success_message(page)
    assert Transfer.objects.get(member_id=pk).state == TransferState.RETURNED

    switch_user(page, live_server, "wxy")
    open_transfers(page, "待办工作")
    row = row_of(page, name, "table.table:below(h2:has-text('本党组织发起'))")
    assert reason in row.inner_text()
    assert "已退回" in row.inner_text()
    screenshot(page, "out_todo_returned_wxy")
    with page.expect_navigation():
        row.locator("td.actions a:has-text('修改并重新发起')").click()
    assert reason in page.locator(".notice-danger").inner_text()
    assert page.input_value("#id_target_query") == LTX
    page.fill("#id_dues_paid_through", "2026-10")
    screenshot(page, "relaunch_form")
    page.check("#id_confirmed")
    with page.expect_navigation():
        page.click("button[type=submit]:has-text('重新发起')")
    assert "已重新发起" in success_message(page)
    transfer = transfer_of(pk)
    assert transfer.state == TransferState.IN_PROGRESS
    assert transfer.pending_step.org.name == GXU
    assert transfer.dues_paid_through.month == 10
    screenshot(page, "relaunched_detail")


# -- 3. 更改 at 广西区党委: a 省内 transfer to 新竹街道 becomes 县内 to 离退休党委 ----------------


def test_change_of_target_along_the_path(page, live_server, demo_db):
    login(page, live_server, "wxy")
    open_transfers(page)
    [(pk, name)] = choose_members(page)
    page.select_option("#id_transfer_type", label="省内（系统内）转接")
    pick_target(page, "新竹街道", XINZHU)
    page.click("button[type=submit]:has-text('生成转接路径')")
    page.wait_for_url("**/transfers/apply/path/**")
    path = path_names(page)
    assert path[0] == WXY
    assert path[-1] == XINZHU
    assert "中共广西壮族自治区委员会" in path
    launch_from_preview(page)

    switch_user(page, live_server, "gxu")
    open_transfers(page)
    open_business(page, name)
    approve(page)

    switch_user(page, live_server, "gx")
    open_transfers(page)
    open_business(page, name)
    page.click("a.btn:text-is('更改')")
    dialog = page.locator("#change-dialog")
    assert dialog.is_visible()
    dialog.locator("#id_transfer_type").select_option(label="县内直接转接")
    pick_target(page, "离退休", LTX, root="#change-dialog")
    assert dialog.locator("#id_target_query").input_value() == LTX
    preview = dialog.locator(".path-preview ol.path")
    preview.wait_for()
    assert path_names(page, "#change-dialog .path-preview ol.path") == [
        "中共广西壮族自治区委员会",
        GXU,
        LTX,
    ]
    screenshot(page, "change_dialog_preview")
    dialog.locator("textarea[name=opinion]").fill("本人申请改转离退休党委。")
    with page.expect_navigation():
        dialog.locator("button[type=submit]:has-text('确定')").click()
    assert "已更改目的地党组织" in success_message(page)
    current = page.locator("ol.timeline").first
    live_steps = current.locator("li:not(.state-superseded):not(.state-cancelled) .path-org")
    assert live_steps.all_inner_texts()[-1] == LTX
    screenshot(page, "changed_detail")
    transfer = transfer_of(pk)
    assert transfer.target.name == LTX
    assert transfer.pending_step.org.name == GXU


# -- 4. 全国直接转接: 转出到系统外 locked, 办结 at 广西某大学党委, then 找回 ---------------------


def launch_national(page, live_server, target_name: str) -> tuple[int, str]:
    login(page, live_server, "wxy")
    open_transfers(page)
    return apply_transfer(page, transfer_type="全国直接转接", typed_name=target_name)


def conclude(page) -> None:
    page.click("a.btn:text-is('办结')")
    dialog = page.locator("#conclude-dialog")
    assert "是否确认在本党组织办结该组织关系转接" in dialog.inner_text()
    with page.expect_navigation():
        dialog.locator("button[type=submit]:has-text('确定')").click()


def test_national_transfer_is_concluded_out_of_the_system(page, live_server, demo_db):
    target_name = "中共北京市海淀区某街道工作委员会"
    login(page, live_server, "wxy")
    open_transfers(page)
    [(pk, name)] = choose_members(page)
    page.select_option("#id_transfer_type", label="全国直接转接")
    outside = page.locator("input[name=out_of_system]")
    assert outside.is_checked()
    assert outside.get_attribute("aria-disabled") == "true"
    outside.click(force=True)  # a real click on the locked box: it stays ticked
    assert outside.is_checked()
    assert page.locator("#id_target_name").is_visible()
    assert not page.locator("#id_target_query").is_visible()
    page.fill("#id_target_name", target_name)
    screenshot(page, "apply_national")
    page.click("button[type=submit]:has-text('生成转接路径')")
    page.wait_for_url("**/transfers/apply/path/**")
    assert path_names(page) == [WXY, GXU]
    assert "（转出到系统外）" in page.locator("dl.card").inner_text()
    launch_from_preview(page)

    switch_user(page, live_server, "gxu")
    open_transfers(page)
    assert "办结" in row_of(page, name).inner_text()
    open_business(page, name)
    page.click("a.btn:text-is('办结')")
    dialog = page.locator("#conclude-dialog")
    assert "是否确认在本党组织办结该组织关系转接" in dialog.inner_text()
    screenshot(page, "conclude_dialog")
    with page.expect_navigation():
        dialog.locator("button[type=submit]:has-text('确定')").click()
    assert "已办结" in success_message(page)
    transfer = transfer_of(pk)
    assert transfer.state == TransferState.CONCLUDED
    assert Member.objects.get(pk=pk).state == "out_of_system"

    switch_user(page, live_server, "wxy")
    open_transfers(page, "转出历史")
    assert target_name in row_of(page, name).inner_text()


def test_retrieve_a_member_concluded_by_mistake(page, live_server, demo_db):
    pk, name = launch_national(page, live_server, "中共湖北省某县委员会")
    switch_user(page, live_server, "gxu")
    open_transfers(page)
    open_business(page, name)
    conclude(page)
    member = Member.objects.get(pk=pk)
    assert member.state == "out_of_system"

    # 党员信息管理 → 党员信息维护 → 【找回】: the 身份证号, the match, one click.
    switch_user(page, live_server, "wxy")
    page.click("a.module:has-text('党员信息管理')")
    page.wait_for_url("**/members/")
    assert member.masked_id_number not in page.locator("table.table tbody").inner_text()
    page.click("a.btn:text-is('找回')")
    dialog = page.locator("#retrieve-dialog")
    assert dialog.is_visible()
    dialog.locator("#retrieve-id").fill(member.id_number)
    dialog.locator("[data-retrieve-search]").click()
    match = dialog.locator(".retrieve-results table")
    match.wait_for()
    assert name in match.inner_text()
    assert member.id_number in match.inner_text()
    screenshot(page, "retrieve_dialog")
    with page.expect_navigation():
        match.locator("button[type=submit]:has-text('找回')").click()
    assert f"已找回{name}" in success_message(page)
    member.refresh_from_db()
    assert member.state == "normal"
    assert transfer_of(pk).state == TransferState.RETRIEVED


# -- 5. 撤销 from 已办工作 ---------------------------------------------------------------------


def test_revoke_from_done_list(page, live_server, demo_db):
    pk, name = launch_county_to_ltx(page, live_server)
    assert page.url.endswith("/transfers/out/done/")
    row = row_of(page, name)
    row.locator("td.actions a:has-text('撤销')").click()
    dialog = page.locator("#revoke-dialog")
    assert dialog.is_visible()
    assert "你确定要撤销该组织关系转接吗？撤销后不可恢复！" in dialog.inner_text()
    screenshot(page, "revoke_dialog")
    with page.expect_navigation():
        dialog.locator("button[type=submit]:has-text('确定')").click()
    assert "已撤销" in success_message(page)
    assert transfer_of(pk).state == TransferState.REVOKED
    assert Member.objects.get(pk=pk).state == "normal"
    tab(page, "转出", "已办工作")
    assert row_of(page, name).count() == 0
    assert "暂无未办结的已办工作" in page.locator("table.table").inner_text()


# -- 6. 转出历史: search by 姓名 and the Excel export ---------------------------------------------


def test_history_search_and_excel_export(page, live_server, demo_db, tmp_path):
    pk, name = complete_county_transfer(page, live_server)
    member = Member.objects.get(pk=pk)

    switch_user(page, live_server, "wxy")
    open_transfers(page, "转出历史")
    page.fill("#id_name", "无此人")
    with page.expect_navigation():
        page.click(".search-form button[type=submit]")
    assert "没有符合条件的记录" in page.locator("table.table").inner_text()
    page.fill("#id_name", name)
    with page.expect_navigation():
        page.click(".search-form button[type=submit]")
    assert row_of(page, name).count() == 1
    assert member.masked_id_number in row_of(page, name).inner_text()
    screenshot(page, "out_history_search")

    with page.expect_download() as info:
        page.click("form.inline-form button:has-text('导出Excel')")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert "转出历史" in download.suggested_filename
    path = tmp_path / "history.xlsx"
    download.save_as(path)
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [
        "序号",
        "姓名",
        "性别",
        "身份证号",
        "转接类型",
        "转出党组织",
        "转入党组织",
        "转出日期",
        "转入日期",
        "状态",
    ]
    [data] = [r for r in rows[1:] if r[1] == name]
    assert data[3] == member.masked_id_number  # exports carry the masked number
    assert isinstance(data[3], str)
    assert len(data[3]) == 18
    assert data[4] == "县内直接转接"
    assert data[6] == LTX_ZB1
    assert data[9] == "已完成"
    assert len(rows) == 2  # the export follows the search


# -- 7. The letter as a PDF --------------------------------------------------------------------


def test_letter_pdf_carries_name_and_serial(page, live_server, demo_db, tmp_path):
    _pk, name = launch_county_to_ltx(page, live_server)
    with page.expect_navigation():
        row_of(page, name).locator("td.actions a:has-text('查看')").click()
    with page.expect_navigation():
        page.click("a.btn:has-text('查看介绍信')")
    serial = page.locator(".letter-main .letter-no .serial").inner_text().strip()
    assert re.fullmatch(r"\d{6}-\d{4}-\d{5}", serial)
    assert name in page.locator(".letter-main").inner_text()
    screenshot(page, "letter_html")
    with page.expect_download() as info:
        page.click("a.btn:has-text('下载PDF')")
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / "letter.pdf"
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(  # noqa: S603 - a fixed command on a file we just saved
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607 - poppler-utils on PATH
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    squeezed = re.sub(r"\s+", "", text)
    assert name in squeezed
    assert serial in squeezed
    assert "中国共产党党员组织关系介绍信" in squeezed


# -- 8. Bad input: a wrong phone number, a reason with markup ------------------------------------


def test_bad_phone_and_script_in_reason(page, live_server, demo_db):
    alerts = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    pk, name = launch_county_to_ltx(page, live_server)
    switch_user(page, live_server, "gxu")
    open_transfers(page)
    open_business(page, name)
    approve(page)
    transfer = transfer_of(pk)
    version = transfer.version

    switch_user(page, live_server, "ltx")
    open_transfers(page, section="接收")
    open_business(page, name)
    receive(page, phone="12345")
    confirm_receive(page)
    field = page.locator(".field.has-error", has=page.locator("#id_handler_phone"))
    assert "电话格式不正确" in field.locator(".field-error").inner_text()
    screenshot(page, "receive_bad_phone")
    transfer.refresh_from_db()
    assert transfer.state == TransferState.IN_PROGRESS
    assert transfer.version == version
    assert transfer.pending_step.org.name == LTX
    assert transfer.receive_handler_phone in ("", None)

    script = "<script>alert(1)</script>"
    page.click("nav.breadcrumb a:has-text('业务办理')")
    page.wait_for_url("**/transfers/t/*/")
    reject(page, f"信息有误{script}")
    opinion = page.locator(".timeline-opinion").filter(has_text="信息有误")
    assert script in opinion.inner_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content()

    switch_user(page, live_server, "wxy")
    open_transfers(page, "待办工作")
    assert script in row_of(page, name).inner_text()
    with page.expect_navigation():
        row_of(page, name).locator("td.actions a:has-text('查看')").click()
    assert script in page.locator(".notice-danger").inner_text()
    screenshot(page, "returned_with_markup")
    assert alerts == []


# -- 9. Without JavaScript: the plain pages carry the core flow ----------------------------------


def test_core_flow_without_javascript(browser, live_server, demo_db):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        login(page, live_server, "wxy")
        open_transfers(page)
        [(pk, name)] = choose_members(page)
        screenshot(page, "nojs_apply_details")
        assert not page.locator(".magnifier").is_visible()  # the 放大镜 needs JavaScript
        assert "请输入党组织名称" in page.locator(".no-js-hint").inner_text()
        page.select_option("#id_transfer_type", label="县内直接转接")
        page.fill("#id_target_query", LTX)
        page.click("button[type=submit]:has-text('生成转接路径')")
        page.wait_for_url("**/transfers/apply/path/**")
        assert path_names(page) == [WXY, GXU, LTX]
        confirm = page.locator(".no-js-confirm")
        assert confirm.is_visible()
        with page.expect_navigation():
            confirm.locator("button[type=submit]").click()  # not ticked: refused
        assert "已核实党员信息同本人和档案资料等一致" in page.locator(".no-js-confirm").inner_text()
        assert transfer_of(pk).state == TransferState.DRAFT
        screenshot(page, "nojs_launch_refused")
        page.locator(".no-js-confirm input[type=checkbox]").check()
        with page.expect_navigation():
            page.locator(".no-js-confirm button[type=submit]").click()
        page.wait_for_url("**/transfers/out/done/")
        assert f"已发起{name}" in success_message(page)

        switch_user(page, live_server, "gxu")
        open_transfers(page)
        open_business(page, name)
        with page.expect_navigation():
            page.click("a.btn:text-is('同意')")
        assert page.url.endswith("/approve/")
        screenshot(page, "nojs_approve_page")
        page.check("input[name=confirmed]")
        with page.expect_navigation():
            page.click("form.action-form button[type=submit]")
        assert "已同意" in success_message(page)
        transfer = transfer_of(pk)
        assert transfer.pending_step.org.name == LTX
    finally:
        context.close()
