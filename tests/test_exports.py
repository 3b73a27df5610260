"""The Excel exports open well: frozen header, filter, widths for Chinese names, print set-up,
and dates as date cells (history and every 工作督查 list), read back with openpyxl."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from tests.transfer_helpers import (
    actor_for,
    approve_all,
    conclude,
    draft_to,
    launch,
    org_of,
    receive,
)
from tests.transfer_view_helpers import national, stage, wxy_members
from transfers.exports import ORG_WIDTH

pytestmark = pytest.mark.django_db


def workbook(response):
    data = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(data)).active


def assert_opens_well(sheet, *, data_rows: int) -> dict[str, int]:
    """What every export has; returns the column index of each header (1-based)."""
    headers = [c.value for c in sheet[1]]
    last = openpyxl.utils.get_column_letter(len(headers))
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{last}{data_rows + 1}"
    assert sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert int(sheet.page_setup.fitToWidth) == 1
    assert int(sheet.page_setup.fitToHeight) == 0
    assert all(c.font.bold for c in sheet[1])
    for i, header in enumerate(headers, start=1):
        width = sheet.column_dimensions[openpyxl.utils.get_column_letter(i)].width
        # wide enough for the header itself (a Chinese character is about two units)
        assert width >= len(header) * 2, header
    return {h: i for i, h in enumerate(headers, start=1)}


def assert_dates(sheet, columns: list[int]) -> None:
    """Every filled cell of each date column is a real date, none text."""
    filled = 0
    for row in sheet.iter_rows(min_row=2):
        for col in columns:
            cell = row[col - 1]
            if cell.value is None:
                continue
            assert cell.is_date, (cell.coordinate, cell.value)
            assert isinstance(cell.value, dt.datetime)
            filled += 1
    assert filled


def test_the_out_history_export_opens_well_with_dates_as_dates(client_as):
    members = wxy_members(2)
    stage("completed", member=members[0])
    conclude(approve_all(national(member=members[1])))
    sheet = workbook(client_as("wxy").post(reverse("transfers:out_history_export")))
    col = assert_opens_well(sheet, data_rows=2)
    assert_dates(sheet, [col["转出日期"]])
    assert_dates(sheet, [col["转入日期"]])  # the completed one; the concluded one is empty
    received = [r[col["转入日期"] - 1].value for r in sheet.iter_rows(min_row=2)]
    assert None in received
    assert "" not in received
    for name in ("转出党组织", "转入党组织"):
        letter = openpyxl.utils.get_column_letter(col[name])
        assert sheet.column_dimensions[letter].width == ORG_WIDTH
        assert sheet[f"{letter}2"].alignment.wrap_text
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(col["身份证号"])].width >= 20
    assert sheet.cell(2, col["身份证号"]).number_format == "@"


def test_the_in_history_export_opens_well(client_as):
    stage("completed")
    sheet = workbook(client_as("ltx").post(reverse("transfers:in_history_export")))
    col = assert_opens_well(sheet, data_rows=1)
    assert_dates(sheet, [col["转出日期"], col["转入日期"]])


def launched_days_ago(days: int):
    with freeze_time(timezone.now() - dt.timedelta(days=days)):
        return launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1")))


def export(client, which):
    return workbook(client.post(reverse("transfers:supervision_export", args=[which])))


def test_the_overdue_export_writes_the_arrival_as_a_date_time(client_as):
    transfer = launched_days_ago(10)
    sheet = export(client_as("gx"), "overdue")
    col = assert_opens_well(sheet, data_rows=1)
    assert_dates(sheet, [col["到达时间"]])
    arrived = sheet.cell(2, col["到达时间"]).value
    expected = timezone.localtime(transfer.launched_at).replace(tzinfo=None)
    assert abs(arrived - expected) < dt.timedelta(seconds=1)
    assert sheet.cell(2, col["身份证号"]).number_format == "@"
    assert sheet.cell(2, col["已等待天数"]).value == 10


def test_the_unreported_export_has_two_date_columns(client_as):
    with freeze_time(timezone.now() - dt.timedelta(days=100)):
        receive(
            approve_all(launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1")))),
            org_of("ltx_zb1"),
        )
    sheet = export(client_as("gx"), "unreported")
    col = assert_opens_well(sheet, data_rows=1)
    assert_dates(sheet, [col["转入日期"], col["介绍信有效期至"]])


def test_the_receipts_export_has_the_conclusion_date_as_a_date(client_as):
    with freeze_time(timezone.now() - dt.timedelta(days=40)):
        conclude(approve_all(national()))
    sheet = export(client_as("gx"), "receipts")
    col = assert_opens_well(sheet, data_rows=1)
    assert_dates(sheet, [col["办结日期"]])


def test_the_subordinates_statistics_are_numbers_and_the_names_are_wide(client_as):
    launched_days_ago(10)
    sheet = export(client_as("gx"), "subordinates")
    col = assert_opens_well(sheet, data_rows=sheet.max_row - 1)
    org_letter = openpyxl.utils.get_column_letter(col["党组织"])
    assert sheet.column_dimensions[org_letter].width == ORG_WIDTH
    for row in sheet.iter_rows(min_row=2):
        assert row[col["党组织"] - 1].data_type == "s"
        for name in ("待办", "超期未办", "期间完成"):
            cell = row[col[name] - 1]
            assert cell.number_format != "@"  # not the text format (it was, on 待办)
            assert isinstance(cell.value, int)
    assert sum(r[col["待办"] - 1].value for r in sheet.iter_rows(min_row=2)) >= 1


def test_the_history_export_names_the_gender_and_the_receiving_branch_in_few_queries(client_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    members = wxy_members(3)
    transfers = [stage("completed", member=m) for m in members]
    client = client_as("wxy")
    with CaptureQueriesContext(connection) as ctx:
        sheet = workbook(client.post(reverse("transfers:out_history_export")))
    col = assert_opens_well(sheet, data_rows=3)
    rows = {r[col["姓名"] - 1].value: r for r in sheet.iter_rows(min_row=2)}
    for transfer in transfers:
        row = rows[transfer.member_name]
        assert row[col["性别"] - 1].value == transfer.member.get_gender_display()
        assert row[col["转入党组织"] - 1].value == transfer.dest_branch.name
    # The rows, then the members' genders and the branches' names once per chunk: no query per row.
    lookups = [q["sql"] for q in ctx.captured_queries if "members_member" in q["sql"]]
    assert len(lookups) == 1, lookups
