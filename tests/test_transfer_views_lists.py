"""The history lists' Excel export (DESIGN.md §6: streamed, formula-like cells escaped, ID numbers
as text, the list's filters applied) and the constant number of queries of every list page."""

import datetime as dt
import io
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from members.idcard import mask_id_number
from members.models import Member
from tests.transfer_helpers import approve_all, conclude, fresh, org_of
from tests.transfer_view_helpers import (
    listed,
    national,
    searched,
    stage,
    text,
    url,
    wxy_members,
)
from transfers.exports import FORMULA_START
from transfers.models import Transfer, TransferState

pytestmark = pytest.mark.django_db

S = TransferState
HEADERS = ["序号", "姓名", "性别", "身份证号", "转接类型", "转出党组织", "转入党组织"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def rows_of(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]


def named(member: Member, name: str) -> Member:
    member.name = name
    member.save(update_fields=["name"])
    return member


def completed(member: Member) -> Transfer:
    return stage("completed", member=member)


def concluded(member: Member) -> Transfer:
    transfer = national(member=member)
    conclude(approve_all(transfer))
    return fresh(transfer)


# -- the export ---------------------------------------------------------------------------------


def test_the_out_history_export_has_chinese_headers_and_the_masked_id_number(client_as):
    [member] = wxy_members(1)
    transfer = completed(member)
    response = client_as("wxy").post(url("out_history_export"))
    assert "attachment" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    sheet = workbook(response)
    header = [c.value for c in sheet[1]]
    assert header[: len(HEADERS)] == HEADERS
    assert {"转出日期", "转入日期", "状态"} <= set(header)
    [row] = rows_of(sheet)
    col = {h: i for i, h in enumerate(header)}
    assert row[col["序号"]] == 1
    assert row[col["姓名"]] == member.name
    assert row[col["性别"]] == member.get_gender_display()
    assert row[col["转接类型"]] == "县内直接转接"
    assert row[col["转出党组织"]] == "广西某大学文学院教工党支部"
    assert row[col["转入党组织"]] == "广西某大学离退休第一党支部"
    assert row[col["状态"]] == "已完成"
    id_cell = sheet.cell(row=2, column=col["身份证号"] + 1)
    assert id_cell.data_type == "s"
    # PIPL: an export carries the masked number (4501**********123X), never the full one.
    assert id_cell.value == mask_id_number(transfer.id_number)
    assert len(id_cell.value) == 18
    assert id_cell.number_format == "@"


@pytest.mark.parametrize("name", ["=1+2", "+SUM(A1:A9)", "-2+3", "@cmd", '=HYPERLINK("x")'])
def test_a_name_a_spreadsheet_would_run_is_written_as_text(client_as, name):
    [member] = wxy_members(1)
    named(member, name)
    completed(member)
    sheet = workbook(client_as("wxy").post(url("out_history_export")))
    cell = sheet.cell(row=2, column=2)
    assert cell.data_type == "s"
    assert cell.value == "'" + name
    assert name.startswith(FORMULA_START)
    # the page shows the name as typed
    page = client_as("wxy").get(url("out_history"))
    assert f"<td>{escape(name)}</td>" in text(page)


@pytest.fixture
def three(client_as):
    """Three finished transfers of 文学院: 甲 (县内, 2024-03-10), 乙 (县内, today), 丙 (全国)."""
    a, b, c = wxy_members(3)
    ta = completed(named(a, "测试甲"))
    tb = completed(named(b, "测试乙"))
    tc = concluded(named(c, "测试丙"))
    march = dt.datetime(2024, 3, 10, 9, 0, tzinfo=dt.UTC)
    Transfer.objects.filter(pk=ta.pk).update(launched_at=march, received_on=dt.date(2024, 3, 20))
    return {"甲": fresh(ta), "乙": fresh(tb), "丙": fresh(tc)}


def exported_names(client, page: str, **params) -> list[str]:
    export_url = searched(client, url(page), params).context["export_url"]
    sheet = workbook(client.post(export_url))
    return sorted(row[1] for row in rows_of(sheet))


def listed_names(client, page: str, **params) -> list[str]:
    response = searched(client, url(page), params)
    assert response.status_code == 200
    return sorted(Transfer.objects.get(pk=pk).member_name for pk in listed(response))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["测试丙", "测试乙", "测试甲"]),
        ({"name": "测试乙"}, ["测试乙"]),
        ({"name": "测试"}, []),  # exact, not a fragment
        ({"id_number": "ID:乙"}, ["测试乙"]),
        ({"transfer_type": "national"}, ["测试丙"]),
        ({"transfer_type": "county"}, ["测试乙", "测试甲"]),
        ({"date_from": "2024-03-01", "date_to": "2024-03-31"}, ["测试甲"]),
        ({"date_from": "2024-03-11"}, ["测试丙", "测试乙"]),
        ({"date_to": "2024-03-10"}, ["测试甲"]),
        ({"transfer_type": "county", "date_from": "2024-04-01"}, ["测试乙"]),
    ],
)
def test_the_out_history_filters_apply_to_the_list_and_the_export(
    client_as, three, params, expected
):
    if "id_number" in params:
        params = {"id_number": three[params["id_number"][3:]].id_number.lower()}
    client = client_as("wxy")
    assert listed_names(client, "out_history", **params) == expected
    assert exported_names(client, "out_history", **params) == expected


