"""What the pages do with what users type and tick (DESIGN.md §4 "Every confirmation checkbox is
enforced on the server"): an unticked box, a bad field, text that is too long or looks like HTML,
a form that is out of date. Each is refused in Chinese, next to the field, and nothing changes."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from tests.transfer_helpers import actor_for, fresh, launch, org_of, receive
from tests.transfer_view_helpers import (
    XSS,
    XSS_ESCAPED,
    application_data,
    conclude_data,
    inbound_data,
    national,
    receive_data,
    snapshot,
    stage,
    text,
    url,
    wxy_member,
    wxy_members,
)
from transfers import services
from transfers.models import Transfer, TransferState
from transfers.services import CONFIRM_CHECKED, CONFIRM_LAUNCH, CONFIRM_REPORTED

pytestmark = pytest.mark.django_db

S = TransferState
UNTICKED = [None, "", "false"]
LONG = "长" * 10_000


def ticked(data: dict, field: str, value) -> dict:
    data = dict(data)
    if value is None:
        data.pop(field, None)
    else:
        data[field] = value
    return data


def assert_refused(response, transfer, before, message, *, field=None, form="form"):
    assert response.status_code == 400
    assert message in text(response)
    if field:
        assert any(message in e for e in response.context[form].errors[field]), response.context[
            form
        ].errors
    assert snapshot(transfer) == before


# -- unticked confirmations --------------------------------------------------------------------


@pytest.mark.parametrize("value", UNTICKED)
def test_approve_without_the_box_is_refused(client_as, value):
    transfer = stage("launched")
    before = snapshot(transfer)
    data = ticked({"version": transfer.version, "confirmed": "on"}, "confirmed", value)
    response = client_as("gxu").post(url("approve", transfer), data)
    assert_refused(response, transfer, before, f"请勾选“{CONFIRM_CHECKED}”。", field="confirmed")


@pytest.mark.parametrize("value", UNTICKED)
@pytest.mark.parametrize(
    ("box", "label"),
    [("confirmed_reported", CONFIRM_REPORTED), ("confirmed_checked", CONFIRM_CHECKED)],
)
def test_receive_without_either_box_is_refused(client_as, box, label, value):
    transfer = stage("at_receiver")
    before = snapshot(transfer)
    data = ticked(receive_data(transfer), box, value)
    response = client_as("ltx").post(url("receive", transfer), data)
    assert_refused(response, transfer, before, f"请勾选“{label}”。", field=box)


@pytest.mark.parametrize("value", UNTICKED)
def test_conclude_without_confirming_is_refused(client_as, value):
    transfer = national()
    before = snapshot(transfer)
    data = ticked(conclude_data(transfer), "confirmed", value)
    response = client_as("gxu").post(url("conclude", transfer), data)
    assert_refused(
        response, transfer, before, "请确认在本党组织办结该组织关系转接。", field="confirmed"
    )
    assert "是否确认在本党组织办结该组织关系转接" in text(response)


@pytest.mark.parametrize(
    ("action", "who", "kind", "message"),
    [
        ("revoke", "wxy", "launched", "请确认撤销。"),
        ("report", "ltx", "received", "请确认该党员已报到。"),
    ],
)
@pytest.mark.parametrize("value", UNTICKED)
def test_revoke_and_report_without_confirming_are_refused(
    client_as, action, who, kind, message, value
):
    transfer = stage(kind)
    before = snapshot(transfer)
    data = ticked({"version": transfer.version}, "confirmed", value)
    response = client_as(who).post(url(action, transfer), data)
    assert_refused(response, transfer, before, message)


@pytest.mark.parametrize("value", UNTICKED)
def test_apply_launch_without_the_box_is_refused(client_as, value):
    draft = stage("draft")
    before = snapshot(draft)
    data = ticked({"ids": draft.pk, "confirmed": "on"}, "confirmed", value)
    response = client_as("wxy").post(url("apply_launch"), data)
    assert_refused(response, draft, before, f"请勾选“{CONFIRM_LAUNCH}”。", field="confirmed")
    assert "转接路径" in text(response)  # back on the path page, to tick and try again


@pytest.mark.parametrize("value", UNTICKED)
def test_relaunch_without_the_box_is_refused(client_as, value):
    transfer = stage("returned")
    before = snapshot(transfer)
    data = ticked(application_data(version=transfer.version), "confirmed", value)
    response = client_as("wxy").post(url("relaunch", transfer), data)
    assert_refused(
        response, transfer, before, f"请勾选“{CONFIRM_LAUNCH}”。", field="confirmed", form="confirm"
    )


def test_launching_one_draft_without_the_box_redirects_with_the_reason(client_as):
    draft = stage("draft")
    before = snapshot(draft)
    response = client_as("wxy").post(url("launch", draft), {}, follow=True)
    assert response.redirect_chain[-1][0] == url("detail", draft)
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors == [f"请勾选“{CONFIRM_LAUNCH}”。"]
    assert snapshot(draft) == before


# -- bad fields --------------------------------------------------------------------------------


def test_an_id_number_with_a_wrong_check_digit_is_refused_in_the_inbound_form(client_as):
    count = Transfer.objects.count()
    data = inbound_data(id_number="45010319900101123X")  # the check digit is 8
    response = client_as("wxy").post(url("inbound_details"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["id_number"] == ["身份证号校验位不正确，请核对。"]
    assert "身份证号校验位不正确，请核对。" in text(response)
    assert Transfer.objects.count() == count


@pytest.mark.parametrize(
    ("id_number", "message"),
    [
        ("4501031990010112", "身份证号应为18位。"),
        ("99010319900101123X", "身份证号的地址码不正确。"),
        ("450103199002301238", "身份证号中的出生日期不存在。"),
    ],
)
def test_other_bad_id_numbers_are_refused_in_the_inbound_form(client_as, id_number, message):
    count = Transfer.objects.count()
    response = client_as("wxy").post(url("inbound_details"), inbound_data(id_number=id_number))
    assert response.status_code == 400
    assert response.context["form"].errors["id_number"] == [message]
    assert Transfer.objects.count() == count


def test_an_inbound_id_number_of_a_member_in_the_system_is_refused(client_as):
    count = Transfer.objects.count()
    data = inbound_data(id_number=wxy_member().id_number)
    response = client_as("wxy").post(url("inbound_details"), data)
    assert response.status_code == 400
    assert (
        "该身份证号的党员已在本系统中，无需转入。" in response.context["form"].errors["id_number"]
    )
    assert Transfer.objects.count() == count


@pytest.mark.parametrize(
    ("received_on", "message"),
    [
        (timezone.localdate() + dt.timedelta(days=1), "转入本组织时间不能晚于今天。"),
        (timezone.localdate() - dt.timedelta(days=1), "转入本组织时间不能早于发起日期"),
        ("2026-02-30", "请按“2026-11-27”的格式填写日期。"),
    ],
)
def test_a_received_on_date_in_the_future_or_before_the_launch_is_refused(
    client_as, received_on, message
):
    transfer = stage("at_receiver")  # launched today
    before = snapshot(transfer)
    data = receive_data(transfer, received_on=str(received_on))
    response = client_as("ltx").post(url("receive", transfer), data)
    assert_refused(response, transfer, before, message, field="received_on")


@pytest.mark.parametrize("phone", ["12345", "abc", "1380013800", "0771"])
def test_a_phone_that_is_not_one_is_refused(client_as, phone):
    message = "电话格式不正确"
    transfer = stage("at_receiver")
    before = snapshot(transfer)
    response = client_as("ltx").post(
        url("receive", transfer), receive_data(transfer, handler_phone=phone)
    )
    assert_refused(response, transfer, before, message, field="handler_phone")

    count = Transfer.objects.count()
    details = url("apply_details") + f"?members={wxy_members(1)[0].pk}"
    response = client_as("wxy").post(details, application_data(member_phone=phone))
    assert response.status_code == 400
    assert message in response.context["form"].errors["member_phone"][0]
    response = client_as("wxy").post(url("inbound_details"), inbound_data(phone=phone))
    assert response.status_code == 400
    assert message in response.context["form"].errors["phone"][0]
    assert Transfer.objects.count() == count


@pytest.mark.parametrize("branch", ["xwcb_zb1", "wxy_zb2", "ltx", "gxu"])
def test_a_branch_not_under_the_receiving_committee_is_refused(client_as, branch):
    transfer = stage("at_receiver")
    before = snapshot(transfer)
    data = receive_data(transfer, branch=org_of(branch).pk)
    response = client_as("ltx").post(url("receive", transfer), data)
    assert response.status_code == 400
    errors = response.context["form"].errors["branch"]
    assert errors
    assert all(any("\u4e00" <= c <= "\u9fff" for c in e) for e in errors), errors  # Chinese
    assert errors[0] in text(response)
    assert snapshot(transfer) == before
    # The form comes back with the committee's branches to choose from.
    assert f'<option value="{org_of("ltx_zb1").pk}"' in response.content.decode()


def test_a_receive_checks_its_branch_without_building_the_list_of_branches(client_as, monkeypatch):
    """The list is for showing the form; the branch posted is checked by one compiled query."""
    from transfers import services

    built = []
    real = services.direct_branches
    monkeypatch.setattr(services, "direct_branches", lambda org: built.append(org) or real(org))
    transfer = stage("at_receiver")
    response = client_as("ltx").post(url("receive", transfer), receive_data(transfer))
    assert response.status_code == 302
    assert built == []
    client_as("ltx").get(url("detail", stage("at_receiver")))  # the dialog lists them
    assert built == [org_of("ltx")]


@pytest.mark.parametrize("reason", ["", "   ", "\n\t "])
@pytest.mark.parametrize(
    ("action", "who", "kind"), [("reject", "gxu", "launched"), ("send_back", "ltx", "received")]
)
def test_an_empty_reason_is_refused(client_as, action, who, kind, reason):
    transfer = stage(kind)
    before = snapshot(transfer)
    data = {"version": transfer.version, "reason": reason}
    response = client_as(who).post(url(action, transfer), data)
    assert_refused(response, transfer, before, "请填写理由。", field="reason")


@pytest.mark.parametrize(
    ("action", "who", "kind", "field", "data"),
    [
        ("receive", "ltx", "at_receiver", "remarks", None),
        ("approve", "gxu", "launched", "opinion", {"confirmed": "on"}),
        ("reject", "gxu", "launched", "reason", {}),
        ("send_back", "ltx", "received", "reason", {}),
        ("change", "gxu", "launched", "opinion", {"transfer_type": "county"}),
    ],
)
def test_a_ten_thousand_character_text_is_refused_as_too_long(
    client_as, action, who, kind, field, data
):
    transfer = stage(kind)
    before = snapshot(transfer)
    data = receive_data(transfer) if data is None else {"version": transfer.version, **data}
    if action == "change":
        data["target"] = org_of("xwcb_zb1").pk
    data[field] = LONG
    response = client_as(who).post(url(action, transfer), data)
    assert response.status_code == 400
    [error] = response.context["form"].errors[field]
    assert "500" in error, error
    assert "10000" in error, error
    assert error in text(response)
    assert snapshot(transfer) == before


def test_a_too_long_letter_remark_is_refused_in_the_application(client_as):
    count = Transfer.objects.count()
    details = url("apply_details") + f"?members={wxy_member().pk}"
    response = client_as("wxy").post(details, application_data(letter_remarks=LONG))
    assert response.status_code == 400
    assert "500" in response.context["form"].errors["letter_remarks"][0]
    assert Transfer.objects.count() == count


# -- text that looks like HTML is shown as text ------------------------------------------------


def assert_escaped(response):
    assert response.status_code == 200
    assert XSS not in text(response)
    assert XSS_ESCAPED in text(response)


def test_a_script_in_a_rejection_reason_is_shown_escaped(client_as):
    transfer = stage("launched")
    response = client_as("gxu").post(
        url("reject", transfer), {"version": transfer.version, "reason": XSS}, follow=True
    )
    assert fresh(transfer).return_reason == XSS
    assert_escaped(response)  # the detail page: notice, timeline and event log
    wxy = client_as("wxy")
    assert_escaped(wxy.get(url("detail", transfer)))
    assert_escaped(wxy.get(url("out_todo")))  # 退回原因 in the own applications
    assert_escaped(wxy.get(url("relaunch", transfer)))


def test_a_script_in_an_approval_opinion_and_a_receive_remark_is_shown_escaped(client_as):
    transfer = stage("launched")
    data = {"version": transfer.version, "confirmed": "on", "opinion": XSS}
    assert_escaped(client_as("gxu").post(url("approve", transfer), data, follow=True))
    data = receive_data(transfer, remarks=XSS + "备注")
    response = client_as("ltx").post(url("receive", transfer), data, follow=True)
    assert_escaped(response)
    assert fresh(transfer).receive_remarks == XSS + "备注"
    assert_escaped(client_as("wxy").get(url("detail", transfer)))


def test_a_script_as_a_member_name_in_the_inbound_form_is_shown_escaped(client_as):
    client = client_as("wxy")
    response = client.post(url("inbound_details"), inbound_data(name=XSS), follow=True)
    assert_escaped(response)  # the path page
    transfer = Transfer.objects.get(member_name=XSS)
    response = client.post(url("launch", transfer), {}, follow=True)
    assert_escaped(response)  # 接收 · 已办工作, where it lands
    assert_escaped(client.get(url("in_todo")))  # 文学院党委 receives it itself
    assert_escaped(client.get(url("detail", transfer)))
    assert_escaped(client.get(url("letter", transfer)))
    page = client.get(url("receive", transfer))
    assert_escaped(page)
    data = receive_data(transfer, branch=org_of("wxy_zb1").pk)
    assert_escaped(client.post(url("receive", transfer), data, follow=True))
    assert_escaped(client.get(url("in_unreported")))
    assert_escaped(client_as("wxy_zb1").get(url("in_unreported")))
    assert_escaped(client.post(url("report", transfer), {"confirmed": "on"}, follow=True))
    assert_escaped(client.get(url("in_history")))
    assert_escaped(client_as("gxu").get(url("in_history")))


def test_a_script_typed_as_a_target_outside_the_tree_is_shown_escaped(client_as):
    client = client_as("wxy")
    details = url("apply_details") + f"?members={wxy_member().pk}"
    data = application_data(transfer_type="national", target="", target_name=XSS)
    response = client.post(details, data, follow=True)
    assert_escaped(response)
    [draft] = Transfer.objects.filter(target_name=XSS)
    client.post(url("apply_launch"), {"ids": draft.pk, "confirmed": "on"})
    assert_escaped(client.get(url("out_done")))
    assert_escaped(client_as("gxu").get(url("out_todo")))
    assert_escaped(client.get(url("letter", draft)))


# -- a stale form --------------------------------------------------------------------------------


STALE = "请刷新页面后查看"


def test_approve_with_an_old_version_after_someone_else_acted_is_refused(client_as):
    transfer = stage("launched")
    old = transfer.version
    services.approve(actor=actor_for(org_of("gxu")), transfer=transfer, confirmed=True)
    before = snapshot(transfer)
    data = {"version": old, "confirmed": "on"}
    response = client_as("gxu").post(url("approve", transfer), data)
    assert_refused(response, transfer, before, STALE)
    errors = [str(m) for m in response.context["messages"]]
    assert len(errors) == 1
    assert STALE in errors[0]


@pytest.mark.parametrize(
    ("action", "who", "data"),
    [
        ("approve", "gxu", {"confirmed": "on"}),
        ("reject", "gxu", {"reason": "材料不全"}),
        ("change", "gxu", {"transfer_type": "county", "target": "XWCB"}),
        ("revoke", "wxy", {"confirmed": "on"}),
    ],
)
def test_a_page_loaded_before_someone_else_acted_is_refused(client_as, action, who, data):
    transfer = stage("launched")
    page = client_as(who).get(url(action, transfer))
    version = page.context["form"]["version"].value()
    # meanwhile, in another window, the same organisation 不同意s
    services.reject(actor=actor_for(org_of("gxu")), transfer=transfer, reason="材料不全")
    before = snapshot(transfer)
    data = {**data, "version": version}
    if data.get("target") == "XWCB":
        data["target"] = org_of("xwcb_zb1").pk
    response = client_as(who).post(url(action, transfer), data)
    assert response.status_code == 400
    assert STALE in text(response) or "当前不是本党组织的办理环节" in text(response)
    assert snapshot(transfer) == before


def test_receive_with_an_old_version_is_refused(client_as):
    transfer = stage("at_receiver")
    data = receive_data(transfer)
    receive(transfer, org_of("ltx_zb2"))
    before = snapshot(transfer)
    response = client_as("ltx").post(url("receive", transfer), data)
    assert response.status_code == 400
    assert STALE in text(response)
    assert snapshot(transfer) == before


def test_a_second_launch_of_the_same_draft_says_it_was_launched(client_as):
    draft = stage("draft")
    launch(draft)
    before = snapshot(draft)
    response = client_as("wxy").post(url("apply_launch"), {"ids": draft.pk, "confirmed": "on"})
    assert response.status_code == 302  # to 已办工作, where the launched transfer is
    assert response.url == url("out_done")
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "该转接已由中共广西某大学文学院委员会于" in message
    assert "办理（确认发起）" in message
    assert snapshot(draft) == before


@pytest.mark.parametrize("version", ["abc", "²", "-1", ""])
def test_relaunch_with_a_garbled_version_is_not_a_server_error(client_as, version):
    transfer = stage("returned")
    data = application_data(version=version, confirmed="on")
    response = client_as("wxy").post(url("relaunch", transfer), data)
    assert response.status_code == 302  # the hidden field is ignored; the state was checked
    assert fresh(transfer).state == S.IN_PROGRESS
