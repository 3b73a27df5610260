"""Every action of the transfer workflow (DESIGN.md §4 "Life cycle"): what it does, and every
move it refuses."""

import datetime as dt
import threading

import pytest
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.utils import InternalError, ProgrammingError
from django.utils import timezone

from members.models import Member, MemberState
from tests.transfer_helpers import (
    PHONE,
    actor_for,
    approve_all,
    assert_replays,
    conclude,
    draft_inbound,
    draft_to,
    fresh,
    inbound_member,
    launch,
    letter,
    members_of,
    org_of,
    outside_id_number,
    pending,
    receive,
    receiver_for,
    reject_at_pending,
    report,
    route,
    step_states,
)
from transfers import services
from transfers.errors import StaleTransfer, TransferError
from transfers.models import (
    EventAction,
    StepRole,
    StepState,
    Transfer,
    TransferEvent,
    TransferState,
    TransferType,
)
from transfers.services import Actor

pytestmark = pytest.mark.django_db

S = TransferState
ELSEWHERE = "中共北京市东城区某街道工作委员会"


@pytest.fixture
def actor(org, user):
    """actor("wxy") → the demo login ``wxy`` acting for 文学院党委."""
    return lambda username: Actor(user=user(username), org=org(username))


@pytest.fixture
def county(actor, org):
    """A drafted 县内 transfer of a 文学院教工党支部 member to 离退休第一党支部."""
    return draft_to(actor("wxy"), org("ltx_zb1"), member=members_of(org("wxy_zb1"))[0])


@pytest.fixture
def at_receiver(county):
    """The same transfer, launched and approved by the university: 离退休党委 to receive."""
    return approve_all(launch(county))


@pytest.fixture
def received(at_receiver, org):
    return receive(at_receiver, org("ltx_zb1"))


@pytest.fixture
def provincial(actor, org):
    """A launched 省内 transfer from 文学院 to 新竹街道机关第一党支部 (6 nodes)."""
    return launch(draft_to(actor("wxy"), org("qx_jd_zb1"), transfer_type=TransferType.PROVINCE))


@pytest.fixture
def national(actor):
    """A launched 全国 transfer from 文学院, waiting at the university to conclude."""
    return launch(
        draft_to(actor("wxy"), None, transfer_type=TransferType.NATIONAL, target_name=ELSEWHERE)
    )


def refused(action, message: str, field: str | None = None, **kwargs) -> TransferError:
    with pytest.raises(TransferError) as caught:
        action(**kwargs)
    assert message in caught.value.message
    if field is not None:
        assert caught.value.field == field
    return caught.value


def actions(transfer) -> list[str]:
    return list(fresh(transfer).events.order_by("id").values_list("action", flat=True))


# -- 转出申请 (draft) ----------------------------------------------------------------------------


def test_drafting_several_members_makes_one_transfer_each(actor, org, user):
    chosen = members_of(org("wxy_zb1"), 2) + members_of(org("wxy_zzb1_zb1"), 1)

    drafts = services.draft(
        actor=actor("wxy"),
        members=chosen,
        transfer_type=TransferType.COUNTY,
        target=org("ltx_zb1"),
        letter=letter(),
    )

    assert sorted(t.member_id for t in drafts) == sorted(m.pk for m in chosen)
    for transfer, member in zip(drafts, sorted(chosen, key=lambda m: m.pk), strict=True):
        transfer = fresh(transfer)
        assert transfer.state == S.DRAFT
        assert transfer.member_name == member.name
        assert transfer.id_number == member.id_number
        assert transfer.source_branch == member.branch
        assert transfer.initiator == org("wxy")
        assert transfer.initiated_by == user("wxy")
        assert transfer.member_phone == member.phone
        assert actions(transfer) == [EventAction.DRAFT]
        assert_replays(transfer)
    assert all(
        m.state == MemberState.NORMAL for m in Member.objects.filter(pk__in=[m.pk for m in chosen])
    )


def test_it_refuses_a_member_of_another_unit_and_drafts_none_of_the_batch(actor, org):
    ours, theirs = members_of(org("wxy_zb1"))[0], members_of(org("ltx_zb2"))[0]

    refused(
        services.draft,
        "不在本党组织直属党支部",
        "members",
        actor=actor("wxy"),
        members=[ours, theirs],
        transfer_type=TransferType.COUNTY,
        target=org("xwcb_zb1"),
        letter=letter(),
    )
    assert not Transfer.objects.filter(id_number=ours.id_number).exists()


def test_a_branch_cannot_draft_a_transfer(actor, org):
    refused(
        services.draft,
        "只有具有县内转接权限的党委可以发起转出申请",
        actor=actor("wxy_zb1"),
        members=members_of(org("wxy_zb1")),
        transfer_type=TransferType.COUNTY,
        target=org("ltx_zb1"),
        letter=letter(),
    )


def test_a_draft_needs_a_member(actor, org):
    refused(
        services.draft,
        "请选择需要转接的党员",
        "members",
        actor=actor("wxy"),
        members=[],
        transfer_type=TransferType.COUNTY,
        target=org("ltx_zb1"),
        letter=letter(),
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"validity_days": 0}, "validity_days"),
        ({"validity_days": 91}, "validity_days"),
        ({"member_phone": "12345"}, "member_phone"),
        ({"remarks": "备" * 501}, "letter_remarks"),
        ({"dues_paid_through": dt.date(1949, 10, 1)}, "dues_paid_through"),
    ],
)
def test_it_refuses_a_bad_letter(actor, org, changes, field):
    with pytest.raises(TransferError) as caught:
        draft_to(actor("wxy"), org("ltx_zb1"), letter=letter(**changes))

    assert caught.value.field == field