def test_the_page_links_its_export_with_the_same_filters(client_as, three):
    response = client_as("wxy").get(url("out_history"), {"name": "测试乙", "transfer_type": ""})
    assert (
        response.context["export_url"]
        == url("out_history_export") + "?name=%E6%B5%8B%E8%AF%95%E4%B9%99&transfer_type="
    )
    assert f'<form method="post" action="{url("out_history_export")}?name=' in text(response)


def test_the_in_history_export_is_what_the_receiving_side_finished(client_as, three):
    client = client_as("ltx")
    assert exported_names(client, "in_history") == ["测试乙", "测试甲"]
    assert exported_names(client, "in_history", date_to="2024-03-31") == ["测试甲"]
    assert listed_names(client, "in_history", date_to="2024-03-31") == ["测试甲"]
    header = [c.value for c in workbook(client.post(url("in_history_export")))[1]]
    assert header[: len(HEADERS)] == HEADERS
    # 文学院 received none of them
    assert exported_names(client_as("wxy"), "in_history") == []


def test_a_branch_exports_its_own_history(client_as, three):
    client = client_as("wxy_zb1")
    expected = sorted(t.member_name for t in three.values() if t.source_branch == org_of("wxy_zb1"))
    assert expected
    assert exported_names(client, "out_history") == expected
    assert exported_names(client, "out_history") == listed_names(client, "out_history")


