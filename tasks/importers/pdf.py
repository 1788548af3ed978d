"""Plans published as PDF with a text layer (pdfplumber), laid out as a Document.

A PDF has no paragraphs, only lines placed on pages: a paragraph starts where a line is indented
(Chinese documents indent a paragraph's first line by two characters), follows a short line or a
wider gap, or opens with a number; a paragraph runs on over a page break. Tables (pdfplumber's
ruled-line finder) become Grids, merged cells from their geometry; a wrapped cell's line breaks
fall inside words (市市场监管局(知识\\n产权局)) and are joined without a space. A table that
continues on the next page without repeating its header is one table.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import limits
from .document import Document, TableBlock, blocks_from_lines, numbering
from .grid import Grid, GridBuilder, skipped_warning, table_kind
from .reading import PlanImportError

PAGE_NUMBER = re.compile(r"^[-—–\s]*\d{1,4}[-—–\s]*$|^第\s*\d+\s*页")
INDENT = 0.8  # of a character's height: more than this right of the margin is an indent
SHORT_LINE = 1.5  # characters short of the right edge: the last line of a paragraph
# A short line ending otherwise is a wrap that line-breaking rules (禁则) cut early.
PARAGRAPH_END = "。！？；：:;!?）)"


def at_page(page: int) -> str:
    return _("page %(page)d") % {"page": page}


def max_pages() -> int:
    return limits.limit("PDF_MAX_PAGES")


@dataclass
class _Line:
    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 1.0)


@dataclass
class _Layout:
    """What the pages hold, in reading order: text lines and tables."""

    items: list[tuple[int, float, object]] = field(default_factory=list)  # (page, top, item)
    chars: int = 0


def pdf_document(data: bytes, source_name: str) -> Document:
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        pages = len(pdf.pages)
    except Exception as exc:  # pdfminer raises its own kinds on broken files
        reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise PlanImportError(_("%(file)s: not a readable PDF file (%(reason)s)")
                              % {"file": source_name, "reason": reason[:200]}) from exc
    with pdf:
        if pages > max_pages():
            raise PlanImportError(
                _("%(file)s: %(pages)d pages; the largest PDF accepted has %(limit)d pages")
                % {"file": source_name, "pages": pages, "limit": max_pages()})
        try:
            layout = _layout(pdf)
        except (PlanImportError, limits.LimitExceeded):
            raise
        except Exception as exc:
            raise PlanImportError(_("%(file)s: not a readable PDF file (%(reason)s)") % {
                "file": source_name, "reason": f"{type(exc).__name__}: {exc}"[:200]}) from exc
    if layout.chars == 0:
        raise PlanImportError(
            _("%(file)s: this PDF has no text layer (a scan or an image); upload the plan as "
              ".docx, as a PDF saved from the document (not scanned), or as text"
              ) % {"file": source_name})
    return _document(layout, source_name)


def _layout(pdf) -> _Layout:
    layout = _Layout()
    for number, page in enumerate(pdf.pages, start=1):
        # Page by page, so that a PDF of too much text stops being read at the page past it.
        layout.chars += len(page.chars)
        limits.check_text(layout.chars, len(layout.items))
        tables = page.find_tables()
        boxes = [table.bbox for table in tables]
        for table in tables:
            layout.items.append((number, table.bbox[1], _table_grid(table)))
        outside = page.filter(lambda obj, boxes=boxes: not _inside(obj, boxes))
        for line in outside.extract_text_lines(return_chars=False):
            text = line["text"].strip()
            if text and not PAGE_NUMBER.match(text):
                layout.items.append((number, line["top"], _Line(
                    text, number, line["x0"], line["x1"], line["top"], line["bottom"])))
    layout.items.sort(key=lambda item: (item[0], item[1]))
    return layout


def _inside(obj: dict, boxes: list[tuple]) -> bool:
    if "x0" not in obj or "top" not in obj:
        return False
    x = (obj["x0"] + obj.get("x1", obj["x0"])) / 2
    y = (obj["top"] + obj.get("bottom", obj["top"])) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _table_grid(table) -> Grid:
    """Rows and columns from the cells' edges, so a merged cell spans what it covers."""
    cells = [cell for row in table.rows for cell in row.cells if cell is not None]
    xs = sorted({round(c[0], 1) for c in cells})
    ys = sorted({round(c[1], 1) for c in cells})
    texts = table.extract()
    builder = GridBuilder()
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            if cell is None:
                continue
            x0, top, x1, bottom = cell
            col = xs.index(round(x0, 1))
            line = ys.index(round(top, 1))
            colspan = max(1, sum(1 for x in xs if x0 - 0.5 <= x < x1 - 0.5))
            rowspan = max(1, sum(1 for y in ys if top - 0.5 <= y < bottom - 0.5))
            text = texts[r][c] if r < len(texts) and c < len(texts[r]) else ""
            builder.place(line, col, (text or "").replace("\n", ""), rowspan, colspan)
    return builder.build()


