"""Who may open which page of 组织关系转接 and who may press which button (DESIGN.md §4, §6).

Anonymous users go to the login page; an organisation outside a transfer's route gets 404 on every
URL of it; a 党支部 or 党总支 gets 403 on the pages only a 党委 may use; an organisation whose turn
it is not is refused with a message and nothing changes; the right node succeeds and the page it
lands on says in Chinese what happened.
"""

from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.transfer_helpers import fresh, org_of
from tests.transfer_view_helpers import (
    STAGES,
    application_data,
    conclude_data,
    inbound,
    listed,
    national,
    receive_data,
    snapshot,
    stage,
    success_message,
    text,
    url,
    wxy_members,
)
from transfers.models import TransferState, TransferType

pytestmark = pytest.mark.django_db

S = TransferState

LIST_PAGES = [
    "out_todo",
    "out_done",
    "out_history",
    "in_todo",
    "in_done",
    "in_unreported",
    "in_history",
]
EXPORTS = ["out_history_export", "in_history_export"]
WIZARD_PAGES = ["apply_members", "apply_details", "apply_preview", "apply_launch"]
INBOUND_PAGES = ["inbound_start", "inbound_exchange", "inbound_details"]
OBJECT_PAGES = ["detail", "letter", "letter_pdf", "change_preview", "inbound_preview"]


def change_data(t):
    return {
        "version": t.version,
        "transfer_type": TransferType.COUNTY,
        "target": org_of("xwcb_zb1").pk,
        "target_query": "广西某大学新闻与传播学院教工党支部",
        "opinion": "本人申请改转新闻与传播学院",
    }


# action → (how to build the transfer, the node whose turn it is, the POST, what it says, the
# state after, where it lands)
ACTIONS = {
    "approve": (
        lambda: stage("launched"),
        "gxu",
        lambda t: {"version": t.version, "confirmed": "on", "opinion": "同意"},
        "已同意。转接已送至中共广西某大学离退休工作委员会接收。",
        S.IN_PROGRESS,
        "detail",
    ),
    "reject": (
        lambda: stage("launched"),
        "gxu",
        lambda t: {"version": t.version, "reason": "材料不全"},
        "已不同意，该转接已逐级退回至发起党组织。转接当前状态：已退回。",
        S.RETURNED,
        "detail",
    ),
    "change": (
        lambda: stage("launched"),
        "gxu",
        change_data,
        "已更改目的地党组织并重新生成转接路径。转接已送至中共广西某大学新闻与传播学院委员会接收。",
        S.IN_PROGRESS,
        "detail",
    ),
    "receive": (
        lambda: stage("at_receiver"),
        "ltx",
        receive_data,
        "编入广西某大学离退休第一党支部，等待党员报到（未报到）。",
        S.RECEIVED,
        "detail",
    ),
    "conclude": (
        national,
        "gxu",
        conclude_data,
        "已办结，该党员组织关系已转出到系统外。转接当前状态：已办结。",
        S.CONCLUDED,
        "detail",
    ),
    "revoke": (
        lambda: stage("launched"),
        "wxy",
        lambda t: {"version": t.version, "confirmed": "on"},
        "已撤销该组织关系转接。转接当前状态：已撤销。",
        S.REVOKED,
        "detail",
    ),
    "report": (
        lambda: stage("received"),
        "ltx_zb1",
        lambda t: {"version": t.version, "confirmed": "on"},
        "已办理报到，组织关系转接完成。转接当前状态：已完成。",
        S.COMPLETED,
        "detail",
    ),
    "send_back": (
        lambda: stage("received"),
        "ltx",
        lambda t: {"version": t.version, "reason": "本人未到离退休党委报到"},
        "已退回，该党员已回到原党支部，转接已退回至发起党组织。转接当前状态：已退回。",
        S.RETURNED,
        "detail",
    ),
    "relaunch": (
        lambda: stage("returned"),
        "wxy",
        lambda t: application_data(version=t.version, confirmed="on"),
        "已重新发起。转接已送至中共广西某大学委员会审批。",
        S.IN_PROGRESS,
        "detail",
    ),
    "launch": (
        inbound,
        "wxy",
        lambda t: {"confirmed": "on"},
        "已确认发起。转接已送至中共广西某大学文学院委员会接收。",
        S.IN_PROGRESS,
        "in_done",
    ),
}
POST_ONLY = {"launch"}
COMMITTEE_ONLY = {"receive", "send_back", "relaunch", "launch"}