def test_drafting_again_revokes_the_earlier_draft_of_the_same_initiator(county, actor, org):
    again = draft_to(actor("wxy"), org("xwcb_zb1"), member=county.member)

    assert fresh(county).state == S.REVOKED
    assert fresh(again).state == S.DRAFT
    assert {s for _, _, s in step_states(county)} == {StepState.CANCELLED}
    revoke_event = fresh(county).events.get(action=EventAction.REVOKE)
    assert revoke_event.opinion == "被新的转出申请替代"
    assert_replays(county)


def test_another_org_cannot_open_a_second_unfinished_transfer_for_the_same_person(
    county, actor, org
):
    # The member is moved by hand to 新闻与传播学院 while 文学院's draft is still open.
    member = county.member
    member.branch = org("xwcb_zb1")
    member.save()

    refused(
        draft_to,
        "已有未办结的组织关系转接",
        "members",
        by=actor("xwcb"),
        target=org("ltx_zb1"),
        member=member,
    )


def test_the_database_allows_one_unfinished_transfer_per_id_number(county):
    copy = fresh(county)
    copy.pk = None

    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()

    copy.state = S.COMPLETED  # a finished one does not count
    copy.save()


# -- 确认发起 (launch) ---------------------------------------------------------------------------


def test_launching_issues_the_letter_and_makes_the_first_approver_pending(county, org, user):
    member = county.member
    transfer = launch(county)

    today = timezone.localdate()
    assert transfer.state == S.IN_PROGRESS
    assert transfer.launched_at is not None
    assert Member.objects.get(pk=member.pk).state == MemberState.IN_TRANSFER
    assert step_states(transfer) == [
        ("文学院党委", StepRole.INITIATE, StepState.LAUNCHED),
        ("广西某大学党委", StepRole.APPROVE, StepState.PENDING),
        ("离退休党委", StepRole.RECEIVE, StepState.WAITING),
    ]
    first, second = transfer.steps.order_by("order")[:2]
    assert first.actor == user("wxy")
    assert second.due_at - second.pending_since == dt.timedelta(days=7)

    letter_ = transfer.letters.get()
    wxy = org("wxy")
    assert letter_.serial_number == f"{wxy.code}-{today.year}-00001"
    assert (letter_.version, letter_.is_current) == (1, True)
    assert letter_.validity_days == 90
    assert letter_.issued_on == today
    assert letter_.expires_on == today + dt.timedelta(days=90)
    assert letter_.addressee == org("ltx").name
    assert letter_.to_org_name == org("ltx_zb1").name
    assert letter_.from_org_name == org("wxy_zb1").name
    assert letter_.seal_org_name == wxy.name
    assert (letter_.sender_address, letter_.sender_phone) == (wxy.address, wxy.phone)
    assert (letter_.member_name, letter_.id_number, letter_.gender) == (
        member.name,
        member.id_number,
        member.gender,
    )
    assert (letter_.ethnicity, letter_.party_status) == (member.ethnicity, member.party_status)
    assert letter_.age == today.year - member.birth_date.year - (
        (today.month, today.day) < (member.birth_date.month, member.birth_date.day)
    )
    assert len(letter_.verification_code) == 12
    assert actions(transfer) == [EventAction.DRAFT, EventAction.LAUNCH]
    assert_replays(transfer)


def test_the_letter_is_a_snapshot_of_the_member_at_issue(county):
    transfer = launch(county)
    Member.objects.filter(pk=transfer.member_id).update(name="改名后")

    assert transfer.letters.get().member_name == county.member_name


def test_a_shorter_validity_gives_an_earlier_expiry(actor, org):
    transfer = launch(draft_to(actor("wxy"), org("ltx_zb1"), letter=letter(validity_days=30)))

    assert transfer.letters.get().expires_on == timezone.localdate() + dt.timedelta(days=30)


def test_letter_serials_are_unique_per_issuer_and_year_and_increase(actor, org):
    wxy_members = services.transferable_members(org("wxy")).order_by("pk")[:3]
    ours = [launch(draft_to(actor("wxy"), org("ltx_zb1"), member=m)) for m in wxy_members]
    theirs = launch(draft_to(actor("xwcb"), org("ltx_zb1")))

    letters = [t.letters.get() for t in ours]
    assert [x.sequence for x in letters] == [1, 2, 3]
    serials = [x.serial_number for x in letters]
    assert serials == sorted(serials)
    assert len(set(serials)) == 3
    other = theirs.letters.get()
    assert other.sequence == 1
    assert other.serial_number.startswith(f"{org('xwcb').code}-")
    assert other.serial_number not in serials


def test_it_refuses_to_launch_without_the_confirmation(county, actor):
    refused(
        services.launch,
        "已核实党员信息同本人和档案资料等一致",
        "confirmed",
        actor=actor("wxy"),
        transfer=county,
        confirmed=False,
    )
    assert fresh(county).state == S.DRAFT
    assert not county.letters.exists()


def test_it_refuses_to_launch_twice(county, actor):
    launch(county)

    refused(services.launch, "不能重复发起", actor=actor("wxy"), transfer=county, confirmed=True)
    assert county.letters.count() == 1


def test_only_the_initiator_launches(county, actor):
    refused(
        services.launch,
        "只有发起党组织可以确认发起",
        actor=actor("gxu"),
        transfer=county,
        confirmed=True,
    )