def test_a_bad_date_range_is_said_next_to_the_field(client_as, three):
    response = client_as("wxy").get(
        url("out_history"), {"date_from": "2024-04-01", "date_to": "2024-03-01"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date_to"] == ["结束日期不能早于开始日期。"]
    assert "结束日期不能早于开始日期。" in text(response)


# -- a constant number of queries per list page -------------------------------------------------


def _many(kind: str):
    """Builders of n transfers that the list shows, mixing kinds where the list allows."""

    def build(members):
        out = []
        for i, m in enumerate(members):
            if kind == "launched" and i % 3 == 2:
                out.append(national(member=m))  # 办结 pending at the same node
            elif kind == "history" and i % 3 == 2:
                out.append(concluded(m))
            else:
                out.append(stage("completed" if kind == "history" else kind, member=m))
        return out

    return build


# (who looks, which page, what it lists)
LISTS = [
    ("gxu", "out_todo", "launched"),
    ("wxy", "out_todo", "returned"),
    ("wxy", "out_todo", "draft"),
    ("wxy", "out_done", "launched"),
    ("wxy", "out_history", "history"),
    ("gx", "out_history", "history"),
    ("wxy_zb1", "out_history", "completed"),
    ("ltx", "in_todo", "at_receiver"),
    ("ltx", "in_done", "received"),
    ("ltx", "in_unreported", "received"),
    ("ltx_zb1", "in_unreported", "received"),
    ("ltx", "in_history", "completed"),
    ("gxu", "in_history", "completed"),
]


def _queries(client, address) -> tuple[int, object]:
    client.get(address)  # warm: session and the acting organisation settle on the first request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(address)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def _shown(response, page) -> int:
    if page == "out_todo":
        return len(response.context["page"].rows) + len(response.context["own"].rows)
    return len(response.context["page"].rows)


@pytest.mark.parametrize(("who", "page", "kind"), LISTS)
def test_a_list_page_costs_the_same_queries_for_one_or_six_transfers(client_as, who, page, kind):
    if who == "wxy_zb1":  # a branch of three members: one against three
        members = list(Member.objects.filter(branch=org_of("wxy_zb1")).order_by("pk"))
    else:
        members = wxy_members(6)
    build = _many(kind)
    build(members[:1])
    client = client_as(who)
    one, response = _queries(client, url(page))
    assert _shown(response, page) == 1
    build(members[1:])
    many, response = _queries(client, url(page))
    assert _shown(response, page) == len(members) > 1
    assert many == one, f"{page} as {who}: {one} queries with 1 row, {many} with {len(members)}"


@pytest.mark.parametrize(("who", "page"), [("wxy", "out_history"), ("ltx", "in_history")])
def test_an_export_costs_the_same_queries_for_one_or_six_transfers(client_as, who, page):
    members = wxy_members(6)
    build = _many("history" if page == "out_history" else "completed")
    build(members[:1])
    client = client_as(who)
    address = url(f"{page}_export")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            sheet = workbook(client.post(address))
        return len(ctx.captured_queries), sheet.max_row - 1

    client.post(address)
    one, rows = count()
    assert rows == 1
    build(members[1:6])
    six, rows = count()
    assert rows == 6
    assert six == one


def test_the_unreported_list_searches_by_exact_name_and_id_number(client_as):
    a, b = wxy_members(2)
    ta = stage("received", member=named(a, "测试甲"))
    tb = stage("received", member=named(b, "测试乙"))
    client = client_as("ltx")
    assert listed(client.get(url("in_unreported"))) == {ta.pk, tb.pk}
    assert listed(client.get(url("in_unreported"), {"name": "测试乙"})) == {tb.pk}
    assert listed(client.get(url("in_unreported"), {"name": "测试"})) == set()
    by_id = searched(client, url("in_unreported"), {"id_number": ta.id_number.lower()})
    assert listed(by_id) == {ta.pk}
    assert listed(client_as("xwcb").get(url("in_unreported"), {"name": "测试乙"})) == set()


def test_a_search_with_a_reversed_date_range_finds_nothing_and_does_not_export(client_as):
    client = client_as("wxy")
    query = {"date_from": "2026-12-31", "date_to": "2026-01-01"}
    response = client.get(reverse("transfers:out_history"), query)
    assert response.context["form"].errors["date_to"]
    assert response.context["page"].rows == []
    export = client.post(f"{reverse('transfers:out_history_export')}?{urlencode(query)}")
    assert export.status_code == 302


def test_the_export_streams_and_stops_at_the_row_limit_it_states(client_as, monkeypatch):
    from transfers import exports

    for member in wxy_members(3):
        completed(member)
    monkeypatch.setattr(exports, "ROW_LIMIT", 2)
    response = client_as("wxy").post(url("out_history_export"))
    assert response.streaming
    rows = rows_of(workbook(response))
    assert [r[0] for r in rows[:2]] == [1, 2]
    assert rows[2][1] == "仅导出前2条，请缩小查询范围后分批导出。"
    assert len(rows) == 3
    page = text(client_as("wxy").get(url("out_history")))
    assert "最多导出" in page


@pytest.mark.parametrize(("who", "page", "kind"), [p for p in LISTS if p[0] != "wxy_zb1"])
def test_an_unsearched_lists_pages_come_compiled_and_a_searched_ones_do_not(
    client_as, who, page, kind, monkeypatch, settings
):
    """The first page and the pages after it, unsearched, from the statements compiled once
    (list_statements); a search goes the ORM's way, on every page."""
    from transfers import list_statements

    settings.PAGE_SIZE = 1
    _many(kind)(wxy_members(3))
    used = []
    compiled_list = list_statements.compiled_list
    monkeypatch.setattr(
        list_statements,
        "compiled_list",
        lambda name, org: used.append(name) or compiled_list(name, org),
    )
    own = page == "out_todo" and kind in ("returned", "draft")  # the initiator's own list
    shown, prefix, compiled = ("own", "r_", "out_own") if own else ("page", "", page)

    def ids(response) -> list[int]:
        return [getattr(r, "transfer_id", None) or r.pk for r in response.context[shown].rows]

    client = client_as(who)
    first = client.get(url(page))
    assert compiled in used
    second = client.get(url(page), {f"{prefix}after": first.context[shown].next_cursor})
    assert second.context[shown].first_index == 2
    assert ids(second)
    assert ids(second) != ids(first)
    used.clear()
    back = client.get(url(page), {f"{prefix}before": second.context[shown].prev_cursor})
    assert (ids(back), back.context[shown].first_index) == (ids(first), 1)
    assert compiled in used
    used.clear()
    name = first.context[shown].rows[0]
    name = getattr(name, "transfer", name).member_name
    searched_first = client.get(url(page), {"name": name})
    assert ids(searched_first) == ids(first)
    assert used == []


def test_the_done_list_counts_to_its_badges_cap_in_the_badges_statement(client_as, monkeypatch):
    """已办工作 says "999+" as its tab does (a committee with 10,000 members on their way would
    otherwise count each through its step on every page), and its count and its badge, the same
    statement, run once."""
    for m in wxy_members(3):
        stage("launched", member=m)
    monkeypatch.setattr("orgs.paging.BADGE_CAP", 2)
    monkeypatch.setattr("transfers.views.lists.BADGE_CAP", 2)
    monkeypatch.setattr("transfers.list_statements.BADGE_CAP", 2)
    with CaptureQueriesContext(connection) as ctx:
        response = client_as("wxy").get(url("out_done"))
    assert "共 2+ 条" in text(response)
    [counts] = [q["sql"] for q in ctx.captured_queries if "COUNT(*)" in q["sql"]]
    # 转出's four tabs (待办工作 from two statements) and the list's own count, run as one
    assert counts.count("COUNT(*)") == 5
