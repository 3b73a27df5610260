"""The 转出申请 wizard (选择党员 → 转接详细信息 → 生成转接路径 → 确认发起), 【返回上一步】,
the 放大镜 search, 跨省（系统）转入 and 修改并重新发起, driven through the pages as a user
without JavaScript would (manual 3.1.2–3.1.4, 3.3.1, 3.4)."""

import datetime as dt
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from members.models import MemberState
from tests.transfer_helpers import fresh, org_of, route
from tests.transfer_view_helpers import (
    ELSEWHERE,
    application_data,
    inbound,
    inbound_data,
    stage,
    success_message,
    text,
    url,
    wxy_members,
)
from transfers.models import StepRole, Transfer, TransferState, TransferType

pytestmark = pytest.mark.django_db

S = TransferState
INITIATE, APPROVE, RECEIVE, CONCLUDE = (
    StepRole.INITIATE,
    StepRole.APPROVE,
    StepRole.RECEIVE,
    StepRole.CONCLUDE,
)


def details_url(members) -> str:
    return url("apply_details") + "?" + "&".join(f"members={m.pk}" for m in members)


def ids_of(response) -> list[int]:
    """The draft ids in the apply_preview?ids=… URL a POST redirected to."""
    assert response.status_code == 302, response.status_code
    location = urlparse(response.url)
    assert location.path == url("apply_preview")
    return [int(i) for i in parse_qs(location.query)["ids"][0].split(",")]


# -- the whole way ------------------------------------------------------------------------------


def test_members_details_path_and_launch(client_as):
    client = client_as("wxy")
    page = client.get(url("apply_members"))
    assert page.status_code == 200
    shown = {m.pk for m in page.context["page"].rows}
    a, b = wxy_members(2)
    assert {a.pk, b.pk} <= shown
    branches = {m.branch.code for m in page.context["page"].rows}
    assert org_of("wxy_zzb1_zb1").code in branches  # a branch of its direct 总支 too
    assert all(m.branch_path.startswith(org_of("wxy").path) for m in page.context["page"].rows)

    page = client.get(details_url([a, b]))
    assert page.status_code == 200
    assert page.context["members"] == [a, b]
    assert page.context["form"].initial["validity_days"] == 90
    assert "生成转接路径" in text(page)

    response = client.post(details_url([a, b]), application_data())
    ids = ids_of(response)
    assert len(ids) == 2
    drafts = Transfer.objects.filter(pk__in=ids)
    assert {d.state for d in drafts} == {S.DRAFT}
    assert {d.member_id for d in drafts} == {a.pk, b.pk}

    page = client.get(response.url)
    assert page.status_code == 200
    assert [s.org.short_name for s in page.context["steps"]] == [
        "文学院党委",
        "广西某大学党委",
        "离退休党委",
    ]
    assert f'href="{url("apply_details")}?ids={ids[0]},{ids[1]}"' in text(page)  # 返回上一步
    assert "已核实党员信息同本人和档案资料等一致" in text(page)

    response = client.post(
        url("apply_launch"), {"ids": ",".join(map(str, ids)), "confirmed": "on"}, follow=True
    )
    assert response.redirect_chain[-1][0] == url("out_done")
    said = success_message(response)
    assert said.startswith(f"已发起{a.name}、{b.name}的组织关系转接")
    assert "转接已送至中共广西某大学委员会审批。" in said
    assert {d.state for d in Transfer.objects.filter(pk__in=ids)} == {S.IN_PROGRESS}
    assert {fresh(d).member.state for d in drafts} == {MemberState.IN_TRANSFER}
    assert {t.pk for t in response.context["page"].rows} == set(ids)


def test_no_member_chosen_goes_back_to_the_list_with_a_message(client_as):
    client = client_as("wxy")
    response = client.get(url("apply_details"), follow=True)
    assert response.redirect_chain[-1][0] == url("apply_members") + "?error=none"
    assert "请选择需要转接的党员。" in text(response)
    # a member of another unit is not a choice either
    outsider = org_of("ltx_zb1").members.first()
    response = client.get(details_url([outsider]))
    assert response.url == url("apply_members") + "?error=none"
    response = client.post(details_url([outsider]), application_data())
    assert response.url == url("apply_members") + "?error=none"
    assert not Transfer.objects.filter(member=outsider).exists()