# -- 同意 (approve) ------------------------------------------------------------------------------


def test_approving_makes_the_next_node_pending(county, actor, user):
    transfer = services.approve(
        actor=actor("gxu"), transfer=launch(county), confirmed=True, opinion="同意转出"
    )

    step = transfer.steps.get(order=1)
    assert (step.state, step.actor, step.opinion) == (StepState.APPROVED, user("gxu"), "同意转出")
    assert step.acted_at is not None
    assert pending(transfer).org.short_name == "离退休党委"
    assert fresh(transfer).state == S.IN_PROGRESS
    assert_replays(transfer)


@pytest.mark.parametrize("who", ["xwcb", "wxy", "ltx", "gx"])
def test_it_rejects_approval_by_an_org_whose_turn_it_is_not(county, actor, who):
    """A sibling unit, the initiator, the next node, and the province above the university."""
    transfer = launch(county)

    refused(
        services.approve,
        "当前不是本党组织的办理环节",
        actor=actor(who),
        transfer=transfer,
        confirmed=True,
    )
    assert pending(transfer).org.short_name == "广西某大学党委"


def test_it_rejects_approval_by_the_parent_before_its_turn(provincial, actor):
    with pytest.raises(StaleTransfer):
        services.approve(actor=actor("gx"), transfer=provincial, confirmed=True)


def test_it_refuses_approval_without_the_confirmation(county, actor):
    transfer = launch(county)

    refused(
        services.approve,
        "已审核过党员基本信息，确保党员数据真实准确",
        "confirmed",
        actor=actor("gxu"),
        transfer=transfer,
        confirmed=False,
    )
    assert pending(transfer).org.short_name == "广西某大学党委"


def test_the_receiving_node_cannot_merely_approve(at_receiver, actor):
    refused(
        services.approve,
        "本节点的职责是“接收”",
        actor=actor("ltx"),
        transfer=at_receiver,
        confirmed=True,
    )


def test_it_refuses_to_approve_a_returned_transfer(county, actor):
    transfer = reject_at_pending(launch(county))

    refused(
        services.approve,
        "当前状态为“已退回”",
        actor=actor("gxu"),
        transfer=transfer,
        confirmed=True,
    )


def test_it_refuses_to_approve_a_draft(county, actor):
    refused(services.approve, "待发起", actor=actor("gxu"), transfer=county, confirmed=True)


def test_a_stale_form_is_refused(county, actor):
    version = fresh(county).version
    transfer = launch(county)

    with pytest.raises(StaleTransfer) as caught:
        services.approve(
            actor=actor("gxu"), transfer=transfer, confirmed=True, expected_version=version
        )
    assert "请刷新页面" in caught.value.message
    assert "已由中共广西某大学文学院委员会于" in caught.value.message
    assert "办理（确认发起）" in caught.value.message
    services.approve(
        actor=actor("gxu"), transfer=transfer, confirmed=True, expected_version=transfer.version
    )


# -- 不同意 (reject) -----------------------------------------------------------------------------


def test_rejecting_returns_the_transfer_node_by_node_to_the_initiator(provincial, actor, org):
    for who in ("gxu", "gx"):
        services.approve(actor=actor(who), transfer=provincial, confirmed=True)
    member_id = provincial.member_id

    transfer = services.reject(actor=actor("nn"), transfer=provincial, reason=" 材料不全 ")

    assert transfer.state == S.RETURNED
    assert transfer.return_reason == "材料不全"
    assert [(o, s) for o, _, s in step_states(transfer)] == [
        ("文学院党委", StepState.RETURNED),
        ("广西某大学党委", StepState.RETURNED),
        ("广西区党委", StepState.RETURNED),
        ("南宁市委", StepState.REJECTED),
        ("青秀区委", StepState.CANCELLED),
        ("新竹街道党工委", StepState.CANCELLED),
    ]
    tail = list(
        transfer.events.order_by("id").values_list("action", "org__short_name", "state_after")
    )[-4:]
    assert tail == [
        (EventAction.REJECT, "南宁市委", S.IN_PROGRESS),
        (EventAction.RETURN_STEP, "广西区党委", S.IN_PROGRESS),
        (EventAction.RETURN_STEP, "广西某大学党委", S.IN_PROGRESS),
        (EventAction.RETURN_STEP, "文学院党委", S.RETURNED),
    ]
    assert all(
        e.opinion == "材料不全" for e in transfer.events.filter(action=EventAction.RETURN_STEP)
    )
    member = Member.objects.get(pk=member_id)
    assert (member.state, member.branch) == (MemberState.IN_TRANSFER, org("wxy_zb1"))
    assert pending(transfer) is None
    assert_replays(transfer)


@pytest.mark.parametrize("reason", ["", "   "])
def test_rejecting_needs_a_reason(county, actor, reason):
    transfer = launch(county)

    refused(
        services.reject,
        "请填写不同意的理由",
        "reason",
        actor=actor("gxu"),
        transfer=transfer,
        reason=reason,
    )
    assert fresh(transfer).state == S.IN_PROGRESS


def test_a_sibling_cannot_reject(county, actor):
    refused(
        services.reject,
        "当前不是本党组织的办理环节",
        actor=actor("xwcb"),
        transfer=launch(county),
        reason="不同意",
    )


# -- 更改 (change the target) -------------------------------------------------------------------


