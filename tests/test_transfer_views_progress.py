"""转接进度: a branch, and every committee above it, follows its members' transfers in progress —
where each is now, since when, the path — from 转出 and from the member's page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.transfer_helpers import org_of, receive
from tests.transfer_view_helpers import stage, text, wxy_member
from transfers.models import TransferStep

pytestmark = pytest.mark.django_db

PROGRESS = reverse("transfers:out_progress")


def test_a_branch_sees_where_its_members_transfer_stands(client_as):
    transfer = stage("launched")  # launched by 文学院党委, pending at 广西某大学党委 (同意)
    pending = TransferStep.objects.get(transfer=transfer, state="pending")
    html = text(client_as("wxy_zb1").get(PROGRESS))
    assert "本支部党员转接进度" in html
    assert transfer.member_name in html
    assert "中共广西某大学委员会</strong>" in html  # where it is now
    assert timezone.localtime(pending.pending_since).strftime("%Y-%m-%d %H:%M") in html
    assert 'aria-current="step"' in html  # the path, with the current node marked
    assert reverse("transfers:detail", args=[transfer.pk]) in html


@pytest.mark.parametrize("who", ["wxy_zb1", "wxy", "gxu", "gx"])
def test_the_branch_and_every_committee_above_it_follow_the_transfer(client_as, who):
    transfer = stage("launched")
    assert transfer.member_name in text(client_as(who).get(PROGRESS))


@pytest.mark.parametrize("who", ["wxy_zb2", "xwcb", "ltx", "ltx_zb1"])
def test_organisations_outside_the_members_subtree_do_not_see_it(client_as, who):
    transfer = stage("launched")
    assert transfer.member_name not in text(client_as(who).get(PROGRESS))


def test_a_received_member_shows_the_branch_it_waits_to_report_to(client_as):
    transfer = stage("at_receiver")
    receive(transfer, org_of("ltx_zb1"))
    html = text(client_as("wxy_zb1").get(PROGRESS))
    assert "已接收，待报到" in html
    assert "广西某大学离退休第一党支部" in html


def test_a_finished_transfer_leaves_the_list(client_as):
    transfer = stage("completed")
    assert transfer.member_name not in text(client_as("wxy_zb1").get(PROGRESS))


def test_the_branch_can_open_the_transfer_and_see_its_path(client_as):
    transfer = stage("launched")
    response = client_as("wxy_zb1").get(reverse("transfers:detail", args=[transfer.pk]))
    assert response.status_code == 200
    assert "广西某大学离退休工作委员会" in text(response) or "离退休" in text(response)


def test_the_tab_is_under_out_with_its_count(client_as):
    stage("launched")
    html = text(client_as("wxy_zb1").get(reverse("transfers:out_todo")))
    assert f'href="{PROGRESS}"' in html
    assert "转接进度" in html


def test_the_list_costs_the_same_queries_for_one_row_and_for_many(
    client_as, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.transfer_view_helpers import wxy_members

    members = wxy_members(6)
    stage("launched", member=members[0])
    client = client_as("wxy")
    with CaptureQueriesContext(connection) as one:
        assert client.get(PROGRESS).status_code == 200
    for member in members[1:]:
        stage("at_receiver", member=member)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(PROGRESS)
    assert text(response).count("<tr>") >= 6


def test_the_list_is_paginated(client_as, settings):
    from tests.transfer_view_helpers import wxy_members

    settings.PAGE_SIZE = 2
    for member in wxy_members(3):
        stage("launched", member=member)
    html = text(client_as("wxy").get(PROGRESS))
    assert "共 3 条" in html
    assert "下一页" in html


# -- the member's page ---------------------------------------------------------------------------


def test_the_member_page_links_to_the_transfer_in_progress(client_as):
    member = wxy_member()
    transfer = stage("launched", member=member)
    html = text(client_as("wxy_zb1").get(reverse("members:detail", args=[member.pk])))
    link = reverse("transfers:detail", args=[transfer.pk])
    assert f'<a href="{link}">查看转接进度</a>' in html
    assert "中共广西某大学委员会（审批" in html or "中共广西某大学委员会（" in html


def test_the_member_page_lists_finished_transfers_too(client_as):
    member = wxy_member()
    transfer = stage("completed", member=member)
    # after 报到 the member belongs to 离退休第一党支部
    html = text(client_as("ltx_zb1").get(reverse("members:detail", args=[member.pk])))
    assert reverse("transfers:detail", args=[transfer.pk]) in html
    assert "查看转接进度" not in html


def test_the_member_page_costs_the_same_queries_for_one_transfer_and_for_two(
    client_as, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.transfer_helpers import actor_for, draft_to, launch

    member = wxy_member()
    stage("completed", member=member)  # now a member of 离退休第一党支部
    url = reverse("members:detail", args=[member.pk])
    client = client_as("ltx_zb1")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    launch(draft_to(actor_for(org_of("ltx")), org_of("wxy_zb2"), member=member))
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = text(client.get(url))
    assert html.count("查看<span") == 2
