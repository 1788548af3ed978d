"""Writing .xlsx files that open as data, never as formulas (CSV/formula injection, OWASP).

openpyxl stores any string that starts with "=" as a formula: a task text or an agency name
typed as =HYPERLINK(…) or =cmd|' /C calc'!A0 would run in the reader's Excel. Every .xlsx
the project writes is saved through save_workbook, which passes each cell through safe_cell.

Why the cell is typed as text rather than prefixed with an apostrophe: OWASP's apostrophe is
for CSV, where nothing else can say "this is text". In an .xlsx an apostrophe written into the
value is part of the text (users would see '=1 and filters, sorts and copies would carry it).
A string cell (data type "s") is never evaluated, and quotePrefix is the flag Excel itself sets
when a user types '=1: the cell shows =1, and editing it and pressing Enter keeps it text.
"""
from __future__ import annotations

from typing import IO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(cell):
    """The cell, with a value that would be read as a formula made plain text."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def save_workbook(book, target: str | IO[bytes]) -> None:
    """Save book with every cell of every sheet passed through safe_cell first."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                safe_cell(cell)
    book.save(target)
