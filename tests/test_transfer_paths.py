"""转接路径 and the type checks (DESIGN.md §4 "Types" and "Path") on the demo tree."""

import pytest

from orgs.models import COMMITTEE_LEVELS, Authority, Level, Organisation
from orgs.tree import (
    approval_nodes,
    county_domain_root,
    national_node,
    province_domain_root,
    receiving_committee,
    subtree,
)
from tests.transfer_helpers import draft_to, fresh, route
from transfers import paths, services
from transfers.errors import TransferError
from transfers.models import Direction, StepRole, StepState, TransferType
from transfers.services import Actor

pytestmark = pytest.mark.django_db

COUNTY, PROVINCE, NATIONAL = TransferType.COUNTY, TransferType.PROVINCE, TransferType.NATIONAL
INITIATE, APPROVE, RECEIVE, CONCLUDE = (
    StepRole.INITIATE,
    StepRole.APPROVE,
    StepRole.RECEIVE,
    StepRole.CONCLUDE,
)
OUT, IN = Direction.OUT, Direction.IN
ELSEWHERE = "中共北京市东城区某街道工作委员会"


@pytest.fixture
def actor(org, user):
    """actor("wxy") → the demo login ``wxy`` acting for 文学院党委."""
    return lambda username: Actor(user=user(username), org=org(username))


def planned(plan: paths.Plan) -> list[tuple[str, str, str]]:
    return [(s.org.short_name, s.role, s.direction) for s in plan.steps]


def refusal(actor, target, transfer_type, **kwargs) -> TransferError:
    with pytest.raises(TransferError) as caught:
        draft_to(actor, target, transfer_type=transfer_type, **kwargs)
    return caught.value


# -- the path -----------------------------------------------------------------------------------


def test_a_county_transfer_from_wxy_to_ltx_goes_up_to_the_university_and_down(actor, org):
    transfer = draft_to(actor("wxy"), org("ltx_zb1"))

    assert route(transfer) == [
        ("文学院党委", INITIATE, OUT),
        ("广西某大学党委", APPROVE, OUT),
        ("离退休党委", RECEIVE, IN),
    ]
    assert fresh(transfer).receiver == org("ltx")


def test_plan_path_gives_the_same_route_as_the_draft(org):
    plan = paths.plan_path(
        start=org("wxy"),
        target=org("ltx_zb1"),
        out_of_system=False,
        source_path=org("wxy_zb1").path,
    )

    assert planned(plan) == [("广西某大学党委", APPROVE, OUT), ("离退休党委", RECEIVE, IN)]
    assert plan.end == org("ltx")
    assert not plan.concludes


@pytest.mark.parametrize("target", ["qx_jd", "qx_jd_zb1"])
def test_a_provincial_transfer_to_the_street_passes_the_province_city_and_district(
    actor, org, target
):
    transfer = draft_to(actor("wxy"), org(target), transfer_type=PROVINCE)

    assert route(transfer) == [
        ("文学院党委", INITIATE, OUT),
        ("广西某大学党委", APPROVE, OUT),
        ("广西区党委", APPROVE, OUT),  # the top of the route (LCA) is still 转出
        ("南宁市委", APPROVE, IN),
        ("青秀区委", APPROVE, IN),
        ("新竹街道党工委", RECEIVE, IN),
    ]
    assert fresh(transfer).receiver == org("qx_jd")


def test_plan_path_for_a_provincial_transfer_ends_at_the_receiving_committee(org):
    plan = paths.plan_path(
        start=org("wxy"),
        target=org("qx_jd_zb1"),
        out_of_system=False,
        source_path=org("wxy_zzb1_zb1").path,
    )

    assert [s.org for s in plan.steps] == [org(u) for u in ("gxu", "gx", "nn", "qx", "qx_jd")]
    assert plan.end == org("qx_jd")


