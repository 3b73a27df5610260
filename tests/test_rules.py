"""Who may act on a transfer now (transfers.rules): the one rule the screens and services share."""

import pytest

from tests.transfer_helpers import (
    actor_for,
    approve_all,
    conclude,
    draft_to,
    fresh,
    launch,
    members_of,
    pending,
    receive,
    reject_at_pending,
)
from transfers import rules, services
from transfers.errors import StaleTransfer, TransferError
from transfers.models import TransferType
from transfers.rules import Action

pytestmark = pytest.mark.django_db

POOL = ("wxy", "wxy_zb1", "gxu", "ltx", "ltx_zb1", "lxy", "gx", "nn")


def offered(transfer, org) -> set[str]:
    return {name for name, ok in rules.allowed_actions(fresh(transfer), org).items() if ok}


def table(transfer, org) -> dict[str, set[str]]:
    """What each organisation of the pool is offered on ``transfer``, the empty ones left out."""
    return {name: got for name in POOL if (got := offered(transfer, org(name)))}


@pytest.fixture
def county(org):
    """A drafted 县内 transfer of a 文学院教工党支部 member to 离退休第一党支部."""
    by = actor_for(org("wxy"))
    return draft_to(by, org("ltx_zb1"), member=members_of(org("wxy_zb1"))[0])


def test_a_draft_is_the_initiators_alone(county, org):
    assert table(county, org) == {"wxy": {"launch", "revoke"}}


def test_the_node_whose_turn_it_is_approves_rejects_or_changes(county, org):
    launched = launch(county)
    assert pending(launched).org == org("gxu")

    assert table(launched, org) == {
        "wxy": {"revoke"},
        "gxu": {"approve", "reject", "change"},
    }


def test_the_last_node_receives_instead_of_approving(county, org):
    at_receiver = approve_all(launch(county))

    assert table(at_receiver, org) == {
        "wxy": {"revoke"},
        "ltx": {"receive", "reject", "change"},
    }


def test_a_received_member_is_reported_by_the_branch_and_sent_back_only_by_a_committee(county, org):
    received = receive(approve_all(launch(county)), org("ltx_zb1"))

    assert table(received, org) == {
        "gx": {"report", "send_back"},
        "gxu": {"report", "send_back"},
        "ltx": {"report", "send_back"},
        "ltx_zb1": {"report"},
    }


def test_a_returned_transfer_may_be_relaunched_or_revoked_by_its_initiator(county, org):
    returned = reject_at_pending(launch(county))

    assert table(returned, org) == {"wxy": {"relaunch", "revoke"}}


def test_a_transfer_out_of_the_system_takes_its_paper_receipt_at_either_end(org):
    by = actor_for(org("wxy"))
    national = launch(
        draft_to(by, None, transfer_type=TransferType.NATIONAL, target_name="外省某党支部")
    )
    assert pending(national).org == org("gxu")

    done = conclude(national)

    assert table(done, org) == {"wxy": {"receipt"}, "gxu": {"receipt"}}


def test_require_returns_the_pending_step_for_a_nodes_action(county, org):
    launched = fresh(launch(county))

    step = rules.require(launched, org("gxu"), Action.APPROVE)

    assert step == pending(launched)


def test_a_node_that_has_lost_its_turn_is_told_someone_else_acted(county, org):
    launched = launch(county)
    services.approve(actor=actor_for(org("gxu")), transfer=launched, confirmed=True)

    with pytest.raises(StaleTransfer):
        rules.require(fresh(launched), org("gxu"), Action.APPROVE)


@pytest.mark.parametrize("action", list(Action))
def test_every_refusal_is_a_chinese_sentence(county, org, action):
    outsider = org("lxy")
    with pytest.raises(TransferError) as caught:
        rules.require(fresh(county), outsider, action)
    assert caught.value.message.endswith("。")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)


@pytest.mark.parametrize(
    ("action", "call"),
    [
        (Action.APPROVE, lambda a, t: services.approve(actor=a, transfer=t, confirmed=True)),
        (Action.REJECT, lambda a, t: services.reject(actor=a, transfer=t, reason="材料不全")),
        (Action.REVOKE, lambda a, t: services.revoke(actor=a, transfer=t)),
    ],
)
def test_the_services_refuse_exactly_what_the_screens_do_not_offer(county, org, action, call):
    launched = launch(county)
    for name in POOL:
        actor = actor_for(org(name))
        if rules.may(fresh(launched), actor.org, action):
            continue
        with pytest.raises(TransferError):
            call(actor, fresh(launched))
