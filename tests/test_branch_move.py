"""支部间转接: a committee moves members between two of its own branches."""

import pytest
from django.urls import reverse

from members.models import Member
from tests.transfer_helpers import actor_for, org_of
from transfers import selectors, services
from transfers.errors import TransferError
from transfers.models import EventAction, TransferState, TransferType, replay

pytestmark = pytest.mark.django_db


def first_member(branch):
    return Member.objects.filter(branch=branch).order_by("pk").first()


def test_it_moves_a_member_and_records_a_finished_transfer_in_both_histories():
    wxy = actor_for(org_of("wxy"))
    member = first_member(org_of("wxy_zb1"))
    [transfer] = services.move_between_branches(
        actor=wxy, members=[member], to_branch=org_of("wxy_zzb1_zb1"), confirmed=True
    )
    member.refresh_from_db()
    assert member.branch == org_of("wxy_zzb1_zb1")
    assert member.branch_path == org_of("wxy_zzb1_zb1").path
    assert transfer.type == TransferType.BRANCH
    assert transfer.state == TransferState.COMPLETED
    assert transfer in selectors.outgoing_history(org_of("wxy_zb1"))
    assert transfer in selectors.incoming_history(org_of("wxy_zzb1_zb1"))
    assert transfer not in selectors.incoming_history(org_of("wxy_zb1"))
    [event] = transfer.events.all()
    assert event.action == EventAction.DIRECT
    assert replay(transfer.events.all()) == transfer.state
    assert not transfer.letters.exists()


def test_it_refuses_a_branch_of_another_committee():
    with pytest.raises(TransferError, match="直属") as e:
        services.move_between_branches(
            actor=actor_for(org_of("wxy")),
            members=[first_member(org_of("wxy_zb1"))],
            to_branch=org_of("ltx_zb1"),
            confirmed=True,
        )
    assert e.value.field == "to_branch"


def test_it_refuses_a_member_of_another_committee():
    with pytest.raises(TransferError, match="不是本党委直属"):
        services.move_between_branches(
            actor=actor_for(org_of("wxy")),
            members=[first_member(org_of("ltx_zb1"))],
            to_branch=org_of("wxy_zb2"),
            confirmed=True,
        )


def test_it_refuses_without_confirmation_and_changes_nothing():
    member = first_member(org_of("wxy_zb1"))
    with pytest.raises(TransferError, match="确认"):
        services.move_between_branches(
            actor=actor_for(org_of("wxy")),
            members=[member],
            to_branch=org_of("wxy_zb2"),
            confirmed=False,
        )
    member.refresh_from_db()
    assert member.branch == org_of("wxy_zb1")


def test_a_branch_cannot_do_it():
    with pytest.raises(TransferError, match="党委"):
        services.move_between_branches(
            actor=actor_for(org_of("wxy_zb1")),
            members=[first_member(org_of("wxy_zb1"))],
            to_branch=org_of("wxy_zb2"),
            confirmed=True,
        )


def test_the_page_moves_members_with_a_confirmation(client_as):
    member = first_member(org_of("wxy_zb1"))
    client = client_as("wxy")
    page = client.get(reverse("transfers:branch"), {"from_branch": org_of("wxy_zb1").pk})
    assert member.name in page.content.decode()
    data = {
        "from_branch": org_of("wxy_zb1").pk,
        "members": [member.pk],
        "to_branch": org_of("wxy_zb2").pk,
    }
    refused = client.post(reverse("transfers:branch"), data)
    assert refused.status_code == 400
    assert "请确认" in refused.content.decode()
    response = client.post(reverse("transfers:branch"), {**data, "confirmed": "on"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.branch == org_of("wxy_zb2")
    assert "支部间转接已完成" in client.get(response.url).content.decode()


def test_the_page_refuses_a_foreign_branch_next_to_the_field(client_as):
    member = first_member(org_of("wxy_zb1"))
    response = client_as("wxy").post(
        reverse("transfers:branch"),
        {
            "from_branch": org_of("wxy_zb1").pk,
            "members": [member.pk],
            "to_branch": org_of("ltx_zb1").pk,
            "confirmed": "on",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["to_branch"]


def test_branches_get_403_and_siblings_see_nothing(client_as):
    assert client_as("wxy_zb1").get(reverse("transfers:branch")).status_code == 403
    html = client_as("ltx").get(reverse("transfers:branch")).content.decode()
    assert "文学院" not in html
