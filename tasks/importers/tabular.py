"""Plans published as .xlsx, .docx and .html, laid out as Documents.

Each reader turns every table into a Grid — rows of cell text with merged cells expanded, each
position knowing the top-left position of the merged range it belongs to — and the paragraphs
around them into blocks, in document order; plan.py reads the Document like any other. A table
that is neither a task table nor an indicator table (table_kind) is only text: its cells become
lines, where a leading group or a note may still be found.
"""
from __future__ import annotations

import codecs
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time

from django.utils.translation import gettext as _

from . import limits
from .cells import clean
from .document import Document, TableBlock
from .grid import Grid, GridBuilder, skipped_warning, table_kind
from .reading import PlanImportError, PlanReading, in_sheet, in_table

MAX_COLSPAN = 1000  # HTML's own limit; guards against colspan="99999"


def _require_tables(reading: PlanReading) -> PlanReading:
    # Tasks the text grammar found in paragraphs also make a plan: many .docx plans have no table.
    if reading.tasks or reading.indicators:
        return reading
    raise PlanImportError(
        _("%(file)s: no task decomposition table or indicator table found (a task table needs "
          "a header with 牵头单位 and 责任单位/配合单位, an indicator table one with 指标, 单位 "
          "and 目标值)") % {"file": reading.source_name})


def _read(document: Document) -> PlanReading:
    from .plan import read_document

    return _require_tables(read_document(document))


class _Builder:
    """Paragraph lines and tables in order, into a Document; text is numbered by line."""

    def __init__(self, source_name: str):
        self.document = Document(source_name=source_name)
        self.pending: list[str] = []
        self.line = 1  # the number of the next pending line

    def text(self, line: str) -> None:
        self.pending.append(line)

    def table(self, grid: Grid, where: str) -> bool:
        """Keep a plan table as a table; any other table's cells become lines. True if kept."""
        if not table_kind(grid):
            self.document.warnings.append(skipped_warning(grid, where))
            for line in _grid_lines(grid):
                self.text(line)
            return False
        self._flush()
        self.document.blocks.append(TableBlock(grid, where))
        return True

    def _flush(self) -> None:
        from .text import append_lines

        if self.pending:
            append_lines(self.document, self.pending, self.line)
            self.line += len(self.pending)
            self.pending = []

    def build(self) -> Document:
        self._flush()
        return self.document


@contextmanager
def _readable(source_name: str, kind: str) -> Iterator[None]:
    """Whatever a library raises on bad bytes becomes a PlanImportError naming the file."""
    try:
        yield
    except (PlanImportError, limits.LimitExceeded):
        raise
    except Exception as exc:  # zipfile, lxml, openpyxl and docx each raise their own kinds
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise PlanImportError(
            _("%(file)s: not a readable .%(kind)s file (%(reason)s)")
            % {"file": source_name, "kind": kind, "reason": reason[:200]}) from exc


def _grid_lines(grid: Grid) -> list[str]:
    """The text of a table that is not read as one, for the text reader: one line per line."""
    lines = []
    for r, row in enumerate(grid.rows):
        for c, cell in enumerate(row):
            if cell.origin == (r, c):
                lines.extend(line.strip() for line in cell.text.split("\n") if line.strip())
    return lines


# ---- .xlsx -----------------------------------------------------------------------------------

def read_xlsx(data: bytes, source_name: str) -> PlanReading:
    return _read(xlsx_document(data, source_name))


def xlsx_document(data: bytes, source_name: str) -> Document:
    """Every sheet is a table: read_grid says what it makes of those that are not a plan's."""
    import openpyxl

    document = Document(source_name=source_name)
    with _readable(source_name, "xlsx"):
        # data_only: a formula's last computed value, not its text
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
        sheets = [(sheet.title, _sheet_grid(sheet)) for sheet in book.worksheets]
    document.blocks = [TableBlock(grid, in_sheet(title)) for title, grid in sheets]
    return document


def _sheet_grid(sheet) -> Grid:
    """Grid row r is the sheet's row r + 1, so sources name the row Excel shows."""
    builder = GridBuilder()
    for merged in sheet.merged_cells.ranges:
        first = sheet.cell(merged.min_row, merged.min_col)
        builder.place(merged.min_row - 1, merged.min_col - 1, _xlsx_text(first),
                      merged.max_row - merged.min_row + 1, merged.max_col - merged.min_col + 1)
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                builder.place(cell.row - 1, cell.column - 1, _xlsx_text(cell))
    return builder.build()


def _xlsx_text(cell) -> str:
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        if "%" in str(cell.number_format):  # 0.85 shown as 85%
            return f"{_number_text(value * 100)}%"
        return _number_text(value)
    return str(value)


def _number_text(value: float) -> str:
    value = round(value, 10)  # 0.1 * 100 is 10.000000000000002
    return str(int(value)) if float(value).is_integer() else str(value)


# ---- .docx -----------------------------------------------------------------------------------

def read_docx(data: bytes, source_name: str) -> PlanReading:
    return _read(docx_document(data, source_name))


def docx_document(data: bytes, source_name: str) -> Document:
    import docx
    from docx.table import Table

    with _readable(source_name, "docx"):
        blocks = list(docx.Document(io.BytesIO(data)).iter_inner_content())
    builder = _Builder(source_name)
    tables = 0
    for block in blocks:
        if not isinstance(block, Table):
            builder.text(block.text)
            continue
        tables += 1
        with _readable(source_name, "docx"):
            grid = _docx_grid(block)
        builder.table(grid, in_table(tables))
    return builder.build()


