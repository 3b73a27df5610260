"""查询 and 排序 inside 待办工作 and 已办工作: exact 姓名 / 身份证号 / 转接类型, 超期 first then
the oldest, keyset paging, and a constant number of queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from tests.batch_helpers import graduating
from tests.transfer_helpers import actor_for, draft_to, launch, org_of, receive
from tests.transfer_view_helpers import listed, national, text, wxy_members
from transfers.models import TransferType

pytestmark = pytest.mark.django_db


def launched_days_ago(days: int, member):
    with freeze_time(timezone.now() - dt.timedelta(days=days)):
        return launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1"), member=member))


def order_of(response) -> list[int]:
    return [getattr(r, "transfer_id", None) or r.pk for r in response.context["page"].rows]


def test_the_todo_list_finds_by_exact_name_id_number_and_type(client_as):
    a, b, c = graduating(3, at_receiver=False)
    nat = national(member=wxy_members(1)[0])
    client = client_as("gxu")
    todo = reverse("transfers:out_todo")
    assert {a.pk, b.pk, c.pk, nat.pk} <= listed(client.get(todo))
    assert listed(client.get(todo, {"name": b.member_name})) == {b.pk}
    assert listed(client.get(todo, {"name": b.member_name[:2]})) == set()
    assert listed(client.get(todo, {"id_number": c.id_number.lower()})) == {c.pk}
    assert listed(client.get(todo, {"transfer_type": TransferType.NATIONAL})) == {nat.pk}


def test_the_todo_list_puts_the_overdue_first_then_the_oldest(client_as, settings):
    members = wxy_members(3)
    fresh_one = launched_days_ago(1, members[0])
    oldest = launched_days_ago(20, members[1])
    older = launched_days_ago(9, members[2])
    client = client_as("gxu")
    todo = reverse("transfers:out_todo")
    assert order_of(client.get(todo)) == [fresh_one.pk, older.pk, oldest.pk]
    response = client.get(todo, {"sort": "overdue"})
    assert order_of(response) == [oldest.pk, older.pk, fresh_one.pk]
    assert "超期 20 天" in text(response)


def test_the_overdue_order_pages_by_keyset(client_as, settings):
    settings.PAGE_SIZE = 2
    members = wxy_members(5)
    ts = [launched_days_ago(10 - i, m) for i, m in enumerate(members)]  # ts[0] is the oldest
    client = client_as("gxu")
    todo = reverse("transfers:out_todo")
    first = client.get(todo, {"sort": "overdue"})
    seen = order_of(first)
    page = first.context["page"]
    while page.next_cursor:
        response = client.get(todo, {"sort": "overdue", "after": page.next_cursor})
        seen += order_of(response)
        page = response.context["page"]
    assert seen == [t.pk for t in ts]


def test_the_page_size_can_be_chosen(client_as, settings):
    settings.PAGE_SIZE = 2
    graduating(3, at_receiver=False)
    client = client_as("gxu")
    assert len(order_of(client.get(reverse("transfers:out_todo")))) == 2
    assert len(order_of(client.get(reverse("transfers:out_todo"), {"size": "50"}))) == 3


def test_the_done_list_searches_and_puts_the_overdue_first(client_as):
    members = wxy_members(3)
    recent = launched_days_ago(1, members[0])
    overdue = launched_days_ago(12, members[1])
    middle = launched_days_ago(3, members[2])
    client = client_as("wxy")  # the initiator: all three are in its 已办工作
    done = reverse("transfers:out_done")
    assert order_of(client.get(done)) == [middle.pk, overdue.pk, recent.pk]  # newest id first
    assert order_of(client.get(done, {"sort": "overdue"})) == [
        overdue.pk,
        middle.pk,
        recent.pk,
    ]
    assert listed(client.get(done, {"name": middle.member_name})) == {middle.pk}
    assert listed(client.get(done, {"id_number": recent.id_number})) == {recent.pk}


def _queries(client, address, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(address, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _build(page: str, n: int) -> None:
    """``n`` rows of ``page``: waiting at 广西某大学党委 (its 待办, 文学院's 已办), or received by
    离退休党委 (its 已办)."""
    for t in graduating(n, at_receiver=page == "in_done"):
        if page == "in_done":
            receive(t, org_of("ltx_zb1"))


@pytest.mark.parametrize(
    ("who", "page"), [("gxu", "out_todo"), ("wxy", "out_done"), ("ltx", "in_done")]
)
def test_a_searched_and_sorted_list_costs_the_same_queries_for_two_or_eight_rows(
    client_as, who, page
):
    client = client_as(who)
    address = reverse(f"transfers:{page}")
    params = {"sort": "overdue", "transfer_type": TransferType.COUNTY, "size": "50"}
    _build(page, 2)
    client.get(address, params)
    few = _queries(client, address, params)
    _build(page, 6)
    many = _queries(client, address, params)
    assert len(order_of(client.get(address, params))) == 8
    assert many == few
