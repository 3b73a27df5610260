"""Personal data (PIPL, 等保 个人信息保护): full 身份证号 only where the work needs it.

Figures: full ID numbers in list HTML (0), in the 查看 pages (0, the number is behind an audited
【显示完整身份证号】), shown in full at 接收 and on the letter; no ID search in a URL; drafts only
for their initiator; a route given up by 更改 loses access; no-store on logged-in pages.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent, EventType
from members.models import Member
from tests.transfer_helpers import approve_all, org_of
from tests.transfer_view_helpers import stage, url, wxy_members
from transfers import services
from transfers.models import Transfer, TransferType

pytestmark = pytest.mark.django_db

LISTS = [
    "transfers:out_todo",
    "transfers:out_done",
    "transfers:out_history",
    "transfers:in_todo",
    "transfers:in_done",
    "transfers:in_unreported",
    "transfers:in_history",
    "transfers:apply_members",
    "transfers:supervision",
    "transfers:branch",
    "members:list",
]
ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9X])")


def full_ids(html: str, known: set[str]) -> set[str]:
    return {n for n in ID_NUMBER.findall(html) if n in known}


def test_no_list_shows_a_full_id_number(client_as):
    members = wxy_members(4)
    for member, kind in zip(
        members, ["launched", "at_receiver", "received", "completed"], strict=True
    ):
        stage(kind, member=member)
    known = set(Member.objects.values_list("id_number", flat=True))
    pages = found = 0
    for username in ["wxy", "gxu", "ltx", "ltx_zb1", "gx"]:
        client = client_as(username)
        for name in LISTS:
            response = client.get(reverse(name))
            if response.status_code != 200:
                continue
            pages += 1
            found += len(full_ids(response.content.decode(), known))
    assert pages >= 40
    assert found == 0


@pytest.mark.parametrize("kind", ["launched", "received", "completed"])
def test_the_detail_page_masks_the_number_and_offers_an_audited_show(client_as, kind):
    transfer = stage(kind)
    client = client_as("wxy")
    html = client.get(url("detail", transfer)).content.decode()
    assert transfer.id_number not in html
    assert transfer.masked_id_number in html
    shown = client.post(reverse("transfers:full_id", args=[transfer.pk]))
    assert transfer.id_number in shown.content.decode()
    row = AuditEvent.objects.get(event_type=EventType.FULL_ID_VIEW, username="wxy")
    assert row.object_id == str(transfer.pk)
    assert transfer.id_number not in row.detail


def test_the_receiving_committee_sees_the_full_number_at_receive_and_the_letter_has_it(client_as):
    transfer = stage("at_receiver")
    client = client_as("ltx")  # 离退休党委, whose turn it is to 接收
    assert transfer.id_number in client.get(url("detail", transfer)).content.decode()
    assert transfer.id_number in client.get(url("letter", transfer)).content.decode()
    # Someone else on the route sees it masked.
    assert transfer.id_number not in client_as("gxu").get(url("detail", transfer)).content.decode()


def test_an_outsider_cannot_show_the_full_number(client_as):
    transfer = stage("launched")
    assert client_as("hn").post(reverse("transfers:full_id", args=[transfer.pk])).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "transfers:out_history",
        "transfers:in_history",
        "transfers:in_unreported",
        "transfers:out_todo",
        "transfers:in_done",
        "members:list",
    ],
)
def test_search_forms_with_an_id_number_post_and_the_url_carries_no_number(client_as, name):
    client = client_as("wxy")
    html = client.get(reverse(name)).content.decode()
    assert '<form method="post" class="search-form"' in html
    number = Member.objects.first().id_number
    response = client.post(reverse(name), {"id_number": number, "name": ""})
    assert response.status_code == 302
    assert number not in response.url
    assert "idq=" in response.url
    assert client.get(response.url).status_code == 200


def member_user(username):
    return get_user_model().objects.get(username=username)


def test_a_search_token_means_nothing_in_another_session(client_as):
    member = Member.objects.filter(branch=org_of("wxy_zb1")).first()
    first = client_as("wxy")
    redirect = first.post(reverse("members:list"), {"id_number": member.id_number}).url
    assert [m.pk for m in first.get(redirect).context["page"].rows] == [member.pk]
    other = Client()
    other.force_login(member_user("wxy"))
    assert len(other.get(redirect).context["page"].rows) > 1  # no filter: the whole list


def test_a_route_given_up_by_change_loses_access(client_as):
    """更改 at 广西某大学党委 to 新闻与传播学院: 离退休党委 (old receiver) no longer sees it."""
    transfer = stage("launched")
    assert client_as("ltx").get(url("detail", transfer)).status_code == 200
    services.change_target(
        actor=services.Actor(user=member_user("gxu"), org=org_of("gxu")),
        transfer=transfer,
        transfer_type=TransferType.COUNTY,
        target=org_of("xwcb_zb1"),
        opinion="改转新闻与传播学院",
    )
    for page in ("detail", "letter", "letter_pdf"):
        assert client_as("ltx").get(url(page, transfer)).status_code == 404, page
    assert client_as("xwcb").get(url("detail", transfer)).status_code == 200
    approve_all(Transfer.objects.get(pk=transfer.pk))


def test_logged_in_pages_are_not_stored(client_as):
    for name in ("transfers:out_todo", "members:list", "home"):
        assert "no-store" in client_as("wxy").get(reverse(name))["Cache-Control"]
    # Logged out, the same page is a redirect to the login page: nothing personal to keep.
    assert Client().get(reverse("transfers:out_todo")).status_code == 302