def test_changing_the_target_replans_the_path_from_the_current_node(county, actor, org):
    transfer = launch(county)
    old_letter = transfer.letters.get()

    transfer = services.change_target(
        actor=actor("gxu"), transfer=transfer, target=org("xwcb_zb1"), opinion="本人申请改转"
    )

    transfer = fresh(transfer)
    assert (transfer.target, transfer.receiver) == (org("xwcb_zb1"), org("xwcb"))
    assert transfer.target_name == org("xwcb_zb1").name
    assert step_states(transfer) == [
        ("文学院党委", StepRole.INITIATE, StepState.LAUNCHED),
        ("广西某大学党委", StepRole.APPROVE, StepState.CHANGED),
        ("离退休党委", StepRole.RECEIVE, StepState.SUPERSEDED),
        ("新闻与传播学院党委", StepRole.RECEIVE, StepState.PENDING),
    ]
    old_letter.refresh_from_db()
    new_letter = transfer.letters.get(is_current=True)
    assert not old_letter.is_current
    assert new_letter.version == 2
    assert new_letter.serial_number == old_letter.serial_number
    assert new_letter.addressee == org("xwcb").name
    assert old_letter.addressee == org("ltx").name
    change = transfer.events.get(action=EventAction.CHANGE)
    assert change.data["from"]["target"] == org("ltx_zb1").name
    assert change.data["to"]["target"] == org("xwcb_zb1").name

    receive(transfer, org("xwcb_zb1"))
    assert Member.objects.get(pk=transfer.member_id).branch == org("xwcb_zb1")
    assert_replays(transfer)


def test_changing_to_a_provincial_target_at_the_university_goes_on_through_the_province(
    county, actor, org
):
    transfer = services.change_target(
        actor=actor("gxu"),
        transfer=launch(county),
        target=org("qx_jd_zb1"),
        transfer_type=TransferType.PROVINCE,
    )

    assert fresh(transfer).type == TransferType.PROVINCE
    assert [(o, s) for o, _, s in step_states(transfer)][3:] == [
        ("广西区党委", StepState.PENDING),
        ("南宁市委", StepState.WAITING),
        ("青秀区委", StepState.WAITING),
        ("新竹街道党工委", StepState.WAITING),
    ]


def test_changing_to_a_target_outside_the_system_makes_the_university_conclude(county, actor):
    transfer = services.change_target(
        actor=actor("gxu"),
        transfer=launch(county),
        target=None,
        out_of_system=True,
        target_name=ELSEWHERE,
    )

    assert [(o, r, s) for o, r, s in step_states(transfer)][-1] == (
        "广西某大学党委",
        StepRole.CONCLUDE,
        StepState.PENDING,
    )
    transfer = conclude(transfer)
    assert transfer.state == S.CONCLUDED
    assert transfer.letters.get(is_current=True).addressee == ELSEWHERE
    assert_replays(transfer)


def test_changing_to_the_same_target_is_refused(county, actor, org):
    refused(
        services.change_target,
        "与原目的地相同",
        "target",
        actor=actor("gxu"),
        transfer=launch(county),
        target=org("ltx_zb1"),
    )


def test_changing_is_checked_against_the_type(county, actor, org):
    refused(
        services.change_target,
        "县内直接转接的目的地党组织须在",
        "target",
        actor=actor("gxu"),
        transfer=launch(county),
        target=org("qx_jd_zb1"),
    )


def test_only_the_current_node_may_change_the_target(county, actor, org):
    refused(
        services.change_target,
        "当前不是本党组织的办理环节",
        actor=actor("ltx"),
        transfer=launch(county),
        target=org("xwcb_zb1"),
    )


# -- 接收 (receive) ------------------------------------------------------------------------------


def test_receiving_places_the_member_in_the_chosen_branch(at_receiver, actor, org, user):
    transfer = services.receive(
        actor=actor("ltx"),
        transfer=at_receiver,
        received_on=timezone.localdate(),
        branch=org("ltx_zb2"),  # the committee may choose another of its branches
        handler_phone=" 0771-5501234 ",
        remarks="已编入第二党支部",
        confirmed_reported=True,
        confirmed_checked=True,
    )

    transfer = fresh(transfer)
    assert transfer.state == S.RECEIVED
    assert (transfer.dest_branch, transfer.dest_path) == (org("ltx_zb2"), org("ltx_zb2").path)
    assert transfer.received_on == timezone.localdate()
    assert transfer.receive_handler_phone == PHONE
    member = transfer.member
    assert (member.branch, member.branch_path) == (org("ltx_zb2"), org("ltx_zb2").path)
    assert member.state == MemberState.AWAITING_REPORT
    step = transfer.steps.get(role=StepRole.RECEIVE)
    assert (step.state, step.actor) == (StepState.RECEIVED, user("ltx"))
    receipt = transfer.letters.get()
    assert receipt.receipt_org_name == org("ltx").name
    assert receipt.receipt_on == timezone.localdate()
    assert receipt.receipt_handler == "离退休党委"
    assert receipt.receipt_handler_phone == PHONE
    assert not receipt.receipt_is_paper
    assert_replays(transfer)


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        ({"confirmed_reported": False}, "已确认该名党员已到基层党委报到", "confirmed_reported"),
        ({"confirmed_checked": False}, "已审核过党员基本信息", "confirmed_checked"),
        ({"received_on": None}, "请填写转入本组织时间", "received_on"),
        ({"branch": None}, "请选择转入支部", "branch"),
        ({"handler_phone": "12345"}, "联系电话格式不正确", "handler_phone"),
        ({"handler_phone": ""}, "联系电话格式不正确", "handler_phone"),
        ({"remarks": "备" * 501}, "备注不能超过500个字", "remarks"),
    ],
)
def test_it_refuses_an_incomplete_receipt(at_receiver, org, changes, message, field):
    kwargs = {"branch": org("ltx_zb1"), **changes}

    refused(receive, message, field, transfer=at_receiver, **kwargs)
    assert fresh(at_receiver).state == S.IN_PROGRESS


