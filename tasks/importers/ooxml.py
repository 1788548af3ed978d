"""An .xlsx or .docx judged before openpyxl or python-docx open it (limits.py has the numbers).

First the zip's central directory: how many parts, how large each one unpacks to (zipfile
never unpacks past the size the directory declares, so a lying directory only gives a CRC
error). Then the parts that grow with the content — worksheets, shared strings, the document
body — are streamed through expat with handlers that only count: constant memory, stopped at
the first limit hit. A DTD is refused outright: no Office part has one, and entities are how a
small XML file expands.
"""
from __future__ import annotations

import re
import zipfile
from xml.parsers import expat

from django.utils.translation import gettext as _

from . import limits
from .limits import LimitExceeded, check, limit

CHUNK = 64 * 1024
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d{1,7})$")
_RANGE = re.compile(r"([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?$")


class DeclaresDTD(Exception):
    def __init__(self, part: str):
        self.part = part


def check_entries(entries: list[zipfile.ZipInfo]) -> None:
    """The central directory's figures, before anything is unpacked."""
    check(len(entries), "ZIP_MAX_ENTRIES", lambda: _("the number of parts in the zip archive"))
    check(sum(e.file_size for e in entries), "ZIP_MAX_BYTES",
          lambda: _("the size of the zip archive unpacked"), size=True)
    largest = max(entries, key=lambda e: e.file_size, default=None)
    if largest is not None:
        check(largest.file_size, "ZIP_MAX_PART_BYTES",
              lambda: _("the size of its largest part (%(part)s) unpacked")
              % {"part": largest.filename}, size=True)


def check_xlsx(archive: zipfile.ZipFile) -> None:
    for info in archive.infolist():
        name = info.filename
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            _stream(archive, info, _Sheet(name))
        elif name == "xl/sharedStrings.xml":
            _stream(archive, info, _SharedStrings())
        elif name.endswith((".xml", ".rels")):
            _stream(archive, info, _Counter())  # only the DTD check


def check_docx(archive: zipfile.ZipFile) -> None:
    for info in archive.infolist():
        if info.filename == "word/document.xml":
            _stream(archive, info, _WordBody())
        elif info.filename.endswith((".xml", ".rels")):
            _stream(archive, info, _Counter())


def _stream(archive: zipfile.ZipFile, info: zipfile.ZipInfo, counter: _Counter) -> None:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True  # one character-data call per run of text, not per chunk

    def refuse_dtd(*_args) -> None:
        raise DeclaresDTD(info.filename)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    if counter.counts_elements:
        parser.StartElementHandler = counter.start
        parser.EndElementHandler = counter.end
        parser.CharacterDataHandler = counter.text
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


class _Counter:
    """Handlers that count; a subclass says which elements it follows. Expat's names come
    as "namespace-uri local-name": each is cut to its local name once, then looked up."""

    counts_elements = False

    def __init__(self) -> None:
        self._names: dict[str, str] = {}

    def local(self, name: str) -> str:
        local = self._names.get(name)
        if local is None:
            local = self._names[name] = name.rsplit(" ", 1)[-1]
        return local

    def start(self, name: str, attributes: dict) -> None: ...

    def end(self, name: str) -> None: ...

    def text(self, data: str) -> None: ...


class _Sheet(_Counter):
    """A worksheet: its cells, the rectangle openpyxl fills (it makes every position from A1
    to the last cell and every position of a merged range), each value's length."""

    counts_elements = True

    def __init__(self, part: str):
        super().__init__()
        self.part = part
        self.cells = self.row = self.col = self.height = self.width = self.merged = 0
        self.value_chars = 0
        self.in_value = False
        self.max_cells = limit("SHEET_MAX_CELLS")
        self.max_cell = limit("CELL_MAX_CHARS")

    def start(self, name: str, attributes: dict) -> None:
        name = self._names.get(name) or self.local(name)
        if name == "c":
            self.cells += 1
            if self.cells > self.max_cells:
                check(self.cells, "SHEET_MAX_CELLS",
                      lambda: _("the number of cells in %(part)s") % {"part": self.part})
            ref = attributes.get("r")
            match = _CELL_REF.match(ref) if ref else None
            if match:
                self.col, self.row = _column_number(match.group(1)), int(match.group(2))
            else:
                self.col += 1
            self._reach(self.row, self.col)
            self.value_chars = 0
        elif name == "row":
            ref = attributes.get("r", "")
            self.row = int(ref) if ref.isdigit() else self.row + 1
            self.col = 0
        elif name in ("v", "t", "f"):
            self.in_value = True
        elif name == "mergeCell":
            first_col, first_row, last_col, last_row = self._range(attributes.get("ref", ""))
            self.merged += (last_row - first_row + 1) * (last_col - first_col + 1)
            check(self.merged, "MERGED_MAX_POSITIONS",
                  lambda: _("the positions covered by merged cells in %(part)s")
                  % {"part": self.part})
            self._reach(last_row, last_col)
        elif name == "dimension":
            first_col, first_row, last_col, last_row = self._range(attributes.get("ref", ""))
            check((last_row - first_row + 1) * (last_col - first_col + 1), "SHEET_MAX_CELLS",
                  lambda: _("the cells %(part)s declares (its dimension)") % {"part": self.part})

    def end(self, name: str) -> None:
        if self.in_value:
            self.in_value = False

    def text(self, data: str) -> None:
        if self.in_value:
            self.value_chars += len(data)
            if self.value_chars > self.max_cell:
                check(self.value_chars, "CELL_MAX_CHARS", limits.CELL_WORDS)

    def _reach(self, row: int, col: int) -> None:
        if row > self.height or col > self.width:
            self.height, self.width = max(self.height, row), max(self.width, col)
            if self.height * self.width > self.max_cells:
                    check(self.height * self.width, "SHEET_MAX_CELLS",
                          lambda: _("the rectangle of cells in %(part)s (rows × columns)")
                          % {"part": self.part})

    @staticmethod
    def _range(ref: str) -> tuple[int, int, int, int]:
        match = _RANGE.match(ref.replace("$", "").upper())
        if not match:
            return 1, 1, 1, 1
        first_col, first_row = _column_number(match.group(1)), int(match.group(2))
        if match.group(3) is None:
            return first_col, first_row, first_col, first_row
        last_col, last_row = _column_number(match.group(3)), int(match.group(4))
        return (min(first_col, last_col), min(first_row, last_row),
                max(first_col, last_col), max(first_row, last_row))