def test_a_target_can_be_typed_by_its_unique_name(client_as):
    [member] = wxy_members(1)
    data = application_data(target="", target_query="中共广西某大学离退休工作委员会")
    [pk] = ids_of(client_as("wxy").post(details_url([member]), data))
    assert Transfer.objects.get(pk=pk).target == org_of("ltx")


def test_a_name_fragment_with_one_match_is_taken(client_as):
    [member] = wxy_members(1)
    data = application_data(target="", target_query="离退休第二")
    [pk] = ids_of(client_as("wxy").post(details_url([member]), data))
    assert Transfer.objects.get(pk=pk).target == org_of("ltx_zb2")


def test_several_matches_are_offered_as_choices_next_to_the_field(client_as):
    [member] = wxy_members(1)
    client = client_as("wxy")
    count = Transfer.objects.count()
    response = client.post(
        details_url([member]), application_data(target="", target_query="离退休")
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["target_query"] == ["找到多个党组织，请从下面的列表中选择一个。"]
    assert set(form.target_choices) == {org_of("ltx"), org_of("ltx_zb1"), org_of("ltx_zb2")}
    for choice in form.target_choices:
        assert f'<input type="radio" name="target" value="{choice.pk}">' in text(response)
    assert Transfer.objects.count() == count
    # picking one of them goes on
    data = application_data(target=org_of("ltx_zb2").pk, target_query="离退休")
    [pk] = ids_of(client.post(details_url([member]), data))
    assert Transfer.objects.get(pk=pk).target == org_of("ltx_zb2")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"target": "", "target_query": "不存在的党组织"},
            "没有找到符合条件的党组织，请检查名称。",
        ),
        ({"target": "", "target_query": ""}, "请点击放大镜选择目的地党组织。"),
        ({"target": "QX_JD"}, "所选党组织不符合转接类型或范围，请用放大镜重新选择。"),
        (
            {"target": "LTX_ZB1", "transfer_type": "province"},
            "所选党组织不符合转接类型或范围，请用放大镜重新选择。",
        ),
        ({"target": "WXY_ZB2"}, "所选党组织不符合转接类型或范围，请用放大镜重新选择。"),
        ({"target": "YL_JD_ZB1"}, "所选党组织不符合转接类型或范围，请用放大镜重新选择。"),
    ],
)
def test_a_target_that_does_not_fit_is_refused_next_to_the_field(client_as, changes, message):
    [member] = wxy_members(1)
    changes = {
        k: (org_of(v.lower()).pk if k == "target" and v.isupper() else v)
        for k, v in changes.items()
    }
    count = Transfer.objects.count()
    response = client_as("wxy").post(details_url([member]), application_data(**changes))
    assert response.status_code == 400
    assert response.context["form"].errors["target_query"] == [message]
    assert message in text(response)
    assert Transfer.objects.count() == count


def test_the_type_is_required(client_as):
    [member] = wxy_members(1)
    response = client_as("wxy").post(details_url([member]), application_data(transfer_type=""))
    assert response.status_code == 400
    assert response.context["form"].errors["transfer_type"]


# -- 【返回上一步】 -----------------------------------------------------------------------------


def test_going_back_shows_what_was_typed_and_resubmitting_replaces_the_draft(client_as):
    client = client_as("wxy")
    [member] = wxy_members(1)
    typed = application_data(
        dues_paid_through="2025-12", validity_days="60", member_phone="0771-5507788"
    )
    [old] = ids_of(client.post(details_url([member]), typed))

    page = client.get(url("apply_details") + f"?ids={old}")
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert initial["transfer_type"] == TransferType.COUNTY
    assert initial["target"] == org_of("ltx_zb1").pk
    assert initial["target_query"] == "广西某大学离退休第一党支部"
    assert initial["dues_paid_through"] == dt.date(2025, 12, 1)
    assert initial["validity_days"] == 60
    assert initial["member_phone"] == "0771-5507788"
    html = text(page)
    assert '<option value="county" selected>' in html
    for value in ("广西某大学离退休第一党支部", "2025-12", "60", "0771-5507788"):
        assert f'value="{value}"' in html, value
    assert page.context["members"] == [member]

    response = client.post(url("apply_details") + f"?ids={old}", {**typed, "validity_days": "30"})
    [new] = ids_of(response)
    assert new != old
    assert Transfer.objects.get(pk=old).state == S.REVOKED
    replaced = Transfer.objects.get(pk=new)
    assert replaced.state == S.DRAFT
    assert replaced.validity_days == 30
    assert replaced.member == member
    assert Transfer.objects.filter(member=member, state=S.DRAFT).count() == 1
    # the old draft's preview is gone
    assert client.get(url("apply_preview") + f"?ids={old}").status_code == 404