def test_it_refuses_a_receipt_dated_in_the_future(at_receiver, org):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    refused(
        receive,
        "不能晚于今天",
        "received_on",
        transfer=at_receiver,
        branch=org("ltx_zb1"),
        received_on=tomorrow,
    )


def test_it_refuses_a_receipt_dated_before_the_launch(at_receiver, org):
    yesterday = timezone.localdate() - dt.timedelta(days=1)

    refused(
        receive,
        "不能早于发起日期",
        "received_on",
        transfer=at_receiver,
        branch=org("ltx_zb1"),
        received_on=yesterday,
    )


@pytest.mark.parametrize("branch", ["wxy_zb1", "ltx", "xwcb_zb1"])
def test_it_refuses_a_branch_not_under_the_receiving_committee(at_receiver, org, branch):
    refused(
        receive,
        "转入支部须为本党委所属的党支部",
        "branch",
        transfer=at_receiver,
        branch=org(branch),
    )


def test_an_approving_node_cannot_receive(county, actor, org):
    refused(
        services.receive,
        "本节点的职责是“审批”",
        actor=actor("gxu"),
        transfer=launch(county),
        received_on=timezone.localdate(),
        branch=org("ltx_zb1"),
        handler_phone=PHONE,
        confirmed_reported=True,
        confirmed_checked=True,
    )


# -- 办结 (conclude) -----------------------------------------------------------------------------


def test_concluding_takes_the_member_out_of_the_system(national, actor):
    transfer = services.conclude(
        actor=actor("gxu"),
        transfer=national,
        confirmed=True,
        receiver=receiver_for(actor("gxu").org),
    )

    assert transfer.state == S.CONCLUDED
    assert transfer.finished_at is not None
    assert Member.objects.get(pk=transfer.member_id).state == MemberState.OUT_OF_SYSTEM
    assert transfer.steps.get(role=StepRole.CONCLUDE).state == StepState.CONCLUDED
    assert transfer.letters.get().addressee == ELSEWHERE
    assert_replays(transfer)


def test_concluding_needs_the_confirmation(national, actor):
    refused(
        services.conclude,
        "请确认在本党组织办结",
        "confirmed",
        actor=actor("gxu"),
        transfer=national,
        confirmed=False,
    )
    assert fresh(national).state == S.IN_PROGRESS


def test_concluding_needs_the_receiving_side(national, actor):
    refused(
        services.conclude,
        "请选择接收方",
        "receiver",
        actor=actor("gxu"),
        transfer=national,
        confirmed=True,
    )
    assert fresh(national).state == S.IN_PROGRESS


def test_a_receiving_node_cannot_conclude(at_receiver, actor):
    refused(
        services.conclude,
        "本节点的职责是“接收”",
        actor=actor("ltx"),
        transfer=at_receiver,
        confirmed=True,
    )


# -- 撤销 (revoke) -------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", ["draft", "in_progress", "returned"])
def test_the_initiator_can_revoke_an_unfinished_transfer(county, actor, stage):
    transfer = county
    if stage != "draft":
        transfer = launch(transfer)
    if stage == "returned":
        transfer = reject_at_pending(transfer)

    transfer = services.revoke(actor=actor("wxy"), transfer=transfer)

    assert transfer.state == S.REVOKED
    assert transfer.finished_at is not None
    assert Member.objects.get(pk=transfer.member_id).state == MemberState.NORMAL
    assert not transfer.steps.filter(state__in=[StepState.PENDING, StepState.WAITING]).exists()
    assert_replays(transfer)
    # The member is free for a new application.
    draft_to(actor("wxy"), county.target, member=transfer.member)


def test_revoking_is_irreversible(county, actor):
    services.revoke(actor=actor("wxy"), transfer=county)

    refused(services.revoke, "已撤销", actor=actor("wxy"), transfer=county)
    with pytest.raises(TransferError):
        services.launch(actor=actor("wxy"), transfer=county, confirmed=True)
    assert fresh(county).state == S.REVOKED


def test_only_the_initiator_can_revoke(county, actor):
    refused(services.revoke, "只有发起党组织可以撤销", actor=actor("gxu"), transfer=launch(county))


def test_after_receipt_revoke_points_to_send_back(received, actor):
    refused(services.revoke, "退回", actor=actor("wxy"), transfer=received)
    assert fresh(received).state == S.RECEIVED


# -- 报到 (report) -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ltx_zb1", "ltx", "gxu"])
def test_the_branch_or_a_committee_above_it_records_the_report(received, actor, who):
    transfer = services.report(actor=actor(who), transfer=received)

    assert transfer.state == S.COMPLETED
    assert transfer.reported_at is not None
    assert transfer.finished_at is not None
    assert Member.objects.get(pk=transfer.member_id).state == MemberState.NORMAL
    assert_replays(transfer)


@pytest.mark.parametrize("who", ["wxy", "ltx_zb2", "xwcb"])
def test_others_cannot_record_the_report(received, actor, who):
    refused(
        services.report, "只有转入支部或其上级党委可以办理报到", actor=actor(who), transfer=received
    )


def test_it_refuses_a_report_before_the_receipt(at_receiver, actor):
    refused(services.report, "不能办理报到", actor=actor("ltx"), transfer=at_receiver)