def test_a_national_transfer_is_concluded_at_the_first_national_node(actor, org):
    transfer = draft_to(actor("wxy"), None, transfer_type=NATIONAL, target_name=ELSEWHERE)

    assert route(transfer) == [("文学院党委", INITIATE, OUT), ("广西某大学党委", CONCLUDE, OUT)]
    transfer = fresh(transfer)
    assert transfer.out_of_system
    assert transfer.receiver == org("gxu")
    assert transfer.target is None
    assert transfer.target_name == ELSEWHERE


def test_plan_path_out_of_the_system_concludes_at_the_national_node(org):
    plan = paths.plan_path(
        start=org("wxy"), target=None, out_of_system=True, source_path=org("wxy_zb1").path
    )

    assert planned(plan) == [("广西某大学党委", CONCLUDE, OUT)]
    assert plan.end == org("gxu")
    assert plan.concludes


@pytest.mark.parametrize("transfer_type", [COUNTY, PROVINCE])
def test_a_typed_target_outside_the_tree_ends_in_conclusion_at_the_national_node(
    actor, org, transfer_type
):
    transfer = draft_to(
        actor("wxy"),
        org("ltx_zb1"),  # ignored: the box 目的地不在本系统 is ticked
        transfer_type=transfer_type,
        out_of_system=True,
        target_name=ELSEWHERE,
    )

    assert route(transfer) == [("文学院党委", INITIATE, OUT), ("广西某大学党委", CONCLUDE, OUT)]
    transfer = fresh(transfer)
    assert transfer.type == transfer_type
    assert transfer.target is None
    assert transfer.target_name == ELSEWHERE


def test_an_inbound_path_runs_down_from_the_creating_committee(org):
    plan = paths.plan_path(
        start=org("gx"), target=org("qx_jd_zb1"), out_of_system=False, source_path=""
    )

    assert planned(plan) == [
        ("南宁市委", APPROVE, IN),
        ("青秀区委", APPROVE, IN),
        ("新竹街道党工委", RECEIVE, IN),
    ]


def test_when_the_start_itself_receives_the_plan_is_that_one_node(org):
    """更改 at the university to a target it receives itself: it acts again, as receiver."""
    plan = paths.plan_path(
        start=org("gxu"), target=org("gxu"), out_of_system=False, source_path=org("wxy_zb1").path
    )

    assert planned(plan) == [("广西某大学党委", RECEIVE, IN)]


# -- the type checks ----------------------------------------------------------------------------


def test_it_refuses_a_county_transfer_to_an_org_outside_the_university(actor, org):
    error = refusal(actor("wxy"), org("qx_jd_zb1"), COUNTY)

    assert error.field == "target"
    assert "县内直接转接的目的地党组织须在中共广西某大学委员会范围内" in error.message


def test_it_refuses_a_provincial_transfer_inside_the_university(actor, org):
    error = refusal(actor("wxy"), org("ltx_zb1"), PROVINCE)

    assert error.field == "target"
    assert "请选择县内直接转接" in error.message


def test_it_refuses_a_provincial_transfer_to_another_province(actor, org):
    error = refusal(actor("wxy"), org("yl_jd_zb1"), PROVINCE)

    assert error.field == "target"
    assert "须在中共广西壮族自治区委员会范围内" in error.message
    assert "全国直接转接" in error.message


def test_a_national_transfer_is_always_out_of_the_system(actor, org):
    transfer = draft_to(
        actor("wxy"),
        org("yl_jd_zb1"),
        transfer_type=NATIONAL,
        out_of_system=False,
        target_name=ELSEWHERE,
    )

    assert transfer.out_of_system
    assert transfer.target is None


def test_check_target_refuses_a_national_transfer_without_the_box(org):
    with pytest.raises(TransferError) as caught:
        paths.check_target(
            initiator=org("wxy"),
            transfer_type=NATIONAL,
            target=None,
            out_of_system=False,
            target_name=ELSEWHERE,
        )

    assert caught.value.field == "out_of_system"


def test_a_national_transfer_needs_the_typed_name_of_the_target(actor):
    error = refusal(actor("wxy"), None, NATIONAL, target_name="   ")

    assert error.field == "target_name"
    assert "请填写目的地党组织名称" in error.message