def test_going_back_to_a_national_application_shows_the_typed_target(client_as):
    client = client_as("wxy")
    [member] = wxy_members(1)
    data = application_data(transfer_type="national", target="", target_name=ELSEWHERE)
    [pk] = ids_of(client.post(details_url([member]), data))
    initial = client.get(url("apply_details") + f"?ids={pk}").context["form"].initial
    assert initial["transfer_type"] == TransferType.NATIONAL
    assert initial["out_of_system"] is True
    assert initial["target_name"] == ELSEWHERE
    assert initial["not_in_tree"] is False


# -- 全国直接转接 and 不在本信息系统党组织机构树上 ----------------------------------------------


def test_a_national_transfer_needs_a_typed_target_name(client_as):
    client = client_as("wxy")
    [member] = wxy_members(1)
    count = Transfer.objects.count()
    for name in ("", "   "):
        data = application_data(transfer_type="national", target_name=name)
        response = client.post(details_url([member]), data)
        assert response.status_code == 400
        assert response.context["form"].errors["target_name"] == ["请填写目的地党组织名称。"]
    assert Transfer.objects.count() == count


def test_a_national_transfer_is_out_of_the_system_even_if_the_box_is_not_sent(client_as):
    [member] = wxy_members(1)
    data = application_data(transfer_type="national", target_name=ELSEWHERE)
    data.pop("out_of_system", None)  # the box is locked; a browser does not send it
    [pk] = ids_of(client_as("wxy").post(details_url([member]), data))
    transfer = Transfer.objects.get(pk=pk)
    assert transfer.out_of_system is True
    assert transfer.target is None  # the 放大镜's choice is dropped
    assert transfer.target_name == ELSEWHERE
    assert route(transfer) == [
        ("文学院党委", INITIATE, "out"),
        ("广西某大学党委", CONCLUDE, "out"),
    ]


def test_a_target_outside_the_tree_is_typed_and_concluded_at_the_national_node(client_as):
    [member] = wxy_members(1)
    data = application_data(target="", target_query="", not_in_tree="on", target_name=ELSEWHERE)
    [pk] = ids_of(client_as("wxy").post(details_url([member]), data))
    transfer = Transfer.objects.get(pk=pk)
    assert transfer.type == TransferType.COUNTY
    assert transfer.out_of_system is True
    assert route(transfer)[-1] == ("广西某大学党委", CONCLUDE, "out")


# -- the 放大镜 ---------------------------------------------------------------------------------


def search(client, **params):
    return client.get(url("target_search"), params)


def found(response) -> set[str]:
    assert response.status_code == 200
    return {o.code for o in response.context["page"].rows}


def codes(*usernames) -> set[str]:
    return {org_of(u).code for u in usernames}


def test_the_search_offers_only_orgs_valid_for_the_type(client_as):
    client = client_as("wxy")
    assert found(search(client, type="county", name="离退休")) == codes("ltx", "ltx_zb1", "ltx_zb2")
    assert found(search(client, type="province", name="离退休")) == set()
    assert found(search(client, type="province", name="新竹")) == codes(
        "qx_jd", "qx_jd_zb1", "qx_jd_zb2"
    )
    assert found(search(client, type="county", name="新竹")) == set()
    assert found(search(client, type="county", name="岳麓")) == set()  # another province
    assert found(search(client, type="province", name="岳麓")) == set()
    assert found(search(client, type="national", name="")) == set()
    # its own branches are 支部间转接, not a transfer
    assert found(search(client, type="county", name="文学院")) == set()
    response = search(client, type="county", name="离退休第一")
    assert f'data-id="{org_of("ltx_zb1").pk}"' in text(response)
    assert 'data-name="广西某大学离退休第一党支部"' in text(response)