# -- 退回 (send back from 未报到) -----------------------------------------------------------------


def test_sending_back_returns_the_member_to_the_source_branch(received, actor, org):
    transfer = services.send_back(actor=actor("ltx"), transfer=received, reason="本人未报到")

    transfer = fresh(transfer)
    assert transfer.state == S.RETURNED
    assert transfer.return_reason == "本人未报到"
    assert (transfer.dest_branch, transfer.dest_path) == (None, "")
    member = transfer.member
    assert (member.branch, member.branch_path) == (org("wxy_zb1"), org("wxy_zb1").path)
    assert member.state == MemberState.IN_TRANSFER
    assert [s for _, _, s in step_states(transfer)] == [StepState.RETURNED] * 3
    assert actions(transfer)[-3:] == [
        EventAction.SEND_BACK,
        EventAction.RETURN_STEP,
        EventAction.RETURN_STEP,
    ]
    assert_replays(transfer)


def test_a_sent_back_transfer_revoked_by_the_initiator_leaves_the_member_at_home(
    received, actor, org
):
    transfer = services.send_back(actor=actor("ltx"), transfer=received, reason="未报到")

    services.revoke(actor=actor("wxy"), transfer=transfer)

    member = Member.objects.get(pk=transfer.member_id)
    assert (member.state, member.branch) == (MemberState.NORMAL, org("wxy_zb1"))
    assert_replays(transfer)


def test_a_branch_cannot_send_back(received, actor):
    refused(
        services.send_back,
        "党支部只能办理报到",
        actor=actor("ltx_zb1"),
        transfer=received,
        reason="未报到",
    )


@pytest.mark.parametrize("reason", ["", "  "])
def test_sending_back_needs_a_reason(received, actor, reason):
    refused(
        services.send_back,
        "请填写退回原因",
        "reason",
        actor=actor("ltx"),
        transfer=received,
        reason=reason,
    )


def test_a_committee_outside_the_destination_cannot_send_back(received, actor):
    refused(
        services.send_back,
        "只有接收方党委可以退回",
        actor=actor("wxy"),
        transfer=received,
        reason="未报到",
    )


def test_a_transfer_in_progress_cannot_be_sent_back(at_receiver, actor):
    refused(
        services.send_back, "不能退回", actor=actor("ltx"), transfer=at_receiver, reason="未报到"
    )


# -- 找回 (retrieve) -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["wxy", "gxu"])
def test_a_committee_over_the_source_branch_retrieves_a_concluded_member(national, actor, org, who):
    transfer = conclude(national)

    found = services.retrieve(actor=actor(who), id_number=transfer.id_number.lower())

    assert found.pk == transfer.pk
    assert found.state == S.RETRIEVED
    member = Member.objects.get(pk=transfer.member_id)
    assert (member.state, member.branch) == (MemberState.NORMAL, org("wxy_zb1"))
    assert actions(transfer)[-1] == EventAction.RETRIEVE
    assert_replays(transfer)


def test_retrieving_twice_is_refused(national, actor):
    transfer = conclude(national)
    services.retrieve(actor=actor("wxy"), id_number=transfer.id_number)

    refused(
        services.retrieve,
        "未找到可找回的党员",
        "id_number",
        actor=actor("wxy"),
        id_number=transfer.id_number,
    )


@pytest.mark.parametrize("who", ["ltx", "wxy_zb1"])
def test_only_a_committee_over_the_source_branch_can_retrieve(national, actor, who):
    transfer = conclude(national)

    with pytest.raises(TransferError):
        services.retrieve(actor=actor(who), id_number=transfer.id_number)
    assert fresh(transfer).state == S.CONCLUDED


def test_retrieving_refuses_a_bad_id_number(actor):
    refused(services.retrieve, "身份证号", "id_number", actor=actor("wxy"), id_number="12345")


def test_retrieving_is_refused_once_the_id_number_is_active_again(national, actor, org):
    transfer = conclude(national)
    member = Member.objects.get(pk=transfer.member_id)
    # The person has meanwhile been taken in by 岳麓区委 from the paper letter.
    inbound = draft_inbound(
        actor("yl"),
        org("yl_jd_zb1"),
        member=inbound_member(name=member.name, id_number=member.id_number, gender=member.gender),
    )
    receive(approve_all(launch(inbound)), org("yl_jd_zb1"))

    refused(
        services.retrieve, "已在系统中", "id_number", actor=actor("wxy"), id_number=member.id_number
    )
    assert fresh(transfer).state == S.CONCLUDED
    assert Member.objects.get(pk=member.pk).state == MemberState.OUT_OF_SYSTEM


# -- 重新发起 (relaunch after a return) -----------------------------------------------------------


def test_relaunching_a_returned_transfer_starts_a_new_round_and_letter_version(county, actor):
    transfer = reject_at_pending(launch(county))
    first_letter = transfer.letters.get()

    transfer = services.relaunch(actor=actor("wxy"), transfer=transfer, confirmed=True)

    assert (transfer.state, transfer.round, transfer.return_reason) == (S.IN_PROGRESS, 2, "")
    assert route(transfer, of_round=2) == route(transfer, of_round=1)
    assert pending(transfer).org.short_name == "广西某大学党委"
    assert pending(transfer).round == 2
    letters = list(transfer.letters.order_by("version"))
    assert [(x.version, x.is_current) for x in letters] == [(1, False), (2, True)]
    assert letters[1].serial_number == first_letter.serial_number
    assert actions(transfer)[-1] == EventAction.RELAUNCH
    assert_replays(approve_all(transfer))


