"""Excel exports, streamed as they are written (transfers.xlsx_stream).

Rows are read as tuples straight from the database cursor in chunks and written into the
workbook as they come, so the download starts at once, memory stays flat and a worker is held for
a few seconds at most: an export stops after ``ROW_LIMIT`` rows (the page says so, and the sheet
ends with a line saying it was cut). Cells that a spreadsheet would take as a formula are escaped,
and ID numbers are written as text (Excel keeps only 15 digits).

Every sheet opens ready to work with: the header row frozen and filterable, columns wide enough
for Chinese names (organisation names wrap), dates as date cells, and printing set up landscape,
one page wide, with the header row repeated on every page.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable

from django.db import connection
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from members.idcard import mask_id_number
from members.models import Gender, Member
from orgs.models import Organisation
from transfers.models import TransferState, TransferType
from transfers.xlsx_stream import stream_workbook

ROW_LIMIT = 100_000
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
    # A control character stored before input was cleaned must not break the whole file.
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def _numbered(rows: Iterable[Iterable], limit: int):
    """序号 first, every value made safe; after ``limit`` rows, one line saying so."""
    for n, values in enumerate(itertools.islice(rows, limit + 1), start=1):
        if n > limit:
            yield [None, f"仅导出前{limit:,}条，请缩小查询范围后分批导出。"]
            return
        yield [n, *(safe(v) for v in values)]


def write_rows(
    rows: Iterable[Iterable],
    stream,
    *,
    title: str,
    headers: list[str],
    text_columns: set[int] = frozenset(),
) -> int:
    """A numbered sheet written into ``stream`` (what the response streams); returns how many
    rows it holds."""
    count = 0

    def counted():
        nonlocal count
        for count, row in enumerate(rows, start=1):  # noqa: B007 - the count is the result
            yield row

    for chunk in stream_workbook(
        _numbered(counted(), ROW_LIMIT),
        title=title,
        headers=headers,
        widths=[column_width(h) for h in headers],
        text_columns=text_columns,
        wrap_columns={i for i, h in enumerate(headers) if h in ORG_HEADERS},
    ):
        stream.write(chunk)
    return count


def rows_response(
    rows: Iterable[Iterable],
    *,
    title: str,
    headers: list[str],
    org: Organisation,
    text_columns: set[int] = frozenset(),
    limit: int | None = None,
) -> StreamingHttpResponse:
    limit = ROW_LIMIT if limit is None else limit
    response = StreamingHttpResponse(
        stream_workbook(
            _numbered(rows, limit),
            title=title,
            headers=headers,
            widths=[column_width(h) for h in headers],
            text_columns=text_columns,
            wrap_columns={i for i, h in enumerate(headers) if h in ORG_HEADERS},
        ),
        content_type=XLSX,
    )
    filename = f"{title}-{org.short_name or org.name}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


# The transfer's own columns: the member's gender and the receiving branch's name are looked up
# by primary key, a chunk at a time (a join would make PostgreSQL hash the whole members table).
HISTORY_FIELDS = (
    "member_name",
    "member_id",
    "inbound_member",
    "id_number",
    "type",
    "source_name",
    "dest_branch_id",
    "target_name",
    "launched_at",
    "received_on",
    "state",
)
CHUNK = 5000


def _planned_whole(rows):
    """An export reads every row of its query through a server-side cursor, for which PostgreSQL
    plans as if only the first tenth were wanted (cursor_tuple_fraction): at a province that
    picks a row-by-row plan several times slower than a hash join (25 s against 12 s for
    100,000 rows here). Plan for the whole result while the export runs, then put it back."""
    if connection.vendor != "postgresql":
        yield from rows
        return
    with connection.cursor() as c:
        c.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield from rows
    finally:
        with connection.cursor() as c:
            c.execute("RESET cursor_tuple_fraction")


def _chunks(rows, size: int):
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _history_rows(queryset, limit: int):
    genders = dict(Gender.choices)
    types = dict(TransferType.choices)
    states = dict(TransferState.choices)
    tz = timezone.get_current_timezone()
    rows = queryset.values_list(*HISTORY_FIELDS)[: limit + 1].iterator(chunk_size=CHUNK)
    branch_names: dict[int, str] = {}  # destinations repeat: each name is read once
    for chunk in _chunks(_planned_whole(rows), CHUNK):
        member_ids = {row[1] for row in chunk if row[1] is not None}
        gender_of = dict(Member.objects.filter(pk__in=member_ids).values_list("pk", "gender"))
        new_branches = {row[6] for row in chunk if row[6] is not None} - branch_names.keys()
        branch_names.update(
            Organisation.objects.filter(pk__in=new_branches).values_list("pk", "name")
        )
        for (
            name,
            member_id,
            inbound,
            id_number,
            kind,
            source,
            dest_id,
            target,
            launched,
            received,
            st,
        ) in chunk:
            gender = gender_of.get(member_id)
            if gender is None and inbound:
                gender = inbound.get("gender")
            yield (
                name,
                genders.get(gender, ""),
                mask_id_number(id_number),
                types.get(kind, kind),
                source,
                branch_names.get(dest_id) or target,
                launched.astimezone(tz).date() if launched else None,
                received,
                states.get(st, st),
            )


def history_response(queryset, *, direction: str, org: Organisation) -> StreamingHttpResponse:
    title = "转出历史" if direction == "out" else "接收历史"
    return rows_response(
        _history_rows(queryset, ROW_LIMIT),
        title=title,
        headers=HISTORY_HEADERS,
        org=org,
        text_columns={3},
        limit=ROW_LIMIT,
    )