@pytest.mark.parametrize("target", ["wxy_zb2", "wxy_zzb1_zb1", "wxy_zzb1"])
def test_it_refuses_a_target_the_initiator_receives_itself(actor, org, target):
    error = refusal(actor("wxy"), org(target), COUNTY)

    assert error.field == "target"
    assert "支部间转接" in error.message


def test_it_refuses_a_missing_target(actor):
    error = refusal(actor("wxy"), None, COUNTY)

    assert error.field == "target"
    assert "请选择目的地党组织" in error.message


def test_it_refuses_a_dissolved_target(actor, org):
    Organisation.objects.filter(pk=org("ltx_zb1").pk).update(is_active=False)

    error = refusal(actor("wxy"), org("ltx_zb1"), COUNTY)

    assert error.field == "target"
    assert "已撤销" in error.message


@pytest.mark.parametrize("transfer_type", [TransferType.BRANCH, TransferType.INBOUND, ""])
def test_the_transfer_wizard_only_takes_county_province_or_national(actor, org, transfer_type):
    error = refusal(actor("wxy"), org("ltx_zb1"), transfer_type)

    assert error.field == "transfer_type"


# -- the 放大镜 dialog ----------------------------------------------------------------------------


def accepted(initiator: Organisation, transfer_type: str, target: Organisation) -> bool:
    try:
        paths.check_target(
            initiator=initiator, transfer_type=transfer_type, target=target, out_of_system=False
        )
    except TransferError:
        return False
    return True


@pytest.mark.parametrize("lazy", [False, True])
@pytest.mark.parametrize("initiator", ["wxy", "ltx", "qx_jd", "yl_jd"])
@pytest.mark.parametrize("transfer_type", [COUNTY, PROVINCE])
def test_target_candidates_are_exactly_the_targets_check_target_accepts(
    org, initiator, transfer_type, lazy
):
    initiator = org(initiator)
    offered = set(
        paths.target_candidates(initiator=initiator, transfer_type=transfer_type, lazy=lazy)
    )

    everyone = Organisation.objects.filter(is_active=True)
    assert offered == {o for o in everyone if accepted(initiator, transfer_type, o)}


@pytest.mark.parametrize("initiator", ["wxy", "ltx", "qx_jd", "yl_jd", "gxu", "nn", "gx"])
@pytest.mark.parametrize("transfer_type", [COUNTY, PROVINCE, NATIONAL])
def test_a_chosen_target_is_checked_by_the_same_rule_compiled(org, initiator, transfer_type):
    """``target_candidate`` (one key, a compiled statement) says yes exactly for the
    organisations ``target_candidates`` offers, whatever the initiator's level."""
    initiator = org(initiator)
    offered = set(paths.target_candidates(initiator=initiator, transfer_type=transfer_type))
    for o in Organisation.objects.all():
        got = paths.target_candidate(initiator=initiator, transfer_type=transfer_type, pk=o.pk)
        assert (got == o) if o in offered else (got is None), o.name
    missing = Organisation.objects.order_by("-pk").first().pk + 1
    assert paths.target_candidate(initiator=initiator, transfer_type=COUNTY, pk=missing) is None


def test_county_candidates_of_wxy_are_in_the_university_without_its_own_branches(org):
    offered = set(paths.target_candidates(initiator=org("wxy"), transfer_type=COUNTY))

    assert {org(u) for u in ("gxu", "ltx", "ltx_zb1", "xwcb_zb1")} <= offered
    own = {org(u) for u in ("wxy", "wxy_zb1", "wxy_zb2", "wxy_zzb1", "wxy_zzb1_zb1")}
    assert not own & offered
    assert offered <= set(subtree(org("gxu")))


def test_provincial_candidates_of_wxy_are_the_rest_of_guangxi(org):
    offered = set(paths.target_candidates(initiator=org("wxy"), transfer_type=PROVINCE))

    assert offered == {org(u) for u in ("gx", "nn", "qx", "qx_jd", "qx_jd_zb1", "qx_jd_zb2")}