def test_relaunching_may_correct_the_target(county, actor, org):
    transfer = reject_at_pending(launch(county))

    transfer = services.relaunch(
        actor=actor("wxy"), transfer=transfer, confirmed=True, target=org("xwcb_zb1")
    )

    assert fresh(transfer).receiver == org("xwcb")
    assert transfer.letters.get(is_current=True).addressee == org("xwcb").name
    receive(approve_all(transfer), org("xwcb_zb1"))
    assert_replays(transfer)


def test_a_sent_back_transfer_can_be_relaunched(received, actor, org):
    transfer = services.send_back(actor=actor("ltx"), transfer=received, reason="未报到")

    transfer = services.relaunch(actor=actor("wxy"), transfer=transfer, confirmed=True)
    transfer = receive(approve_all(transfer), org("ltx_zb1"))

    assert Member.objects.get(pk=transfer.member_id).branch == org("ltx_zb1")
    assert_replays(report(transfer))


def test_relaunching_needs_the_confirmation(county, actor):
    transfer = reject_at_pending(launch(county))

    refused(
        services.relaunch,
        "已核实党员信息",
        "confirmed",
        actor=actor("wxy"),
        transfer=transfer,
        confirmed=False,
    )


def test_only_a_returned_transfer_can_be_relaunched(county, actor):
    refused(
        services.relaunch,
        "只有被退回的转接可以重新发起",
        actor=actor("wxy"),
        transfer=launch(county),
        confirmed=True,
    )


def test_only_the_initiator_can_relaunch(county, actor):
    transfer = reject_at_pending(launch(county))

    refused(
        services.relaunch,
        "只有发起党组织可以重新发起",
        actor=actor("gxu"),
        transfer=transfer,
        confirmed=True,
    )


# -- 跨省（系统）转入 -----------------------------------------------------------------------------


def test_an_inbound_transfer_creates_the_member_on_receipt(actor, org):
    transfer = draft_inbound(actor("gx"), org("qx_jd_zb1"))
    assert route(transfer) == [
        ("广西区党委", StepRole.INITIATE, "in"),
        ("南宁市委", StepRole.APPROVE, "in"),
        ("青秀区委", StepRole.APPROVE, "in"),
        ("新竹街道党工委", StepRole.RECEIVE, "in"),
    ]

    transfer = services.launch(actor=actor("gx"), transfer=transfer, confirmed=False)
    assert transfer.state == S.IN_PROGRESS
    issued = transfer.letters.get()
    assert (issued.member_name, issued.id_number) == ("欧阳明", outside_id_number())
    assert issued.from_org_name == "中共北京市东城区某街道工作委员会"
    assert not Member.objects.filter(id_number=outside_id_number()).exists()

    transfer = receive(approve_all(transfer), org("qx_jd_zb2"))

    member = Member.objects.get(id_number=outside_id_number())
    assert fresh(transfer).member == member
    assert (member.name, member.branch, member.state) == (
        "欧阳明",
        org("qx_jd_zb2"),
        MemberState.AWAITING_REPORT,
    )
    assert member.joined_on == dt.date(2015, 7, 1)
    assert member.dues_paid_through == transfer.dues_paid_through
    transfer = report(transfer)
    assert Member.objects.get(pk=member.pk).state == MemberState.NORMAL
    assert_replays(transfer)


def test_a_county_committee_takes_in_a_member_through_its_street(actor, org):
    transfer = draft_inbound(actor("yl"), org("yl_jd_zb1"), origin_letter_number="")

    assert [o for o, _, _ in route(transfer)] == ["岳麓区委", "岳麓街道党工委"]
    transfer = receive(launch(transfer), org("yl_jd_zb1"))
    assert Member.objects.get(pk=fresh(transfer).member_id).branch == org("yl_jd_zb1")
    assert_replays(transfer)


def test_an_inbound_member_sent_back_leaves_the_system_again(actor, org):
    transfer = receive(launch(draft_inbound(actor("yl"), org("yl_jd_zb1"))), org("yl_jd_zb1"))

    transfer = services.send_back(actor=actor("yl_jd"), transfer=transfer, reason="不是本人")

    assert fresh(transfer).state == S.RETURNED
    assert Member.objects.get(id_number=outside_id_number()).state == MemberState.OUT_OF_SYSTEM
    assert_replays(transfer)


def test_an_inbound_target_must_be_under_the_creating_committee(actor, org):
    refused(draft_inbound, "须在本党组织范围内", "target", by=actor("yl"), target=org("qx_jd_zb1"))


def test_an_inbound_member_already_in_the_system_is_refused(actor, org):
    demo = members_of(org("qx_jd_zb1"))[0]

    refused(
        draft_inbound,
        "已在本系统中",
        "id_number",
        by=actor("gx"),
        target=org("qx_jd_zb1"),
        member=inbound_member(id_number=demo.id_number),
    )


def test_an_inbound_id_number_is_validated(actor, org):
    good = outside_id_number()
    wrong_check_character = good[:17] + ("1" if good[17] == "0" else "0")

    refused(
        draft_inbound,
        "校验位不正确",
        "id_number",
        by=actor("yl"),
        target=org("yl_jd_zb1"),
        member=inbound_member(id_number=wrong_check_character),
    )


def test_a_branch_cannot_take_in_a_member(actor, org):
    refused(
        draft_inbound, "只有具有县内转接权限的党委", by=actor("yl_jd_zb1"), target=org("yl_jd_zb1")
    )


# -- the event log is append-only ---------------------------------------------------------------


