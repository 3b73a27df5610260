"""Excel exports (openpyxl, write-only).

Rows are read from the database in chunks and written to a temporary file, which is then streamed
to the browser: a province's history never sits in memory. Cells that a spreadsheet would take as
a formula are escaped, and ID numbers are written as text (Excel keeps only 15 digits).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from members.idcard import mask_id_number
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


def safe(value):
    """Text as the user typed it, never a formula: a leading = + - @ gets a quote."""
    if value is None:
        return ""
    if isinstance(value, int | float | dt.date):
        return value
    # A control character stored before input was cleaned must not break the whole file.
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
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
    for i, header in enumerate(headers):
        letter = chr(ord("A") + i)
        ws.column_dimensions[letter].width = 22 if i in text_columns else max(10, len(header) * 3)
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    count = 0
    for count, values in enumerate(rows, start=1):
        cells = [WriteOnlyCell(ws, value=count)]
        for i, value in enumerate(values, start=1):
            cell = WriteOnlyCell(ws, value=safe(value))
            if i in text_columns:
                cell.number_format = "@"  # text: all 18 characters of an ID number
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
    wb.save(stream)
    return count


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
        mask_id_number(t.id_number),
        t.get_type_display(),
        t.source_name,
        t.dest_branch.name if t.dest_branch_id else t.target_name,
        timezone.localtime(t.launched_at).date() if t.launched_at else "",
        t.received_on or "",
        t.get_state_display(),
    ]


def history_response(queryset, *, direction: str, org: Organisation) -> FileResponse:
    title = "转出历史" if direction == "out" else "接收历史"
    rows = (_history_row(t) for t in queryset.iterator(chunk_size=2000))
    return rows_response(rows, title=title, headers=HISTORY_HEADERS, org=org, text_columns={3})