def test_target_candidates_filter_by_a_name_fragment(org):
    offered = paths.target_candidates(initiator=org("wxy"), transfer_type=COUNTY, name=" 离退休 ")

    assert set(offered) == {org("ltx"), org("ltx_zb1"), org("ltx_zb2")}


def test_there_are_no_candidates_for_a_national_transfer(org):
    assert not paths.target_candidates(initiator=org("wxy"), transfer_type=NATIONAL).exists()


def test_target_candidates_leave_out_dissolved_orgs(org):
    Organisation.objects.filter(pk=org("ltx_zb2").pk).update(is_active=False)

    offered = paths.target_candidates(initiator=org("wxy"), transfer_type=COUNTY, name="离退休")

    assert set(offered) == {org("ltx"), org("ltx_zb1")}


def test_only_a_committee_with_county_authority_can_initiate(org):
    assert paths.can_initiate(org("wxy"))
    assert paths.can_initiate(org("gx"))
    assert not paths.can_initiate(org("wxy_zb1"))
    assert not paths.can_initiate(org("wxy_zzb1"))


def test_one_ancestry_query_answers_as_the_tree_does():
    """An ``Ancestry`` read for several organisations at once (as path planning reads it)
    answers as ``orgs.tree`` does for each alone, for every organisation of the demo tree."""
    orgs = list(Organisation.objects.order_by("path"))
    committees = [o for o in orgs if o.is_committee]
    for org in orgs:
        tree = paths.Ancestry(org, *committees[:3])
        assert tree.domain_root(org, Level.COUNTY) == county_domain_root(org)
        assert tree.domain_root(org, Level.PROVINCE) == province_domain_root(org)
        assert tree.receiving_committee(org) == receiving_committee(org)
        assert tree.national_node(org) == national_node(org)
        for committee in committees[:3]:
            end = receiving_committee(committee) or committee
            assert tree.approval_nodes(org, end) == approval_nodes(org, end)


def test_direct_branches_are_those_of_direct_branch_ids():
    """接收 and 支部间转接 offer, in one query, the branches ``direct_branch_ids`` allows: the
    committee's own and those under its direct 党总支."""
    seen_general = False
    for org in Organisation.objects.filter(level__in=COMMITTEE_LEVELS):
        branches = list(services.direct_branches(org))
        assert {b.pk for b in branches} == services.direct_branch_ids(org)
        assert [b.path for b in branches] == sorted(b.path for b in branches)
        seen_general |= any(b.depth == org.depth + 2 for b in branches)
    assert seen_general


def test_launch_keeps_the_drafts_path_unless_the_tree_has_changed_since(actor, org):
    wxy = actor("wxy")
    kept = draft_to(wxy, org("ltx_zb1"))
    drafted = list(kept.steps.order_by("order").values_list("pk", flat=True))
    services.launch(actor=wxy, transfer=kept, confirmed=True)
    steps = list(kept.steps.order_by("order"))
    assert [s.pk for s in steps] == drafted
    assert [s.state for s in steps] == [StepState.LAUNCHED, StepState.PENDING, StepState.WAITING]

    replanned = draft_to(wxy, org("ltx_zb1"))
    assert route(replanned) == [
        ("文学院党委", INITIATE, OUT),
        ("广西某大学党委", APPROVE, OUT),
        ("离退休党委", RECEIVE, IN),
    ]
    Organisation.objects.filter(pk=org("ltx").pk).update(authority=Authority.NONE)
    services.launch(actor=wxy, transfer=replanned, confirmed=True)
    assert route(replanned) == [("文学院党委", INITIATE, OUT), ("广西某大学党委", RECEIVE, IN)]
    steps = list(replanned.steps.order_by("order"))
    assert [s.state for s in steps] == [StepState.LAUNCHED, StepState.PENDING]
    assert fresh(replanned).receiver == org("gxu")
