"""An .xlsx workbook of one sheet, written and sent as the rows are read.

openpyxl's write-only mode still builds the sheet in a temporary file and zips it at the end, and
spends about a millisecond per row in Python even with lxml; a province's history would hold a
worker for minutes. Here the sheet's XML is produced row by row into a ZIP stream (entries with
data descriptors, as any streamed ZIP), so the first bytes leave at once, memory stays flat and
the cost per row is a few string operations. Strings are inline (no shared-string table to keep);
the styles are those the exports need: the grey bold header, text cells (all 18 characters of an
ID number), dates, dates with times, wrapped organisation names.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator
from xml.sax.saxutils import escape

BATCH = 500
EPOCH = dt.date(1899, 12, 30)
EPOCH_AT = dt.datetime(1899, 12, 30)  # noqa: DTZ001 - Excel serial dates have no zone
# Characters XML 1.0 does not allow; a typed control character would break the whole file.
_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32)])

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"""  # noqa: E501
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""  # noqa: E501
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets>
<definedNames><definedName name="_xlnm.Print_Titles" localSheetId="0">'{title}'!$1:$1</definedName></definedNames>
</workbook>"""  # noqa: E501
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"""  # noqa: E501
# cellXfs: 0 general, 1 header (bold, grey, centred, wrapped), 2 text "@", 3 date, 4 date and
# time, 5 wrapped text (organisation names).
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="00DDDDDD"/><bgColor rgb="00DDDDDD"/></patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""  # noqa: E501
# Before the rows: fit to one page wide, the header row frozen.
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews>"
)
# After the rows: the filter over everything written, A4 landscape one page wide, gridlines.
SHEET_TAIL = (
    '</sheetData><autoFilter ref="A1:{last}{rows}"/>'
    '<printOptions gridLines="1"/>'
    '<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
    "</worksheet>"
)


class _Sink(io.RawIOBase):
    """A write-only, unseekable file that hands out what was written so far."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _letters(n: int) -> list[str]:
    result = []
    for i in range(n):
        name, k = "", i + 1
        while k:
            k, r = divmod(k - 1, 26)
            name = chr(65 + r) + name
        result.append(name)
    return result


def _text(value: str) -> str:
    return escape(value.translate(_CONTROL))


def _cell(ref: str, value, as_text: bool, wrap: bool) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        value = "是" if value else "否"
    if isinstance(value, int | float) and not as_text:
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, dt.datetime) and not as_text:
        serial = (value.replace(tzinfo=None) - EPOCH_AT).total_seconds() / 86400
        return f'<c r="{ref}" s="4"><v>{serial:.8f}</v></c>'
    if isinstance(value, dt.date) and not as_text:
        return f'<c r="{ref}" s="3"><v>{(value - EPOCH).days}</v></c>'
    style = ' s="2"' if as_text else ' s="5"' if wrap else ""
    return f'<c r="{ref}" t="inlineStr"{style}><is><t>{_text(str(value))}</t></is></c>'


def stream_workbook(
    rows: Iterable[Iterable],
    *,
    title: str,
    headers: list[str],
    widths: list[int],
    text_columns: frozenset[int] | set[int] = frozenset(),
    wrap_columns: frozenset[int] | set[int] = frozenset(),
) -> Iterator[bytes]:
    """The bytes of the workbook: the header row in bold, then ``rows`` as they come."""
    sink = _Sink()
    letters = _letters(len(headers))
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", WORKBOOK.format(title=_text(title[:31])))
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            cols = "".join(
                f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                for i, w in enumerate(widths, start=1)
            )
            head = "".join(
                f'<c r="{c}1" t="inlineStr" s="1"><is><t>{_text(h)}</t></is></c>'
                for c, h in zip(letters, headers, strict=True)
            )
            sheet.write(
                f'{SHEET_HEAD}<cols>{cols}</cols><sheetData><row r="1">{head}</row>'.encode()
            )
            yield sink.take()
            parts: list[str] = []
            r = 1
            for r, row in enumerate(rows, start=2):
                cells = "".join(
                    _cell(f"{c}{r}", v, i in text_columns, i in wrap_columns)
                    for i, (c, v) in enumerate(zip(letters, row, strict=False))
                )
                parts.append(f'<row r="{r}">{cells}</row>')
                if len(parts) >= BATCH:
                    sheet.write("".join(parts).encode())
                    parts.clear()
                    chunk = sink.take()
                    if chunk:
                        yield chunk
            tail = SHEET_TAIL.format(last=letters[-1], rows=r)
            sheet.write(("".join(parts) + tail).encode())
    yield sink.take()