def _docx_grid(table) -> Grid:
    """From the XML: python-docx's row.cells hides where a row starts and which cells merge."""
    from docx.table import _Cell

    builder = GridBuilder()
    for r, tr in enumerate(table._tbl.tr_lst):
        col = tr.grid_before
        for tc in tr.tc_lst:
            span = tc.grid_span
            if tc.vMerge == "continue" and r > 0:
                builder.continue_down(r, col, span)
            else:
                builder.place(r, col, _Cell(tc, table).text, 1, span)
            col += span
    return builder.build()


# ---- .html -----------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:\-]+)", re.I)
_GB_LABELS = {"gb2312", "gbk", "x-gbk", "gb_2312-80", "cp936", "csgb2312", "chinese"}
_BLOCK_TAGS = frozenset(
    "address article aside blockquote caption center dd div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody td tfoot "
    "th thead tr ul".split())
_SKIPPED_TAGS = frozenset(
    "head title script style noscript template iframe object svg select textarea".split())
_END_BLOCK = object()


def read_html(data: bytes, source_name: str) -> PlanReading:
    return _read(html_document(data, source_name))


def html_document(data: bytes, source_name: str) -> Document:
    from bs4 import BeautifulSoup

    builder = _Builder(source_name)
    # Every tag becomes a node in memory: count them (an upper bound) before parsing.
    limits.check(data.count(b"<"), "HTML_MAX_TAGS", lambda: _("the number of HTML tags"))
    with _readable(source_name, "html"):
        soup = BeautifulSoup(_decode_html(data, builder.document), "html.parser")
    tables = _HtmlTables(builder)
    _html_lines(soup, on_table=tables.read, lines=tables.lines)
    limits.check_lines(tables.lines)
    tables.flush()
    return builder.build()


def _decode_html(data: bytes, document: Document) -> str:
    for encoding in _html_encodings(data):
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    document.warnings.append(
        _("%(file)s: neither its declared encoding, UTF-8 nor GB18030 reads it; unreadable "
          "bytes were replaced") % {"file": document.source_name})
    return data.decode("gb18030", errors="replace")


def _html_encodings(data: bytes) -> Iterator[str]:
    if data.startswith(codecs.BOM_UTF8):
        yield "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        yield "utf-16"
    if match := _META_CHARSET.search(data[:4096]):
        label = match.group(1).decode("ascii").lower()
        # Pages labelled gb2312 use GBK characters too; GB18030 reads them all.
        yield "gb18030" if label in _GB_LABELS else label
    yield "utf-8"
    yield "gb18030"


class _HtmlTables:
    """Lays out each table the page walk meets; says whether its text is taken."""

    def __init__(self, builder: _Builder):
        self.builder = builder
        self.count = 0
        self.lines: list[str] = []  # the page walk's lines, handed on in order
        self.flushed = 0

    def flush(self) -> None:
        for line in self.lines[self.flushed:]:
            self.builder.text(line)
        self.flushed = len(self.lines)

    def read(self, table) -> bool:
        self.count += 1
        grid = _html_grid(table)
        if not table_kind(grid):
            self.builder.document.warnings.append(skipped_warning(grid, in_table(self.count)))
            return False  # its text stays in the page's lines, where it stands
        self.flush()
        return self.builder.table(grid, in_table(self.count))


def _html_lines(root, on_table: Callable[[object], bool] | None = None,
                lines: list[str] | None = None) -> list[str]:
    """The page's text, one line per block (p, div, li, td, br…), in document order.

    A table holding no other table is offered to on_table; its text is left out when read as a
    table. Tables holding tables are page layout: their text is kept as blocks.
    """
    from bs4 import NavigableString, Tag

    lines = [] if lines is None else lines
    words: list[str] = []

    def flush() -> None:
        if text := clean(re.sub(r"\s+", " ", "".join(words))):
            lines.append(text)
        words.clear()

    stack = list(reversed(root.contents))
    while stack:  # a stack, not recursion: some pages nest deeper than Python's limit
        node = stack.pop()
        if node is _END_BLOCK:
            flush()
        elif type(node) is NavigableString:  # not comments, doctypes or CDATA
            words.append(str(node))
        elif isinstance(node, Tag) and node.name not in _SKIPPED_TAGS:
            if node.name == "br":
                flush()
                continue
            if node.name == "table" and on_table and node.find("table") is None:
                flush()
                if on_table(node):
                    continue
            if node.name in _BLOCK_TAGS:
                flush()
                stack.append(_END_BLOCK)
            stack.extend(reversed(node.contents))
    flush()
    return lines


def _html_grid(table) -> Grid:
    rows = table.find_all("tr")
    builder = GridBuilder()
    for r, tr in enumerate(rows):
        col = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            col = builder.next_free(r, col)
            rowspan = _span(cell.get("rowspan"), zero=len(rows) - r, limit=len(rows) - r)
            colspan = _span(cell.get("colspan"), zero=1, limit=MAX_COLSPAN)
            builder.place(r, col, "\n".join(_html_lines(cell)), rowspan, colspan)
            col += colspan
    return builder.build()


def _span(value, zero: int, limit: int) -> int:
    """rowspan="0" runs to the end of the table; junk counts as 1."""
    try:
        number = int(str(value).strip())
    except ValueError:
        return 1
    return max(1, min(zero if number == 0 else number, limit))