def test_the_search_results_are_paged_by_ten(client_as):
    response = search(client_as("wxy"), type="county", name="委员会")
    page = response.context["page"]
    assert len(page.rows) == 10
    assert page.count > 10
    assert page.next_cursor
    more = search(client_as("wxy"), type="county", name="委员会", after=page.next_cursor)
    assert not found(more) & {o.code for o in page.rows}


def test_the_search_counts_to_100_and_reads_the_domains_once(client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from transfers.views import apply

    client = client_as("wxy")
    search(client, type="province", name="委员会")
    with CaptureQueriesContext(connection) as queries:
        response = search(client, type="province", name="委员会")
    # the organisations above (both domains at once), the page, its count
    tree = [q for q in queries.captured_queries if 'FROM "orgs_organisation"' in q["sql"]]
    assert len(tree) == 3, [q["sql"] for q in tree]
    n = response.context["page"].count
    assert n > 3
    with patch.object(apply, "PICKER_COUNT_CAP", 3):
        response = search(client, type="province", name="委员会")
    assert "共 3+ 条" in text(response)


@pytest.mark.parametrize("bad", ["", "bogus", "branch'--", "inbound"])
def test_the_search_refuses_an_unknown_type_with_400(client_as, bad):
    response = search(client_as("wxy"), type=bad, name="离退休")
    if bad in TransferType.values:
        assert response.status_code == 200  # a known type: simply no candidates
        assert found(response) == set()
    else:
        assert response.status_code == 400
        assert "请选择转接类型。" in text(response)


def test_the_inbound_search_offers_the_committees_own_subtree(client_as):
    response = search(client_as("wxy"), mode="inbound", name="党支部")
    assert found(response) == codes("wxy_zb1", "wxy_zb2", "wxy_zzb1_zb1", "wxy_zzb1_zb2")


def test_the_search_for_a_change_offers_the_initiators_choices(client_as):
    transfer = stage("launched")
    client = client_as("gxu")
    response = search(client, type="county", name="文学院", transfer=transfer.pk)
    assert found(response) == set()  # as for 文学院党委: its own branches are not targets
    response = search(client, type="county", name="离退休", transfer=transfer.pk)
    assert found(response) == codes("ltx", "ltx_zb1", "ltx_zb2")


# -- 跨省（系统）转入 ---------------------------------------------------------------------------


def test_inbound_start_leads_to_the_typed_form_or_the_exchange(client_as):
    client = client_as("wxy")
    assert client.get(url("inbound_start")).status_code == 200
    assert client.get(url("inbound_start"), {"via_exchange": "0"}).url == url("inbound_details")
    assert client.get(url("inbound_start"), {"via_exchange": "1"}).url == url("inbound_exchange")
    response = client.get(url("inbound_start"), {"via_exchange": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors["via_exchange"]


def test_the_inbound_wizard_creates_and_launches_a_transfer(client_as):
    client = client_as("wxy")
    assert client.get(url("inbound_details")).status_code == 200
    data = inbound_data(target="", target_query="广西某大学文学院学生党支部")
    response = client.post(url("inbound_details"), data)
    assert response.status_code == 302
    transfer = Transfer.objects.get(id_number=data["id_number"], state=S.DRAFT)
    assert response.url == url("inbound_preview", transfer)
    assert transfer.target == org_of("wxy_zb2")
    assert transfer.type == TransferType.INBOUND
    page = client.get(response.url)
    assert page.status_code == 200
    assert [s.org.short_name for s in page.context["steps"]] == ["文学院党委", "文学院党委"]
    response = client.post(url("launch", transfer), follow=True)
    assert response.redirect_chain[-1][0] == url("in_done")
    assert "已确认发起" in success_message(response)
    assert fresh(transfer).state == S.IN_PROGRESS


def test_typing_the_inbound_letter_again_replaces_the_draft(client_as):
    client = client_as("wxy")
    data = inbound_data()
    client.post(url("inbound_details"), data)
    first = Transfer.objects.get(id_number=data["id_number"], state=S.DRAFT)
    client.post(url("inbound_details"), {**data, "validity_days": "45"})
    assert fresh(first).state == S.REVOKED
    second = Transfer.objects.get(id_number=data["id_number"], state=S.DRAFT)
    assert second.validity_days == 45


def test_an_inbound_target_outside_the_committee_is_refused(client_as):
    count = Transfer.objects.count()
    data = inbound_data(target=org_of("ltx_zb1").pk)
    response = client_as("wxy").post(url("inbound_details"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["target_query"] == [
        "所选党组织不符合转接类型或范围，请用放大镜重新选择。"
    ]
    assert Transfer.objects.count() == count


def test_an_inbound_joined_date_in_the_future_is_refused(client_as):
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = client_as("wxy").post(url("inbound_details"), inbound_data(joined_on=future))
    assert response.status_code == 400
    assert response.context["form"].errors["joined_on"] == ["入党日期不合理。"]


# -- 修改并重新发起 -----------------------------------------------------------------------------


def test_relaunch_is_prefilled_and_launches_the_corrected_application(client_as):
    transfer = stage("returned")
    client = client_as("wxy")
    page = client.get(url("relaunch", transfer))
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert initial["target"] == org_of("ltx_zb1").pk
    assert initial["transfer_type"] == TransferType.COUNTY
    assert "材料不全" in text(page)  # 退回原因
    data = application_data(
        version=transfer.version,
        confirmed="on",
        target=org_of("ltx_zb2").pk,
        validity_days="30",
    )
    response = client.post(url("relaunch", transfer), data, follow=True)
    assert "已重新发起" in success_message(response)
    after = fresh(transfer)
    assert after.state == S.IN_PROGRESS
    assert after.round == 2
    assert after.target == org_of("ltx_zb2")
    assert after.validity_days == 30
    assert after.letters.get(is_current=True).version == 2


def test_relaunch_with_a_bad_target_shows_the_reason_next_to_the_field(client_as):
    transfer = stage("returned")
    before = fresh(transfer)
    data = application_data(version=transfer.version, confirmed="on", target=org_of("qx_jd").pk)
    response = client_as("wxy").post(url("relaunch", transfer), data)
    assert response.status_code == 400
    assert response.context["form"].errors["target_query"]
    after = fresh(transfer)
    assert (after.state, after.version) == (before.state, before.version)


# -- 更改 ----------------------------------------------------------------------------------------


def test_a_change_to_a_target_outside_the_system_ends_in_conclusion_here(client_as):
    transfer = stage("launched")
    data = {"version": transfer.version, "transfer_type": "national", "target_name": ELSEWHERE}
    response = client_as("gxu").post(url("change", transfer), data, follow=True)
    assert "转接已送至中共广西某大学委员会办结。" in success_message(response)
    after = fresh(transfer)
    assert (after.type, after.out_of_system, after.target_name) == ("national", True, ELSEWHERE)
    assert route(after)[-1] == ("广西某大学党委", CONCLUDE, "out")
    assert response.context["actions"]["conclude"]


def test_a_change_needs_a_target(client_as):
    transfer = stage("launched")
    version = transfer.version
    data = {"version": version, "transfer_type": "county", "target": "", "target_query": ""}
    response = client_as("gxu").post(url("change", transfer), data)
    assert response.status_code == 400
    assert response.context["form"].errors["target_query"] == ["请点击放大镜选择目的地党组织。"]
    assert fresh(transfer).version == version


def test_an_inbound_transfer_is_changed_within_the_committee(client_as):
    transfer = inbound()
    client = client_as("wxy")
    client.post(url("launch", transfer))
    version = fresh(transfer).version
    outside = {"version": version, "target": org_of("ltx_zb1").pk}
    response = client.post(url("change", transfer), outside)
    assert response.status_code == 400
    assert fresh(transfer).version == version
    inside = {"version": version, "target": org_of("wxy_zb2").pk}
    response = client.post(url("change", transfer), inside, follow=True)
    assert "已更改目的地党组织" in success_message(response)
    assert fresh(transfer).target == org_of("wxy_zb2")
    assert fresh(transfer).type == TransferType.INBOUND
