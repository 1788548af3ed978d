"""What a plan file may hold: every limit of the importers, in one place.

A plan file is a few dozen kilobytes of text and a few tables of a few hundred rows; a file
past these numbers is refused before the part that would grow with it is parsed or laid out,
with a message naming the file, the limit and the value found (issue 10: a 9 KB .html table
grew to 2.9 GB, a 1 MB .xlsx held a 1 GB shared string). The numbers are ten times and more
what the largest real plan holds. Each can be changed by a Django setting of the same name
with PLAN_ in front (PLAN_TEXT_MAX_CHARS = 2_000_000); tests monkeypatch them here.

Where each is checked:
- ooxml.py: the zip's central directory (sizes, entry count) before anything is unpacked, then
  the worksheet, shared-string and document XML streamed with a counting parser before
  openpyxl or python-docx open the file;
- GridBuilder (grid.py): every table of every format, as it is laid out — a cell's length, the
  table's area with its spans, the positions merged cells cover;
- text.py, tabular.py (.html), pdf.py: the text's characters and lines, PDF pages.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .reading import PlanImportError

MiB = 1024 * 1024

# .xlsx and .docx: zip archives, judged by their central directory before they are opened.
ZIP_MAX_BYTES = 30 * MiB  # all parts together, unpacked
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_PART_BYTES = 20 * MiB  # the largest single part, unpacked
# Tables, whatever the format.
SHEET_MAX_CELLS = 100_000  # cells of one worksheet, and the rectangle openpyxl fills: a
# worksheet is read as one table, so it may hold no more than TABLE_MAX_AREA
TABLE_MAX_AREA = 100_000  # rows × columns of one table, spans included
FILE_MAX_TABLE_AREA = 300_000  # the areas of all the tables of one file
MERGED_MAX_POSITIONS = 200_000  # positions that merged cells (spans) cover, in one table
CELL_MAX_CHARS = 20_000  # one cell, one shared string
# Text: .txt/markdown, a .docx's or an .html page's paragraphs, a PDF's text layer.
TEXT_MAX_CHARS = 1_000_000
TEXT_MAX_LINES = 50_000
PDF_MAX_PAGES = 300
HTML_MAX_TAGS = 100_000  # "<" counted: each tag is a node in memory before other limits apply
# (99,000 paragraphs took 4.7 s and 104 MiB to parse; a plan page holds a few thousand tags)
# The reading itself runs in a forked child with these limits (lib/sandbox.py), a second line
# behind the checks above for what no check foresaw (a PDF's compressed streams, a library's
# worst case): the web or worker process keeps its memory whatever the file does.
READ_ISOLATED = True
# The largest real plan reads in well under a second, a 1 MB text plan in half a second.
READ_MAX_CPU_SECONDS = 30
READ_MAX_MEMORY_BYTES = 1024 * MiB  # more than the process had when it forked the child
READ_MAX_SECONDS = 60  # on the wall clock: killed past it, well before gunicorn's 120 s timeout


def limit(name: str) -> int:
    """The limit in force: the setting PLAN_<name> if there is one, else the number above."""
    return getattr(settings, f"PLAN_{name}", globals()[name])


class LimitExceeded(Exception):
    """A limit was hit. read_plan_file turns it into a PlanImportError naming the file."""

    def __init__(self, what: Callable[[], str], value: int, name: str, *, size: bool = False):
        self.what, self.value, self.name, self.size = what, value, name, size
        super().__init__(f"{name}: {value}")

    @property
    def limit(self) -> int:
        return limit(self.name)

    def message(self, source_name: str) -> str:
        shown = filesizeformat if self.size else _number
        return _("%(file)s: %(what)s is %(value)s, over the limit of %(limit)s; the file was "
                 "not read") % {"file": source_name, "what": self.what(),
                                "value": shown(self.value), "limit": shown(self.limit)}


def _number(value: int) -> str:
    return f"{value:,}"


def check(value: int, name: str, what: Callable[[], str], *, size: bool = False) -> None:
    """Raise LimitExceeded when value is over the limit called name. what gives the limit's
    words, only when one is hit: code that checks at every cell calls neither gettext nor
    settings (it reads the limit once and compares, then calls this to refuse)."""
    if value > limit(name):
        raise LimitExceeded(what, value, name, size=size)


def CELL_WORDS() -> str:  # noqa: N802 - used as a constant
    return _("the length of one cell (characters)")


def TEXT_WORDS() -> str:  # noqa: N802
    return _("the length of the text (characters)")


def TABLE_WORDS() -> str:  # noqa: N802
    return _("the area of one table (rows × columns, merged cells included)")


def ALL_TABLES_WORDS() -> str:  # noqa: N802
    return _("the area of all the tables together (rows × columns)")


def check_text(chars: int, lines: int) -> None:
    check(chars, "TEXT_MAX_CHARS", TEXT_WORDS)
    check(lines, "TEXT_MAX_LINES", lambda: _("the number of lines"))


def check_lines(lines: list[str]) -> None:
    check_text(sum(len(line) for line in lines), len(lines))


# ---- what one file's tables add up to -------------------------------------------------------

_tables_area: ContextVar[list[int] | None] = ContextVar("plan_tables_area", default=None)


@contextmanager
def refusing(source_name: str) -> Iterator[None]:
    """Around the reading of one file: counts what all its tables add up to, and turns a
    limit hit anywhere inside into a PlanImportError naming the file."""
    token = _tables_area.set([0])
    try:
        yield
    except LimitExceeded as exc:
        raise PlanImportError(exc.message(source_name)) from None
    finally:
        _tables_area.reset(token)


def add_table_area(area: int) -> None:
    total = _tables_area.get()
    if total is None:  # a grid built outside read_plan_file: only its own limits apply
        return
    total[0] += area
    check(total[0], "FILE_MAX_TABLE_AREA", ALL_TABLES_WORDS)


class TableBudget:
    """What one table being laid out may take, checked before each cell is placed: the loop
    over a span's positions is never longer than the limits."""

    def __init__(self) -> None:
        self.height = 0
        self.width = 0
        self.covered = 0
        self.max_cell = limit("CELL_MAX_CHARS")
        self.max_area = limit("TABLE_MAX_AREA")
        self.max_covered = limit("MERGED_MAX_POSITIONS")

    def place(self, row: int, col: int, text: str, rowspan: int, colspan: int) -> None:
        if len(text) > self.max_cell:
            check(len(text), "CELL_MAX_CHARS", CELL_WORDS)
        self.height = max(self.height, row + rowspan)
        self.width = max(self.width, col + colspan)
        if self.height * self.width > self.max_area:
            check(self.height * self.width, "TABLE_MAX_AREA", TABLE_WORDS)
        if rowspan * colspan > 1:
            self.covered += rowspan * colspan
            if self.covered > self.max_covered:
                check(self.covered, "MERGED_MAX_POSITIONS",
                      lambda: _("the positions covered by merged cells"))
