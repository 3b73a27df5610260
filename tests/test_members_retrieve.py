"""找回 on 党员信息维护: the view over services.retrieve."""

import pytest
from django.urls import reverse

from members.models import MemberState
from tests.transfer_helpers import actor_for, approve_all, conclude, draft_to, launch, org_of
from transfers.models import TransferState, TransferType

pytestmark = pytest.mark.django_db


@pytest.fixture
def concluded():
    """A member of 文学院 sent out of the system (全国直接转接, 办结 at the university)."""
    transfer = draft_to(
        actor_for(org_of("wxy")),
        None,
        transfer_type=TransferType.NATIONAL,
        target_name="中共北京市海淀区某街道工作委员会",
    )
    transfer = conclude(approve_all(launch(transfer)))
    transfer.member.refresh_from_db()
    assert transfer.member.state == MemberState.OUT_OF_SYSTEM
    return transfer


def test_the_member_list_offers_retrieve_to_committees_only(client_as):
    assert "找回" in client_as("wxy").get(reverse("members:list")).content.decode()
    assert "找回党员" not in client_as("wxy_zb1").get(reverse("members:list")).content.decode()
    assert client_as("wxy_zb1").get(reverse("members:retrieve")).status_code == 403


def test_looking_up_the_id_number_shows_the_match(client_as, concluded):
    response = client_as("wxy").post(
        reverse("members:retrieve"), {"id_number": concluded.id_number, "lookup": "1"}
    )
    html = response.content.decode()
    assert concluded.member_name in html
    assert "中共北京市海淀区某街道工作委员会" in html
    assert 'type="submit" class="btn btn-small btn-primary">找回' in html


def test_the_partial_answer_is_only_the_result(client_as, concluded):
    response = client_as("wxy").post(
        reverse("members:retrieve"),
        {"id_number": concluded.id_number, "partial": "1", "lookup": "1"},
    )
    assert "<html" not in response.content.decode()
    assert concluded.member_name in response.content.decode()


def test_retrieving_restores_the_member_and_keeps_the_record(client_as, concluded):
    response = client_as("wxy").post(
        reverse("members:retrieve"), {"id_number": concluded.id_number}
    )
    assert response.status_code == 302
    concluded.refresh_from_db()
    concluded.member.refresh_from_db()
    assert concluded.state == TransferState.RETRIEVED
    assert concluded.member.state == MemberState.NORMAL
    assert concluded.member.branch == concluded.source_branch
    page = client_as("wxy").get(response.url).content.decode()
    assert "已找回" in page


@pytest.mark.parametrize("username", ["ltx", "xwcb", "hn"])
def test_another_committee_finds_nothing(client_as, concluded, username):
    response = client_as(username).post(
        reverse("members:retrieve"), {"id_number": concluded.id_number, "lookup": "1"}
    )
    assert "未找到可找回的党员" in response.content.decode()
    response = client_as(username).post(
        reverse("members:retrieve"), {"id_number": concluded.id_number}
    )
    assert response.status_code == 400
    concluded.refresh_from_db()
    assert concluded.state == TransferState.CONCLUDED


def test_the_university_above_the_branch_may_retrieve_too(client_as, concluded):
    response = client_as("gxu").post(
        reverse("members:retrieve"), {"id_number": concluded.id_number}
    )
    assert response.status_code == 302


def test_an_invalid_id_number_is_explained_next_to_the_field(client_as):
    response = client_as("wxy").post(
        reverse("members:retrieve"), {"id_number": "45010319900101123Y", "lookup": "1"}
    )
    assert response.context["form"].errors["id_number"]
    assert "身份证号" in response.content.decode()


def test_retrieving_twice_is_refused(client_as, concluded):
    client = client_as("wxy")
    client.post(reverse("members:retrieve"), {"id_number": concluded.id_number})
    response = client.post(reverse("members:retrieve"), {"id_number": concluded.id_number})
    assert response.status_code == 400
    assert "未找到可找回的党员" in response.content.decode()


def test_the_lookup_is_a_post_that_changes_nothing_and_no_url_carries_the_number(
    client_as, concluded
):
    client = client_as("wxy")
    response = client.post(
        reverse("members:retrieve"), {"id_number": concluded.id_number, "lookup": "1"}
    )
    assert response.status_code == 200
    concluded.refresh_from_db()
    assert concluded.state == TransferState.CONCLUDED
    # A number in the query string is not looked up at all.
    page = client.get(reverse("members:retrieve"), {"id_number": concluded.id_number})
    assert concluded.member_name not in page.content.decode()
