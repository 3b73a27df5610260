"""Excel exports (openpyxl, write-only).

Rows are read from the database in chunks and written to a temporary file, which is then streamed
to the browser: a province's history never sits in memory. Cells that a spreadsheet would take as
a formula are escaped, and ID numbers are written as text (Excel keeps only 15 digits).

Every sheet opens ready to work with: the header row frozen and filterable, columns wide enough
for Chinese names (organisation names wrap), dates as date cells, and printing set up landscape,
one page wide, with the header row repeated on every page.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from orgs.models import Organisation

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HISTORY_HEADERS = [
    "序号",
    "姓名",
    "性别",
    "身份证号",
    "转接类型",
    "转出党组织",
    "转入党组织",
    "转出日期",
    "转入日期",
    "状态",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Column widths in Excel's units (one Chinese character is about two), by header.
WIDTHS = {
    "序号": 7,
    "姓名": 14,
    "性别": 6,
    "身份证号": 22,
    "转接类型": 20,
    "状态": 10,
    "职责": 8,
    "已等待天数": 12,
    "待办": 8,
    "超期未办": 10,
    "期间完成": 10,
}
# Organisation names are long (中共…委员会…党支部): a wide column whose text wraps.
ORG_HEADERS = {"转出党组织", "转入党组织", "转入支部", "待办党组织", "去向", "办结党组织", "党组织"}
ORG_WIDTH = 40
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def column_width(header: str) -> float:
    if header in WIDTHS:
        return WIDTHS[header]
    if header in ORG_HEADERS:
        return ORG_WIDTH
    if "时间" in header:
        return 18
    if "日期" in header or header.endswith("至"):
        return 14
    return max(10, len(header) * 2 + 4)


def safe(value):
    """Text as the user typed it, never a formula: a leading = + - @ gets a quote."""
    if value is None or value == "":
        return None  # an empty cell, not an empty text (a date column stays all dates)
    if isinstance(value, dt.datetime):
        # Excel has no time zones: the local time, as the user saw it on the page.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, int | float | dt.date):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def write_rows(
    rows: Iterable[list],
    stream,
    *,
    title: str,
    headers: list[str],
    text_columns: set[int] = frozenset(),
) -> int:
    """A numbered sheet: 序号 in the first column, then each row's values."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    _set_up(ws, headers)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDDDDD")
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        cell.fill = fill
        cell.alignment = centred
        header_cells.append(cell)
    ws.append(header_cells)
    wrap = Alignment(wrap_text=True, vertical="top")
    org_columns = {i for i, h in enumerate(headers) if h in ORG_HEADERS}
    count = 0
    for count, values in enumerate(rows, start=1):
        cells = [WriteOnlyCell(ws, value=count)]
        for i, value in enumerate(values, start=1):
            cell = WriteOnlyCell(ws, value=safe(value))
            if i in text_columns:
                cell.number_format = "@"  # text: all 18 characters of an ID number
            elif isinstance(value, dt.datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
            if i in org_columns:
                cell.alignment = wrap
            cells.append(cell)
        ws.append(cells)
    # Written after the rows (write-only mode writes the filter at the end of the sheet).
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    wb.save(stream)
    return count


def _set_up(ws, headers: list[str]) -> None:
    """Widths, the frozen header and the print set-up (before any row: write-only mode)."""
    for i, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column_width(header)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True


def rows_response(
    rows: Iterable[list],
    *,
    title: str,
    headers: list[str],
    org: Organisation,
    text_columns: set[int] = frozenset(),
) -> FileResponse:
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_rows(rows, tmp, title=title, headers=headers, text_columns=text_columns)
    tmp.seek(0)
    filename = f"{title}-{org.short_name or org.name}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(tmp, as_attachment=True, filename=filename, content_type=XLSX)


def _history_row(t) -> list:
    return [
        t.member_name,
        t.gender_display,
        t.id_number,
        t.get_type_display(),
        t.source_name,
        t.dest_branch.name if t.dest_branch_id else t.target_name,
        timezone.localtime(t.launched_at).date() if t.launched_at else None,
        t.received_on,
        t.get_state_display(),
    ]


def history_response(queryset, *, direction: str, org: Organisation) -> FileResponse:
    title = "转出历史" if direction == "out" else "接收历史"
    rows = (_history_row(t) for t in queryset.iterator(chunk_size=2000))
    return rows_response(rows, title=title, headers=HISTORY_HEADERS, org=org, text_columns={3})
