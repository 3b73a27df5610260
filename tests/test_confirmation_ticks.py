"""A confirmation tick counts only when it is exactly what a ticked box sends ("on").

For each of the 12 confirmations (DESIGN.md §4: every box is enforced on the server), a request
that carries the box with another value — or without it — changes nothing; the same request with
"on" goes through (so the test can fail).
"""

from __future__ import annotations

import pytest

from tests.transfer_helpers import actor_for, launch, org_of, reject_at_pending
from tests.transfer_view_helpers import (
    application_data,
    conclude_data,
    inbound,
    national,
    receive_data,
    snapshot,
    stage,
    url,
    wxy_member,
)
from transfers import services
from transfers.errors import TransferError
from transfers.models import Transfer, TransferState

pytestmark = pytest.mark.django_db

NOT_TICKED = ["0", "off", "no", "false", "False", "", "yes", "1", "true", "ON", " on", None]


def _returned_inbound() -> Transfer:
    transfer = launch(inbound())
    reject_at_pending(transfer)
    return Transfer.objects.get(pk=transfer.pk)


def _branch_data(_transfer=None) -> dict:
    """支部间转接 of the usual leaver to another branch of 文学院党委."""
    member = wxy_member()
    other = next(b.pk for b in services.direct_branches(org_of("wxy")) if b.pk != member.branch_id)
    return {"from_branch": member.branch_id, "to_branch": other, "members": [member.pk]}


# name → (build, who, url name, the form without the box, the box's name)
CONFIRMATIONS = {
    "确认发起（转出申请）": (
        lambda: stage("draft"),
        "wxy",
        lambda t: url("apply_launch"),
        lambda t: {"ids": t.pk},
        "confirmed",
    ),
    "确认发起（草稿）": (
        lambda: stage("draft"),
        "wxy",
        lambda t: url("launch", t),
        lambda t: {},
        "confirmed",
    ),
    "重新发起": (
        lambda: stage("returned"),
        "wxy",
        lambda t: url("relaunch", t),
        lambda t: application_data(version=t.version),
        "confirmed",
    ),
    "重新发起（跨省（系统）转入）": (
        _returned_inbound,
        "wxy",
        lambda t: url("relaunch", t),
        lambda t: {
            "version": t.version,
            "target": org_of("wxy_zb1").pk,
            "target_query": org_of("wxy_zb1").name,
            "dues_paid_through": t.dues_paid_through.strftime("%Y-%m"),
            "validity_days": "90",
            "member_phone": "",
            "letter_remarks": "",
        },
        "confirmed",
    ),
    "同意": (
        lambda: stage("launched"),
        "gxu",
        lambda t: url("approve", t),
        lambda t: {"version": t.version, "opinion": "同意"},
        "confirmed",
    ),
    "接收（已报到编入支部）": (
        lambda: stage("at_receiver"),
        "ltx",
        lambda t: url("receive", t),
        lambda t: {k: v for k, v in receive_data(t).items() if k != "confirmed_reported"},
        "confirmed_reported",
    ),
    "接收（已审核）": (
        lambda: stage("at_receiver"),
        "ltx",
        lambda t: url("receive", t),
        lambda t: {k: v for k, v in receive_data(t).items() if k != "confirmed_checked"},
        "confirmed_checked",
    ),
    "办结": (
        national,
        "gxu",
        lambda t: url("conclude", t),
        lambda t: {k: v for k, v in conclude_data(t).items() if k != "confirmed"},
        "confirmed",
    ),
    "撤销（已办工作）": (
        lambda: stage("launched"),
        "wxy",
        lambda t: url("revoke", t),
        lambda t: {"version": t.version},
        "confirmed",
    ),
    "撤销（被退回）": (
        lambda: stage("returned"),
        "wxy",
        lambda t: url("revoke", t),
        lambda t: {"version": t.version},
        "confirmed",
    ),
    "报到": (
        lambda: stage("received"),
        "ltx_zb1",
        lambda t: url("report", t),
        lambda t: {"version": t.version},
        "confirmed",
    ),
    "支部间转接": (
        lambda: None,
        "wxy",
        lambda t: url("branch"),
        _branch_data,
        "confirmed",
    ),
}


def _state(transfer):
    if transfer is None:
        member = wxy_member()
        return ("branch", member.pk, member.branch_id)
    return snapshot(transfer)


def test_there_are_twelve_confirmations():
    assert len(CONFIRMATIONS) == 12


@pytest.mark.parametrize("name", list(CONFIRMATIONS))
def test_a_box_not_exactly_ticked_confirms_nothing(client_as, name):
    build, who, where, data, box = CONFIRMATIONS[name]
    transfer = build()
    client = client_as(who)
    accepted = 0
    for value in NOT_TICKED:
        before = _state(transfer)
        form = data(transfer)
        if value is not None:
            form[box] = value
        client.post(where(transfer), form)
        accepted += _state(transfer) != before
    assert accepted == 0
    form = {**data(transfer), box: "on"}
    before = _state(transfer)
    response = client.post(where(transfer), form)
    assert response.status_code == 302, name
    assert _state(transfer) != before, name


def test_the_service_refuses_an_unticked_relaunch_of_a_returned_inbound_transfer():
    transfer = _returned_inbound()
    with pytest.raises(TransferError, match="已核实党员信息"):
        services.relaunch(actor=actor_for(org_of("wxy")), transfer=transfer, confirmed=False)
    assert Transfer.objects.get(pk=transfer.pk).state == TransferState.RETURNED