class _SharedStrings(_Counter):
    """Each shared string is a cell's text: as long as a cell may be."""

    counts_elements = True

    def __init__(self) -> None:
        super().__init__()
        self.chars = 0
        self.in_text = False
        self.max_cell = limit("CELL_MAX_CHARS")

    def start(self, name: str, attributes: dict) -> None:
        name = self.local(name)
        if name == "si":
            self.chars = 0
        self.in_text = name == "t"

    def end(self, name: str) -> None:
        self.in_text = False

    def text(self, data: str) -> None:
        if self.in_text:
            self.chars += len(data)
            if self.chars > self.max_cell:
                check(self.chars, "CELL_MAX_CHARS", limits.CELL_WORDS)


class _WordBody(_Counter):
    """The document body: its text and paragraphs, each table cell's text, each table's area
    (rows × the widest row, gridBefore and gridSpan counted)."""

    counts_elements = True

    def __init__(self) -> None:
        super().__init__()
        self.chars = 0
        self.paragraphs = 0
        self.tables: list[list[int]] = []  # open tables: [rows, widest row, this row's width]
        self.cell_chars: list[int] = []  # open cells, innermost last
        self.area = 0
        self.in_text = False
        self.max_chars = limit("TEXT_MAX_CHARS")
        self.max_cell = limit("CELL_MAX_CHARS")
        self.max_paragraphs = limit("TEXT_MAX_LINES")

    def start(self, name: str, attributes: dict) -> None:
        name = self.local(name)
        self.in_text = name == "t"
        if name == "tbl":
            self.tables.append([0, 0, 0])
        elif name == "tr" and self.tables:
            self.tables[-1][0] += 1
            self.tables[-1][2] = 0
        elif name == "tc" and self.tables:
            self.cell_chars.append(0)
            self._widen(1)
        elif name in ("gridSpan", "gridBefore") and self.tables:
            span = self._int_value(attributes)
            self._widen(span - 1 if name == "gridSpan" else span)

    def end(self, name: str) -> None:
        self.in_text = False
        name = self.local(name)
        if name == "p":
            self.paragraphs += 1
            if self.paragraphs > self.max_paragraphs:
                check(self.paragraphs, "TEXT_MAX_LINES", lambda: _("the number of paragraphs"))
        elif name == "tc" and self.cell_chars:
            self.cell_chars.pop()
        elif name == "tbl" and self.tables:
            rows, widest, _row = self.tables.pop()
            self.area += rows * widest
            check(self.area, "FILE_MAX_TABLE_AREA", limits.ALL_TABLES_WORDS)

    def text(self, data: str) -> None:
        if not self.in_text:
            return
        self.chars += len(data)
        if self.chars > self.max_chars:
            check(self.chars, "TEXT_MAX_CHARS", limits.TEXT_WORDS)
        if self.cell_chars:
            self.cell_chars[-1] += len(data)
            if self.cell_chars[-1] > self.max_cell:
                check(self.cell_chars[-1], "CELL_MAX_CHARS", limits.CELL_WORDS)

    def _widen(self, columns: int) -> None:
        table = self.tables[-1]
        table[2] += max(columns, 0)
        table[1] = max(table[1], table[2])
        check(table[0] * table[1], "TABLE_MAX_AREA", limits.TABLE_WORDS)

    def _int_value(self, attributes: dict) -> int:
        value = next((v for k, v in attributes.items() if self.local(k) == "val"), "1")
        try:
            return max(0, int(value))
        except ValueError:
            return 1


__all__ = ["DeclaresDTD", "LimitExceeded", "check_docx", "check_entries", "check_xlsx"]