def test_an_event_cannot_be_saved_again(county):
    event = county.events.get()
    event.opinion = "改写"

    with pytest.raises(TypeError):
        event.save()


def test_an_event_cannot_be_deleted(county):
    with pytest.raises(TypeError):
        county.events.get().delete()


@pytest.mark.parametrize("query", ["manager", "related"])
def test_the_event_queryset_refuses_update_and_delete(county, query):
    events = TransferEvent.objects.all() if query == "manager" else county.events.all()

    with pytest.raises(TypeError):
        events.update(opinion="改写")
    with pytest.raises(TypeError):
        events.delete()
    assert county.events.get().opinion == ""


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE transfers_transferevent SET opinion = 'x' WHERE id = %s",
        "DELETE FROM transfers_transferevent WHERE id = %s",
    ],
)
def test_the_database_refuses_a_raw_update_or_delete_of_an_event(county, sql):
    event = county.events.get()

    with (
        pytest.raises((InternalError, ProgrammingError)) as caught,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])

    assert "append-only" in str(caught.value)
    assert TransferEvent.objects.get(pk=event.pk).opinion == ""


# -- typed text must fit its column -------------------------------------------------------------


def test_a_typed_target_name_longer_than_its_column_is_refused(actor):
    refused(
        draft_to,
        "不能超过200个字",
        "target_name",
        by=actor("wxy"),
        target=None,
        transfer_type=TransferType.NATIONAL,
        target_name="某" * 201,
    )


def test_a_typed_target_name_on_change_must_fit_its_column(county, actor):
    refused(
        services.change_target,
        "不能超过200个字",
        "target_name",
        actor=actor("gxu"),
        transfer=launch(county),
        target=None,
        out_of_system=True,
        target_name="某" * 201,
    )


def test_a_typed_target_name_on_relaunch_must_fit_its_column(county, actor):
    transfer = reject_at_pending(launch(county))

    refused(
        services.relaunch,
        "不能超过200个字",
        "target_name",
        actor=actor("wxy"),
        transfer=transfer,
        confirmed=True,
        out_of_system=True,
        target_name="某" * 201,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"origin_name": "某" * 201}, "origin_name"),
        ({"origin_letter_number": "1" * 41}, "origin_letter_number"),
        ({"member": inbound_member(ethnicity="某" * 21)}, "ethnicity"),
    ],
)
def test_inbound_typed_text_must_fit_its_column(actor, org, changes, field):
    with pytest.raises(TransferError) as caught:
        draft_inbound(actor("yl"), org("yl_jd_zb1"), **changes)

    assert caught.value.field == field


def test_a_member_phone_typed_with_spaces_is_stored_without_them(actor, org):
    transfer = draft_to(
        actor("wxy"), org("ltx_zb1"), letter=letter(member_phone=" 1 3 8 0 0 1 3 8 0 0 0 ")
    )

    assert fresh(transfer).member_phone == "13800138000"


# -- an inbound member sent back, while the person is active again in the system -----------------


@pytest.fixture
def sent_back_inbound(national, actor, org):
    """A 全国 transfer concluded at the university, the person taken in by 岳麓区委 from the paper
    letter and sent back again (his new record has left the system)."""
    person = Member.objects.get(pk=conclude(national).member_id)
    inbound = draft_inbound(
        actor("yl"),
        org("yl_jd_zb1"),
        member=inbound_member(name=person.name, id_number=person.id_number, gender=person.gender),
    )
    inbound = receive(launch(inbound), org("yl_jd_zb1"))
    return services.send_back(actor=actor("yl_jd"), transfer=inbound, reason="档案未到")


def test_an_inbound_relaunch_is_refused_when_the_person_is_active_again(sent_back_inbound, actor):
    services.retrieve(actor=actor("wxy"), id_number=sent_back_inbound.id_number)

    refused(
        services.relaunch,
        "已在本系统中",
        "id_number",
        actor=actor("yl"),
        transfer=sent_back_inbound,
        confirmed=True,
    )


def test_an_inbound_receipt_is_refused_when_the_person_became_active_meanwhile(
    sent_back_inbound, actor, org
):
    inbound = services.relaunch(actor=actor("yl"), transfer=sent_back_inbound, confirmed=True)
    services.retrieve(actor=actor("wxy"), id_number=inbound.id_number)

    refused(receive, "已在本系统中", transfer=inbound, branch=org("yl_jd_zb1"))
    assert fresh(inbound).state == S.IN_PROGRESS


# -- two people clicking at once ----------------------------------------------------------------


@pytest.mark.postgres
def test_of_two_simultaneous_approvals_exactly_one_wins(demo_db):
    transfer = launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1")))
    gxu = actor_for(org_of("gxu"))
    start = threading.Barrier(2)
    outcomes = []

    def click():
        start.wait()
        try:
            services.approve(actor=gxu, transfer=transfer, confirmed=True)
            outcomes.append("approved")
        except StaleTransfer as e:
            outcomes.append(e.message)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    approved, refused = sorted(outcomes, key=len)
    assert approved == "approved"
    # the losing click is told who acted first, what they did and when
    acted = fresh(transfer).events.get(action=EventAction.APPROVE)
    at = timezone.localtime(acted.at).strftime("%Y-%m-%d %H:%M")
    assert refused == (
        f"该转接已由中共广西某大学委员会于 {at} 办理（同意），"
        "当前状态为“审批中”，请刷新页面后查看。"
    )
    assert fresh(transfer).events.filter(action=EventAction.APPROVE).count() == 1
    assert pending(transfer).org == org_of("ltx")