def _document(layout: _Layout, source_name: str) -> Document:
    """Paragraphs from the lines' geometry; tables where they stand; a table that runs on over
    a page break joined to the one before it."""
    document = Document(source_name=source_name)
    lines: list[str] = []  # one paragraph a line, a blank line between paragraphs
    pages: list[int] = []
    body = [item for _, _, item in layout.items if isinstance(item, _Line)]
    margin, right = _margins(body)
    previous: _Line | None = None
    last_table: Grid | None = None
    # Each pending line as its pieces, joined once at flush: adding to a string line by line
    # copied the paragraph at every line (quadratic in a long paragraph).
    pending: list[list[str]] = []
    pending_pages: list[int] = []

    def flush() -> None:
        if pending:
            first = len(lines) + 1
            texts = ["".join(pieces) for pieces in pending]
            document.blocks.extend(blocks_from_lines(texts, first))
            lines.extend(texts)
            pages.extend(pending_pages)
            pending.clear()
            pending_pages.clear()

    for _page, _top, item in layout.items:
        if isinstance(item, Grid):
            if last_table is not None and not pending and _continues_table(last_table, item):
                _append_rows(document, last_table, item)
                continue
            flush()
            kind = table_kind(item)
            if kind:
                document.blocks.append(TableBlock(item, at_page(_page), len(lines) + 1))
                last_table = item
            else:
                document.warnings.append(skipped_warning(item, at_page(_page)))
                for row in range(item.height):
                    pending.append([" ".join(t for t in item.texts(row) if t)])
                    pending_pages.append(_page)
                    pending.append([])
                    pending_pages.append(_page)
            previous = None
            continue
        if previous is not None and not _same_paragraph(previous, item, margin, right):
            pending.append([])
            pending_pages.append(item.page)
        if pending and pending[-1] and previous is not None:
            pending[-1].append(item.text)
        else:
            pending.append([item.text])
            pending_pages.append(item.page)
        previous = item
        last_table = None
    flush()
    document.lines = lines
    document.locate = lambda line: at_page(pages[line - 1]) if 0 < line <= len(pages) else ""
    return document


def _margins(lines: list[_Line]) -> tuple[float, float]:
    """The body's left margin (where its lines start, indents and centred titles aside) and
    right edge."""
    if not lines:
        return 0.0, 0.0
    starts: dict[int, int] = {}
    for line in lines:
        starts[round(line.x0)] = starts.get(round(line.x0), 0) + 1
    common = [x for x, count in starts.items() if count >= max(2, len(lines) // 20)]
    margin = float(min(common or starts))
    ends = sorted(line.x1 for line in lines)
    return margin, ends[int(len(ends) * 0.9)]  # a stray long line does not move the edge


def _same_paragraph(previous: _Line, line: _Line, margin: float, right: float) -> bool:
    """The line runs on the paragraph above: not indented, and the line above was full."""
    size = line.height
    if numbering(line.text)[0] >= 0:
        return False  # 1. / (一) at the margin: a new item
    if abs(previous.height - size) > 0.2 * size:
        return False  # another font size: a title above the text
    if previous.x0 > margin + 2 * size and previous.x1 < right - 2 * size:
        return False  # the line above is centred: a title
    if line.x0 > margin + INDENT * size:
        return False  # indented first line, or a centred title
    if previous.x1 < right - SHORT_LINE * size and previous.text[-1] in PARAGRAPH_END:
        return False  # the line above ended early on a full stop: its paragraph ended
    if line.page == previous.page and line.top - previous.bottom > 1.2 * size:
        return False  # a wider gap than between the lines of a paragraph
    return True


def _continues_table(last: Grid, grid: Grid) -> bool:
    """A table at the top of a page with the same columns, and no header of its own or the
    first table's header repeated."""
    if grid.width != last.width or not grid.height:
        return False
    return not table_kind(grid) or _repeats_header(last, grid)


def _repeats_header(last: Grid, grid: Grid) -> bool:
    return last.height > 0 and grid.texts(0) == last.texts(0)


def _append_rows(document: Document, last: Grid, grid: Grid) -> None:
    builder = GridBuilder(counted=False)  # both grids were counted when they were built
    _place(builder, last, 0)
    skip = 1 if _repeats_header(last, grid) else 0
    _place(builder, grid, last.height - skip, skip)
    merged = builder.build()
    last.rows, last.width = merged.rows, merged.width


def _place(builder: GridBuilder, grid: Grid, offset: int, skip: int = 0) -> None:
    """Every cell of grid from row skip on, with its span, offset rows down."""
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    for r, row in enumerate(grid.rows):
        if r < skip:
            continue
        for c, cell in enumerate(row):
            r0, c0 = cell.origin
            down, across = spans.get(cell.origin, (1, 1))
            spans[cell.origin] = (max(down, r - r0 + 1), max(across, c - c0 + 1))
    for (r0, c0), (down, across) in spans.items():
        builder.place(r0 + offset, c0, grid.rows[r0][c0].text, down, across)
