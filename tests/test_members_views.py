import re

import pytest
from django.urls import reverse

from audit.models import AuditEvent, EventType
from members.models import Member
from orgs.tree import subtree
from tests.transfer_view_helpers import searched

pytestmark = pytest.mark.django_db

ID_RE = re.compile(r"\b\d{6}[\dX*]{8}\d{3}[\dX]\b")


def listed_ids(response) -> set[int]:
    return {m.pk for m in response.context["page"].rows}


def all_rows(client, **params):
    """Every member id the list shows, following the 下一页 links."""
    seen: list[int] = []
    response = searched(client, reverse("members:list"), params)
    first = response.wsgi_request.get_full_path()
    while True:
        assert response.status_code == 200
        seen += [m.pk for m in response.context["page"].rows]
        cursor = response.context["page"].next_cursor
        if not cursor:
            return seen
        response = (
            client.get(first, {"after": cursor})
            if "?" not in first
            else client.get(f"{first}&after={cursor}")
        )


def test_wxy_sees_only_its_own_members_with_masked_id_numbers(client_as, org):
    client = client_as("wxy")
    response = client.get(reverse("members:list"))
    html = response.content.decode()
    wxy_members = Member.objects.in_scope_of(org("wxy"))
    assert set(all_rows(client)) == set(wxy_members.values_list("pk", flat=True))
    for member in wxy_members:
        assert member.id_number not in html
    assert "**********" in html


def test_gxu_sees_the_members_of_all_29_units(client_as, org):
    client = client_as("gxu")
    rows = all_rows(client)
    assert len(rows) == len(set(rows))
    expected = set(Member.objects.in_scope_of(org("gxu")).values_list("pk", flat=True))
    assert set(rows) == expected
    units = subtree(org("gxu")).filter(level="grassroots")
    for unit in units:
        assert Member.objects.in_scope_of(unit).filter(pk__in=rows).exists(), unit.name


def test_ltx_sees_none_of_wxy_members(client_as, org):
    rows = set(all_rows(client_as("ltx")))
    assert rows
    assert not rows & set(Member.objects.in_scope_of(org("wxy")).values_list("pk", flat=True))


def test_a_branch_sees_only_its_own_members(client_as, org):
    rows = set(all_rows(client_as("wxy_zb1")))
    assert rows == set(org("wxy_zb1").members.values_list("pk", flat=True))


def test_search_by_name_and_id_number_is_exact(client_as, org):
    member = Member.objects.in_scope_of(org("wxy")).first()
    client = client_as("wxy")
    assert member.pk in all_rows(client, name=member.name)
    assert all_rows(client, name=member.name[:1]) == [] or member.name[:1] == member.name
    assert all_rows(client, id_number=member.id_number.lower()) == [member.pk]
    assert all_rows(client, id_number=member.id_number[:10]) == []


def test_search_cannot_reach_outside_the_subtree(client_as, org):
    outsider = Member.objects.in_scope_of(org("ltx")).first()
    assert all_rows(client_as("wxy"), id_number=outsider.id_number) == []


def test_member_detail_shows_the_id_number_masked_with_an_audited_show(client_as, org):
    member = Member.objects.in_scope_of(org("wxy_zb1")).first()
    for username in ["wxy_zb1", "wxy", "gxu", "gx"]:
        client = client_as(username)
        response = client.get(reverse("members:detail", args=[member.pk]))
        assert response.status_code == 200, username
        html = response.content.decode()
        assert member.id_number not in html
        assert member.masked_id_number in html
        assert "显示完整身份证号" in html
        shown = client.post(reverse("members:full_id", args=[member.pk]))
        assert member.id_number in shown.content.decode()
        assert AuditEvent.objects.filter(
            event_type=EventType.FULL_ID_VIEW, username=username, object_id=str(member.pk)
        ).exists()


def test_the_full_id_number_of_a_member_outside_the_subtree_is_404(client_as, org):
    member = Member.objects.in_scope_of(org("wxy_zb1")).first()
    assert client_as("ltx").post(reverse("members:full_id", args=[member.pk])).status_code == 404
    assert client_as("wxy").get(reverse("members:full_id", args=[member.pk])).status_code == 405


@pytest.mark.parametrize("username", ["ltx", "wxy_zb2", "qx", "hn", "wxy_zzb1"])
def test_member_detail_outside_the_subtree_is_404(client_as, org, username):
    member = Member.objects.in_scope_of(org("wxy_zb1")).first()
    response = client_as(username).get(reverse("members:detail", args=[member.pk]))
    assert response.status_code == 404


def test_member_list_makes_a_constant_number_of_queries(
    client_as, org, django_assert_max_num_queries
):
    client = client_as("gx")
    with django_assert_max_num_queries(10):
        client.get(reverse("members:list"))
    client = client_as("wxy_zb1")
    with django_assert_max_num_queries(10):
        client.get(reverse("members:list"))
