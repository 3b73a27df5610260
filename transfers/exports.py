"""Excel exports of the history lists (openpyxl, write-only).

Rows are read from the database in chunks and written to a temporary file, which is then streamed
to the browser: a province's history never sits in memory. Cells that a spreadsheet would take as
a formula are escaped, and ID numbers are written as text (Excel keeps only 15 digits).
"""

from __future__ import annotations

import tempfile

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from orgs.models import Organisation

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADERS = [
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


def safe(value) -> str:
    """Text as the user typed it, never a formula: a leading = + - @ gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _row(n: int, t) -> list:
    return [
        n,
        safe(t.member_name),
        safe(t.gender_display),
        safe(t.id_number),
        safe(t.get_type_display()),
        safe(t.source_name),
        safe(t.dest_branch.name if t.dest_branch_id else t.target_name),
        timezone.localtime(t.launched_at).date() if t.launched_at else "",
        t.received_on or "",
        safe(t.get_state_display()),
    ]


def write_history(queryset, stream, *, title: str) -> int:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.column_dimensions["D"].width = 22
    for col in ("F", "G"):
        ws.column_dimensions[col].width = 36
    header = []
    for text in HEADERS:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = cell.font.copy(bold=True)
        header.append(cell)
    ws.append(header)
    count = 0
    for count, transfer in enumerate(queryset.iterator(chunk_size=2000), start=1):
        values = _row(count, transfer)
        cells = []
        for i, value in enumerate(values):
            cell = WriteOnlyCell(ws, value=value)
            if i == 3:
                cell.number_format = "@"  # text, all 18 characters
            elif i in (7, 8) and value:
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        ws.append(cells)
    wb.save(stream)
    return count


def history_response(queryset, *, direction: str, org: Organisation) -> FileResponse:
    title = "转出历史" if direction == "out" else "接收历史"
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    write_history(queryset, tmp, title=title)
    tmp.seek(0)
    filename = f"{title}-{org.short_name or org.name}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
