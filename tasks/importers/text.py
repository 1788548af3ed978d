"""Plans as published text: web pages copied or rendered to text, crawler copies, .txt files.

Lays the text out as a Document — paragraphs joined from wrapped lines, flattened tables laid
out again as Grids (streams.py) — for the one set of grammars in plan.py.
"""
from __future__ import annotations

import codecs

from django.utils.translation import gettext as _

from . import limits
from .document import Block, Document, TableBlock, blocks_from_lines
from .reading import PlanImportError, PlanReading, at_line
from .streams import flat_tables


def decode(data: bytes, source_name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (a superset of GBK)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            line = data[:utf8_error.start].count(b"\n") + 1
            raise PlanImportError(
                _("%(file)s, %(where)s: bytes that are neither UTF-8 nor GB18030/GBK "
                  "(byte %(offset)d: %(bytes)s)") % {
                    "file": source_name, "where": at_line(line), "offset": utf8_error.start,
                    "bytes": repr(data[utf8_error.start:utf8_error.start + 4]),
                }
            ) from None


def read_text(data: bytes, source_name: str) -> PlanReading:
    from .plan import read_document, require_plan

    text = decode(data, source_name)
    if "\x00" in text:
        raise PlanImportError(_("%(file)s: a binary file, not text") % {"file": source_name})
    limits.check_text(len(text), text.count("\n") + 1)  # before any list of lines is made
    return require_plan(read_document(text_document(text.splitlines(), source_name)))


def text_document(lines: list[str], source_name: str, first_line: int = 1) -> Document:
    """Paragraphs and tables in order; the lines outside the tables kept for layout grammars."""
    document = Document(source_name=source_name)
    kept = list(lines)
    start = 0
    for table in flat_tables(lines, document.warnings.append):
        document.blocks.extend(blocks_from_lines(lines[start:table.first], start + first_line))
        document.blocks.append(TableBlock(table.grid, at_line(table.first + first_line),
                                          table.first + first_line))
        for index in range(table.first, table.last + 1):
            kept[index] = ""
        start = table.last + 1
    document.blocks.extend(blocks_from_lines(lines[start:], start + first_line))
    document.lines = kept
    return document


def append_lines(document: Document, lines: list[str], first_line: int) -> list[Block]:
    """Paragraphs of more text (a .docx's paragraphs between its tables), numbered on."""
    blocks = blocks_from_lines(lines, first_line, wrapped=False)
    document.blocks.extend(blocks)
    document.lines.extend(lines)
    return blocks