# -- anonymous ----------------------------------------------------------------------------------


def test_every_page_and_action_sends_an_anonymous_visitor_to_the_login_page(client):
    transfer = stage("launched")
    before = snapshot(transfer)
    urls = [url(n) for n in [*LIST_PAGES, *EXPORTS, *WIZARD_PAGES, *INBOUND_PAGES]]
    urls += [url("target_search") + "?type=county", url("index")]
    urls += [url(n, transfer) for n in [*OBJECT_PAGES, *ACTIONS]]
    for address in urls:
        for method in (client.get, client.post):
            response = method(address, {"confirmed": "on", "version": transfer.version})
            assert response.status_code == 302, (address, response.status_code)
            assert response.url.startswith(reverse("login") + "?next="), address
    assert snapshot(transfer) == before


# -- a sibling or another province: the transfer does not exist ------------------------------------


@pytest.mark.parametrize("outsider", ["xwcb", "hn"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_an_action_of_another_organisations_transfer_is_404(client_as, action, outsider):
    build, _right, data, *_ = ACTIONS[action]
    transfer = build()
    before = snapshot(transfer)
    client = client_as(outsider)
    if action not in POST_ONLY:
        assert client.get(url(action, transfer)).status_code == 404
    assert client.post(url(action, transfer), data(transfer)).status_code == 404
    assert snapshot(transfer) == before


@pytest.mark.parametrize("outsider", ["xwcb", "hn", "xwcb_zb1", "yl_jd_zb1"])
@pytest.mark.parametrize("page", ["detail", "letter", "letter_pdf", "change_preview"])
def test_the_pages_of_another_organisations_transfer_are_404(client_as, page, outsider):
    transfer = stage("launched")
    query = "?transfer_type=county&target=" + str(org_of("xwcb_zb1").pk)
    response = client_as(outsider).get(url(page, transfer) + query)
    assert response.status_code == 404


@pytest.mark.parametrize("outsider", ["xwcb", "hn"])
def test_another_committees_drafts_are_404_in_the_wizards(client_as, outsider):
    draft = stage("draft")
    typed = inbound()
    client = client_as(outsider)
    assert client.get(url("apply_preview") + f"?ids={draft.pk}").status_code == 404
    assert client.get(url("apply_details") + f"?ids={draft.pk}").status_code == 404
    launch = client.post(url("apply_launch"), {"ids": draft.pk, "confirmed": "on"})
    assert launch.status_code == 404
    assert client.get(url("inbound_preview", typed)).status_code == 404
    assert client.get(url("target_search") + f"?type=county&transfer={draft.pk}").status_code == 404
    assert fresh(draft).state == S.DRAFT
    assert fresh(typed).state == S.DRAFT


def test_a_sibling_committees_lists_and_exports_show_none_of_the_transfers(client_as):
    members = wxy_members(len(STAGES))
    transfers = [stage(s, member=m) for s, m in zip(STAGES, members, strict=True)]
    ids = {t.pk for t in transfers}
    for outsider in ("xwcb", "hn", "xwcb_zb1"):
        client = client_as(outsider)
        for page in LIST_PAGES:
            response = client.get(url(page))
            assert response.status_code == 200, (outsider, page)
            assert not listed(response) & ids, (outsider, page)
            if page == "out_todo":
                assert not {t.pk for t in response.context["own"].rows} & ids
            names = {t.member_name for t in transfers}
            assert not any(f"<td>{n}</td>" in text(response) for n in names), (outsider, page)
        for export in EXPORTS:
            response = client.post(url(export))
            assert response.status_code == 200
            exported = _exported_id_numbers(response)
            assert not exported & {t.id_number for t in transfers}, (outsider, export)


def _exported_id_numbers(response) -> set[str]:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    header = [c.value for c in book.active[1]]
    column = header.index("身份证号")
    return {row[column].value for row in book.active.iter_rows(min_row=2)}


def test_the_lists_show_each_transfer_to_the_organisations_on_its_way(client_as):
    """The positive control of the test above: the same transfers, seen by the right lists."""
    members = wxy_members(len(STAGES))
    # the completed one first: its member is in 文学院教工党支部 (wxy_zb1)
    order = ["completed", *(s for s in STAGES if s != "completed")]
    t = {s: stage(s, member=m) for s, m in zip(order, members, strict=True)}
    assert t["completed"].source_branch == org_of("wxy_zb1")
    expect = {
        ("gxu", "out_todo"): {t["launched"].pk},
        # a returned transfer is unfinished, so it stays in 已办工作 as well as in 待办工作
        ("wxy", "out_done"): {t[s].pk for s in ("launched", "at_receiver", "received", "returned")},
        ("wxy", "out_history"): {t["completed"].pk},
        ("wxy_zb1", "out_history"): {t["completed"].pk},
        ("ltx", "in_todo"): {t["at_receiver"].pk},
        ("ltx", "in_done"): {t["received"].pk},
        ("ltx", "in_unreported"): {t["received"].pk},
        ("ltx_zb1", "in_unreported"): {t["received"].pk},
        ("ltx", "in_history"): {t["completed"].pk},
    }
    for (who, page), ids in expect.items():
        response = client_as(who).get(url(page))
        assert response.status_code == 200
        assert listed(response) == ids, (who, page)
    own = client_as("wxy").get(url("out_todo")).context["own"].rows
    assert {o.pk for o in own} == {t["draft"].pk, t["returned"].pk}


# -- 党支部 and 党总支: the committee-only pages are 403 ---------------------------------------


@pytest.mark.parametrize("who", ["wxy_zb1", "wxy_zzb1", "ltx_zb1"])
def test_branches_get_403_on_the_committee_only_pages(client_as, who):
    m = wxy_members(5)
    draft = stage("draft", member=m[0])
    received = stage("received", member=m[1])
    returned = stage("returned", member=m[2])
    at_receiver = stage("at_receiver", member=m[3])
    typed = inbound()
    everything = [draft, received, returned, at_receiver, typed]
    before = [snapshot(x) for x in everything]
    client = client_as(who)
    ids = f"?ids={draft.pk}"
    gets = [url(n) for n in ("apply_members", *INBOUND_PAGES)]
    gets += [
        url("apply_details") + f"?members={m[4].pk}",
        url("apply_details") + ids,
        url("apply_preview") + ids,
        url("inbound_preview", typed),
        url("receive", at_receiver),
        url("send_back", received),
        url("relaunch", returned),
    ]
    for address in gets:
        assert client.get(address).status_code == 403, address
    posts = [
        (url("apply_details") + ids, application_data()),
        (url("apply_launch"), {"ids": draft.pk, "confirmed": "on"}),
        (url("inbound_details"), {}),
        (url("receive", at_receiver), receive_data(at_receiver)),
        (url("send_back", received), {"reason": "未报到", "version": received.version}),
        (url("relaunch", returned), application_data(confirmed="on")),
        (url("launch", typed), {"confirmed": "on"}),
    ]
    for address, data in posts:
        assert client.post(address, data).status_code == 403, address
    assert [snapshot(x) for x in everything] == before


def test_a_branch_sees_its_members_transfer_without_any_action(client_as):
    transfer = stage("launched")
    response = client_as("wxy_zb1").get(url("detail", transfer))
    assert response.status_code == 200
    assert "本党组织可办理" not in text(response)
    assert not any(response.context["actions"].values())
    assert "本党组织可办理" in text(client_as("gxu").get(url("detail", transfer)))


# -- not this organisation's turn: refused, nothing changes --------------------------------------

NOT_MY_TURN = "当前不是本党组织的办理环节"
AFTER_MY_TURN = "该转接已由中共广西某大学委员会于"

# (action, who, the transfer, what the refusal says)
REFUSALS = [
    # 广西区党委 is above the university but not on this county route's turn.
    ("approve", "gx", "launched", NOT_MY_TURN),
    ("reject", "gx", "launched", NOT_MY_TURN),
    ("change", "gx", "launched", NOT_MY_TURN),
    ("conclude", "gx", "national", NOT_MY_TURN),
    # 广西某大学党委 after its own 同意: the turn is 离退休党委's, and it is told who acted last.
    ("approve", "gxu", "at_receiver", AFTER_MY_TURN),
    ("reject", "gxu", "at_receiver", AFTER_MY_TURN),
    ("change", "gxu", "at_receiver", AFTER_MY_TURN),
    ("conclude", "gxu", "at_receiver", AFTER_MY_TURN),
    # the node that concludes cannot approve instead
    ("approve", "gxu", "national", "本节点的职责是“办结”，不能办理此操作。"),
    # the receiving committee before its turn
    ("receive", "ltx", "launched", NOT_MY_TURN),
    ("approve", "ltx", "launched", NOT_MY_TURN),
    # only the initiator revokes, and not after 接收
    ("revoke", "gxu", "launched", "只有发起党组织可以撤销该转接。"),
    ("revoke", "wxy", "received", "该党员已被接收，不能撤销"),
    # 报到 and 退回 belong to the receiving side, after 接收
    ("report", "ltx", "launched", "该转接当前状态为“审批中”，不能办理报到。"),
    ("report", "wxy", "received", "只有转入支部或其上级党委可以办理报到。"),
    ("send_back", "wxy", "received", "只有接收方党委可以退回该党员。"),
    ("send_back", "ltx", "launched", "该转接当前状态为“审批中”，不能退回。"),
    # the member's own branch, on the way out: never its turn
    ("approve", "wxy_zb1", "launched", NOT_MY_TURN),
    ("reject", "wxy_zb1", "launched", NOT_MY_TURN),
    ("change", "wxy_zb1", "launched", NOT_MY_TURN),
    ("conclude", "wxy_zb1", "national", NOT_MY_TURN),
    ("revoke", "wxy_zb1", "launched", "只有发起党组织可以撤销该转接。"),
    ("report", "wxy_zb1", "received", "只有转入支部或其上级党委可以办理报到。"),
]


def _build(kind: str):
    return national() if kind == "national" else stage(kind)


@pytest.mark.parametrize(("action", "who", "kind", "message"), REFUSALS)
def test_an_action_out_of_turn_is_refused_and_changes_nothing(
    client_as, action, who, kind, message
):
    transfer = _build(kind)
    before = snapshot(transfer)
    response = client_as(who).post(url(action, transfer), ACTIONS[action][2](transfer))
    assert response.status_code == 400
    assert message in text(response)
    assert snapshot(transfer) == before


def test_receive_by_the_university_when_it_is_not_its_turn_is_refused(client_as):
    """Its form offers only its own direct branches (none), so the branch is refused too."""
    transfer = stage("at_receiver")
    before = snapshot(transfer)
    response = client_as("gxu").post(url("receive", transfer), receive_data(transfer))
    assert response.status_code == 400
    assert response.context["form"].errors["branch"]
    assert snapshot(transfer) == before


@pytest.mark.parametrize(
    ("action", "who", "kind", "message"),
    [
        ("relaunch", "gxu", "returned", "只有被退回至本党组织的转接可以修改后重新发起。"),
        ("relaunch", "wxy", "launched", "只有被退回至本党组织的转接可以修改后重新发起。"),
        ("launch", "wxy", "launched", "该转接已发起，不能重复发起。"),
    ],
)
def test_relaunch_and_launch_out_of_turn_redirect_with_the_reason(
    client_as, action, who, kind, message
):
    transfer = stage(kind)
    before = snapshot(transfer)
    data = application_data(version=transfer.version, confirmed="on")
    response = client_as(who).post(url(action, transfer), data, follow=True)
    assert response.redirect_chain[-1][0] == url("detail", transfer)
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors == [message]
    assert message in text(response)
    assert snapshot(transfer) == before


def test_another_organisations_draft_does_not_exist_for_it(client_as):
    """Drafts are visible only to their initiator (not the route, the branch or superiors)."""
    transfer = stage("draft")
    for who in ["gxu", "ltx", "wxy_zb1", "gx"]:
        client = client_as(who)
        assert client.get(url("detail", transfer)).status_code == 404, who
        # 404, or 403 for a branch, which may not launch anything at all.
        assert client.post(url("launch", transfer), {"confirmed": "on"}).status_code in (403, 404)
    assert client_as("wxy").get(url("detail", transfer)).status_code == 200


def test_the_province_sees_a_transfer_in_its_subtree_but_may_not_act(client_as):
    transfer = stage("launched")
    response = client_as("gx").get(url("detail", transfer))
    assert response.status_code == 200
    assert not any(response.context["actions"].values())


# -- the right node: success, and a sentence saying so -------------------------------------------


@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_node_whose_turn_it_is_succeeds_with_a_chinese_message(client_as, action):
    build, who, data, message, state, lands = ACTIONS[action]
    transfer = build()
    before = fresh(transfer)
    events = before.events.count()
    client = client_as(who)
    if action not in POST_ONLY:
        page = client.get(url(action, transfer))
        assert page.status_code == 200
        assert 'name="version"' in text(page)
    response = client.post(url(action, transfer), data(transfer), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == (
        url(lands) if lands == "in_done" else url("detail", transfer)
    )
    said = success_message(response)
    assert message in said
    assert said in text(response)
    after = fresh(transfer)
    assert after.state == state
    assert after.version > before.version
    assert after.events.count() > events


def test_the_right_node_sees_its_buttons_on_the_detail_page(client_as):
    m = wxy_members(2)
    launched = stage("launched", member=m[0])
    received = stage("received", member=m[1])
    page = client_as("gxu").get(url("detail", launched))
    assert {k for k, v in page.context["actions"].items() if v} == {"approve", "reject", "change"}
    for label in ("同意", "不同意", "更改", "已审核过党员基本信息，确保党员数据真实准确"):
        assert label in text(page)
    page = client_as("wxy").get(url("detail", launched))
    assert {k for k, v in page.context["actions"].items() if v} == {"revoke"}
    assert "你确定要撤销该组织关系转接吗？撤销后不可恢复！" in text(page)
    page = client_as("ltx").get(url("detail", received))
    assert {k for k, v in page.context["actions"].items() if v} == {"report", "send_back"}
    page = client_as("ltx_zb1").get(url("detail", received))
    assert {k for k, v in page.context["actions"].items() if v} == {"report"}


def test_change_preview_shows_the_new_path_from_this_node(client_as):
    transfer = stage("launched")
    before = snapshot(transfer)
    query = urlencode({"transfer_type": "county", "target": org_of("xwcb_zb1").pk})
    response = client_as("gxu").get(url("change_preview", transfer) + "?" + query)
    assert response.status_code == 200
    assert "更改后的转接路径" in text(response)
    assert "中共广西某大学新闻与传播学院委员会" in text(response)
    bad = client_as("gxu").get(url("change_preview", transfer) + "?transfer_type=county")
    assert "请点击放大镜选择目的地党组织。" in text(bad)
    assert snapshot(transfer) == before


def test_the_letter_and_its_pdf_open_for_the_organisations_on_the_route(client_as):
    transfer = stage("launched")
    for who in ("wxy", "gxu", "ltx", "wxy_zb1"):
        response = client_as(who).get(url("letter", transfer))
        assert response.status_code == 200, who
        assert "中国共产党党员组织关系介绍信" in text(response)
        assert transfer.id_number in text(response)
    pdf = client_as("ltx").get(url("letter_pdf", transfer))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_draft_has_no_letter_yet(client_as):
    draft = stage("draft")
    assert client_as("wxy").get(url("letter", draft)).status_code == 404
    assert client_as("wxy").get(url("letter_pdf", draft)).status_code == 404


def test_received_on_defaults_to_today_and_a_branch_target_is_preselected(client_as):
    transfer = stage("at_receiver")
    form = client_as("ltx").get(url("receive", transfer)).context["form"]
    assert form.initial["received_on"] == timezone.localdate()
    assert form.initial["branch"] == org_of("ltx_zb1").pk
    assert set(form.fields["branch"].queryset) == {org_of("ltx_zb1"), org_of("ltx_zb2")}


@pytest.mark.parametrize("action", ["approve", "reject", "change", "receive", "conclude"])
def test_an_action_page_is_not_offered_out_of_turn(client_as, action):
    transfer = stage("launched")  # waiting at 广西某大学党委 (gxu)
    response = client_as("gx").get(url(action, transfer))
    assert response.status_code == 302
    assert response.url == url("detail", transfer)
    follow = client_as("gx").get(response.url)
    assert "该转接当前不能由本党组织办理" in text(follow)
