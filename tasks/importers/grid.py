"""Tables as grids: rows of cell text with merged cells expanded, read by their header row.

read_grid recognises a task decomposition table (任务分解表) or an indicator table (主要目标);
the .xlsx, .docx and .html readers (tabular.py) build the grids.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import limits
from . import vocabulary as words
from .cells import (
    clean,
    infer_comparator,
    is_collective,
    looks_like_agency_list,
    name_and_unit,
    parse_attribute,
    parse_deadline,
    parse_number,
    parse_target,
    split_agency_names,
)
from .reading import IndicatorRow, PlanImportError, PlanReading, TaskRow, at_line, at_row

HEADER_SEARCH_ROWS = 6  # a title, an 附件 line, a note and a blank row may come before the header
MAX_HEADER_DEPTH = 3  # header rows a header cell may span (基期值 over 2020年)


# ---- grids -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class GridCell:
    text: str  # as the source holds it; may contain newlines
    origin: tuple[int, int]  # (row, column) of the top-left position of its merged range


class Grid:
    """A table as a rectangle; a merged cell's GridCell sits at every position it covers.

    row_lines: for a table flattened in text, the line each row starts on, so that what is
    read from it is located by line like the rest of the text.
    """

    def __init__(self, rows: list[list[GridCell]], row_lines: list[int] | None = None):
        self.width = max((len(row) for row in rows), default=0)
        self.rows = [
            row + [GridCell("", (r, c)) for c in range(len(row), self.width)]
            for r, row in enumerate(rows)
        ]
        self.row_lines = row_lines

    def where(self, table: str, row: int) -> str:
        """Where a row is, as the user finds it: 'sheet 任务 row 7' or 'line 88'."""
        if self.row_lines is not None and row < len(self.row_lines):
            return at_line(self.row_lines[row])
        return at_row(table, row + 1)

    @property
    def height(self) -> int:
        return len(self.rows)

    def raw(self, row: int, col: int) -> str:
        return self.rows[row][col].text

    def text(self, row: int, col: int) -> str:
        """The cell as one line: a line break inside a cell is only layout."""
        return clean(" ".join(self.raw(row, col).split("\n")))

    def texts(self, row: int) -> list[str]:
        return [self.text(row, col) for col in range(self.width)]

    def origin(self, row: int, col: int) -> tuple[int, int]:
        return self.rows[row][col].origin

    def from_above(self, row: int, col: int) -> bool:
        """This position continues a cell merged down from an earlier row."""
        return self.origin(row, col)[0] < row

    def from_left(self, row: int, col: int) -> bool:
        return self.origin(row, col)[1] < col


class GridBuilder:
    """Places cells, and cells spanning rows and columns, the way HTML and Word lay them out.

    Every table of every format is laid out here, so the limits on a table (limits.py) are
    checked here, before each cell is placed. counted=False: a re-layout of grids already built
    (a PDF table continued over pages), whose area the file's total already holds.
    """

    def __init__(self, *, counted: bool = True) -> None:
        self._cells: dict[tuple[int, int], GridCell] = {}
        self._budget = limits.TableBudget()
        self._counted = counted

    def place(self, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1) -> None:
        self._budget.place(row, col, text, rowspan, colspan)
        cell = GridCell(text, (row, col))
        for r in range(row, row + rowspan):
            for c in range(col, col + colspan):
                self._cells.setdefault((r, c), cell)  # overlapping spans: the first one wins

    def continue_down(self, row: int, col: int, colspan: int) -> None:
        """Word's vMerge="continue": these positions belong to the cell above."""
        self._budget.place(row, col, "", 1, colspan)
        for c in range(col, col + colspan):
            above = self._cells.get((row - 1, c))
            if above is None:
                self.place(row, c, "")
            else:
                self._cells.setdefault((row, c), above)

    def next_free(self, row: int, col: int) -> int:
        while (row, col) in self._cells:
            col += 1
        return col

    def build(self, row_lines: list[int] | None = None) -> Grid:
        if not self._cells:
            return Grid([], row_lines)
        height = max(r for r, _ in self._cells) + 1
        width = max(c for _, c in self._cells) + 1
        if self._counted:
            limits.add_table_area(height * width)
        return Grid([
            [self._cells.get((r, c)) or GridCell("", (r, c)) for c in range(width)]
            for r in range(height)
        ], row_lines)


# ---- headings inside tables ------------------------------------------------------------------

@dataclass(frozen=True)
class _Heading:
    number: str  # "一", "(一)", "1.", "(1)" or ""
    title: str
    level: int  # 1 一、 / 2 (一) / 3 1. / 4 (1); 0 unnumbered


_NUMBERED = (
    (re.compile(r"^([一二三四五六七八九十]+)\s*[、.．]\s*(.*)$", re.S), 1, "{}"),
    (re.compile(r"^[(（]\s*([一二三四五六七八九十]+)\s*[)）]\s*[、.．]?\s*(.*)$", re.S), 2, "({})"),
    (re.compile(r"^(\d{1,2})\s*[、.．](?!\d)\s*(.*)$", re.S), 3, "{}."),
    (re.compile(r"^[(（]\s*(\d{1,2})\s*[)）]\s*(.*)$", re.S), 4, "({})"),
)
_BARE_NUMBER = re.compile(
    r"^[(（]?\s*[\d一二三四五六七八九十]+(?:[.\-－—]\d+)*\s*[)）]?\s*[、.．]?$")
_CHINESE_NUMBER = re.compile(r"^([(（])?\s*([一二三四五六七八九十]+)\s*[)）]?\s*[、.．]?$")
_NOTE = re.compile(r"^(注|备注|说明)\s*[:：\d]")


def _parse_heading(text: str) -> _Heading | None:
    for pattern, level, number in _NUMBERED:
        if match := pattern.match(text):
            return _Heading(number.format(match.group(1)), _strip_end(match.group(2)), level)
    return None


def _heading_or_title(text: str) -> _Heading:
    return _parse_heading(text) or _Heading("", _strip_end(text), 0)


def _strip_end(title: str) -> str:
    return title.strip().rstrip("。.:：;； ")


def _is_title(text: str) -> bool:
    """A heading, not a work item: one short phrase."""
    return bool(text) and len(text) <= 40 and "。" not in text.rstrip("。")


@dataclass
class _OpenSection:
    rank: tuple[int, int]  # (column, level)
    index: int  # into PlanReading.sections
    text: str  # the cell as written, to know the same heading repeated in the next row


class _Outline:
    """The sections open at the current row of one table, outermost first.

    A heading's rank is (column, numbering level): a heading closes those of its rank or deeper,
    so "1.xxx" under "(一)xxx" becomes its child, and a category in a column to the right of a
    heading column becomes a child of that heading.
    """

    def __init__(self, reading: PlanReading):
        self.reading = reading
        self.stack: list[_OpenSection] = []

    @property
    def current(self) -> int | None:
        return self.stack[-1].index if self.stack else None

    def open(self, col: int, heading: _Heading, text: str) -> None:
        rank = (col, heading.level)
        while self.stack and self.stack[-1].rank >= rank:
            self.stack.pop()
        index = self.reading.add_section(heading.number, heading.title, self.current)
        self.stack.append(_OpenSection(rank, index, text))

    def is_open(self, col: int, text: str) -> bool:
        """The innermost section opened from this column has this very text."""
        for section in reversed(self.stack):
            if section.rank[0] == col:
                return section.text == text
        return False


@dataclass(frozen=True)
class _MergedRow:
    col: int
    text: str


def _merged_row(grid: Grid, row: int) -> _MergedRow | None:
    """A row whose filled cells all hold one text: a heading or a note across the table."""
    filled = [col for col in range(grid.width) if grid.text(row, col)]
    if len(filled) < 2 or len({grid.text(row, col) for col in filled}) != 1:
        return None
    return _MergedRow(filled[0], grid.text(row, filled[0]))


def _agency_text(grid: Grid, row: int, col: int | None) -> str:
    """An agency cell with its line breaks read as separators: one agency per line is common."""
    if col is None:
        return ""
    return clean("、".join(line for line in grid.raw(row, col).split("\n") if line.strip()))


# ---- headers ---------------------------------------------------------------------------------

@dataclass
class _Header:
    row: int
    end: int  # last row of the header: a header cell may span a sub-header row below it
    labels: list[str]  # per column: its header words, then its sub-header words

    @property
    def data_start(self) -> int:
        return self.end + 1

    def describe(self) -> str:
        shown: list[str] = []
        for label in self.labels:
            if label and (not shown or shown[-1] != label):
                shown.append(label)
        return " | ".join(shown)


def _header_rows(grid: Grid) -> list[int]:
    """Where a header may be: the first few rows that hold any text."""
    filled = [row for row in range(grid.height) if any(grid.texts(row))]
    return filled[:HEADER_SEARCH_ROWS]


def _header_at(grid: Grid, row: int) -> _Header:
    end = row
    for col in range(grid.width):
        if not grid.text(row, col):
            continue
        below = row
        while (below + 1 < min(grid.height, row + MAX_HEADER_DEPTH)
               and grid.origin(below + 1, col) == grid.origin(row, col)):
            below += 1
        end = max(end, below)
    return _Header(row, end, [_label(grid, row, end, col) for col in range(grid.width)])


def _label(grid: Grid, first: int, last: int, col: int) -> str:
    parts: list[str] = []
    for row in range(first, last + 1):
        text = re.sub(r"\s+", "", grid.text(row, col))
        if text and text not in parts:
            parts.append(text)
    return " ".join(parts)


def assign_roles(labels: list[str], roles, found: dict[str, int]) -> dict[str, int]:
    """Give each role the first column, not yet given a role, whose label matches it."""
    for role, pattern in roles:
        if role in found:
            continue
        for col, label in enumerate(labels):
            if role in ("lead", "supporting") and words.PEOPLE_HEADER.search(label or ""):
                continue
            if label and col not in found.values() and re.search(pattern, label):
                found[role] = col
                break
    return found


def _widest_column(grid: Grid, start: int, cols: list[int]) -> int | None:
    """The column with the most text per row; a cell merged over rows is counted once."""
    def width(col: int) -> float:
        lengths = [len(grid.text(row, col)) for row in range(start, grid.height)
                   if grid.origin(row, col) == (row, col)]
        return sum(lengths) / max(1, grid.height - start)
    return max(cols, key=width) if cols else None


# ---- task decomposition tables ---------------------------------------------------------------

_AGENCY_WORDS = words.AGENCY_WORDS


@dataclass
class _TaskColumns:
    content: int
    lead: int
    supporting: int | None = None
    seq: int | None = None
    deadline: int | None = None
    lead_is_responsibility: bool = False  # the lead column is a lone 责任单位 column
    prefix: list[int] = field(default_factory=list)  # columns left of content: 序号, categories


def _task_columns(grid: Grid, header: _Header) -> _TaskColumns | None:
    labels = header.labels
    found = assign_roles(labels, words.TASK_TABLE_ROLES, {})
    lone = "lead" not in found
    if lone:
        assign_roles(labels, words.LONE_LEAD_ROLE, found)
    assign_roles(labels, words.OTHER_TASK_TABLE_ROLES, found)
    if "lead" not in found:
        return None
    content = _content_column(grid, header, found)
    if content is None:
        return None
    taken = set(found.values())
    return _TaskColumns(
        content=content, lead=found["lead"], supporting=found.get("supporting"),
        seq=found.get("seq"), deadline=found.get("deadline"), lead_is_responsibility=lone,
        prefix=[col for col in range(content) if col not in taken or col == found.get("seq")],
    )


def _content_column(grid: Grid, header: _Header, found: dict[str, int]) -> int | None:
    free = [col for col in range(grid.width) if col not in found.values()]
    for word in words.CONTENT_HEADER_WORDS:
        matching = [col for col in free if word in header.labels[col]]
        if matching:  # one header over two columns: the category one is the narrower
            return _widest_column(grid, header.data_start, matching)
    if "supporting" not in found:
        return None  # too little evidence that this is a task table at all
    return _widest_column(grid, header.data_start, [
        col for col in free if not _holds_agencies(grid, header.data_start, col)
    ])


def _holds_agencies(grid: Grid, start: int, col: int) -> bool:
    texts = [grid.text(row, col) for row in range(start, grid.height) if grid.text(row, col)]
    return bool(texts) and all(looks_like_agency_list(text) for text in texts)


def _lacks_agency_columns(header: _Header) -> bool:
    """序号 and a task column but no agency column: a task table we cannot assign."""
    labels = header.labels
    has_seq = any(re.search(r"序号|编号", label) for label in labels)
    has_content = any(word in label for label in labels for word in words.CONTENT_HEADER_WORDS)
    return has_seq and has_content and not any(_AGENCY_WORDS.search(label) for label in labels)


class _TaskTable:
    def __init__(self, grid: Grid, reading: PlanReading, where: str, header: _Header,
                 columns: _TaskColumns):
        self.grid, self.reading, self.where = grid, reading, where
        self.header, self.columns = header, columns
        self.outline = _Outline(reading)
        self.header_texts = grid.texts(header.row)
        # A content cell merged over rows is one task whose agencies are spread over them.
        self.task_at: dict[tuple[int, int], TaskRow] = {}

    def read(self) -> None:
        if self.columns.lead_is_responsibility:
            self.reading.warn(
                _("%(where)s: no 牵头单位 column; the agencies under %(label)s are read as leads")
                % {"where": self.where, "label": self.header.labels[self.columns.lead]})
        for row in range(self.header.data_start, self.grid.height):
            self._read_row(row)

    def _read_row(self, row: int) -> None:
        texts = self.grid.texts(row)
        if not any(texts) or texts == self.header_texts:  # blank, or the header repeated
            return
        if merged := _merged_row(self.grid, row):
            self._merged_heading(row, merged)
            return
        self._open_prefix_sections(row)
        if not self._has_agencies(row) and self._content_is_heading(row):
            return
        self._add_task(row)

    def _merged_heading(self, row: int, merged: _MergedRow) -> None:
        if _NOTE.match(merged.text):
            self.reading.warn(_("%(where)s: note skipped: %(text)s") % {
                "where": self.grid.where(self.where, row), "text": merged.text[:40]})
            return
        self.outline.open(merged.col, _heading_or_title(merged.text), merged.text)

    def _open_prefix_sections(self, row: int) -> None:
        """序号 and category cells left of the task: headings, unless plain numbers."""
        grid = self.grid
        for col in self.columns.prefix:
            text = grid.text(row, col)
            if (not text or grid.from_above(row, col) or grid.from_left(row, col)
                    or _BARE_NUMBER.match(text) or self.outline.is_open(col, text)):
                continue
            self.outline.open(col, _heading_or_title(text), text)

    def _has_agencies(self, row: int) -> bool:
        return bool(self._lead_text(row) or self._supporting_text(row))

    def _lead_text(self, row: int) -> str:
        return self._own_agency_text(row, self.columns.lead)

    def _supporting_text(self, row: int) -> str:
        return self._own_agency_text(row, self.columns.supporting)

    def _own_agency_text(self, row: int, col: int | None) -> str:
        """The agencies in this column, unless the cell there reaches over from the left: a
        heading or task cell spanning the agency columns, or one cell over 牵头 and 责任 read
        once, as leads."""
        if col is None or self.grid.from_left(row, col):
            return ""
        return _agency_text(self.grid, row, col)

    def _content_is_heading(self, row: int) -> bool:
        """A row with no agencies whose task cell, or 序号 and task cell, make a heading."""
        col = self.columns.content
        if self.grid.from_left(row, col) or self.grid.from_above(row, col):
            return True  # a cell already read in this row or the one above: nothing new
        text = self.grid.text(row, col)
        heading = _parse_heading(text)
        if heading and _is_title(heading.title):
            self.outline.open(col, heading, text)
            return True
        seq = self.grid.text(row, self.columns.seq) if self.columns.seq is not None else ""
        if (number := _CHINESE_NUMBER.match(seq)) and _is_title(text):
            level, shown = (2, f"({number.group(2)})") if number.group(1) else (1, number.group(2))
            self.outline.open(self.columns.seq, _Heading(shown, _strip_end(text), level), seq)
            return True
        return not text

    def _add_task(self, row: int) -> None:
        grid, col = self.grid, self.columns.content
        text, origin = grid.text(row, col), grid.origin(row, col)
        if grid.from_above(row, col) and origin in self.task_at:
            self._assign(self.task_at[origin], row)
            return
        if not text or grid.from_left(row, col):
            self.reading.warn(_("%(where)s: agencies with no task; skipped")
                              % {"where": self.grid.where(self.where, row)})
            return
        task = TaskRow(content=text, section=self.outline.current,
                       source=self.grid.where(self.where, row))
        self._assign(task, row)
        if self.columns.deadline is not None:
            task.deadline_on, task.deadline_text = parse_deadline(
                grid.text(row, self.columns.deadline))
        self.reading.tasks.append(task)
        self.task_at[origin] = task

    def _assign(self, task: TaskRow, row: int) -> None:
        for name in split_agency_names(self._lead_text(row)):
            _append_new(task.groups if is_collective(name) else task.lead, name)
        for name in split_agency_names(self._supporting_text(row)):
            if is_collective(name):
                _append_new(task.groups, name)
            elif name in task.lead:
                self.reading.warn(
                    _("%(where)s: %(name)s is both 牵头单位 and %(label)s; kept as lead only") % {
                        "where": self.grid.where(self.where, row), "name": name,
                        "label": self.header.labels[self.columns.supporting],
                    })
            else:
                _append_new(task.supporting, name)


def _append_new(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


# ---- indicator tables ------------------------------------------------------------------------

_PERIOD = words.PERIOD_HEADER
_FIVE_YEAR_DIGITS = "一二三四五六七八九"
_BASELINE_WORDS = re.compile(r"基期值?|基准值?|现状值?|基数|现值|[()（）:：\s]")


def indicator_columns(labels: list[str]) -> dict[str, int] | None:
    found = assign_roles(labels, words.INDICATOR_TABLE_ROLES, {})
    _assign_period_columns(labels, found)
    # A 专栏 may have no unit column (the unit is in the name: 城镇调查失业率(%)) and no
    # baseline; it still has a name and a target.
    return found if {"name", "target"} <= found.keys() else None


def _assign_period_columns(labels: list[str], found: dict[str, int]) -> None:
    """2020年 | 2025年, 十三五末 | 十四五末: the later is the target, the earlier the baseline."""
    periods = sorted(
        (year, col) for col, label in enumerate(labels)
        if col not in found.values() and (year := _period_year(label))
    )
    if periods and "target" not in found:
        found["target"] = periods.pop()[1]
    if periods and "baseline" not in found:
        found["baseline"] = periods[0][1]


def _period_year(label: str) -> int | None:
    match = _PERIOD.search(label)
    if not match:
        return None
    if match.group(1):
        return int(match.group(1))
    return 2005 + 5 * (_FIVE_YEAR_DIGITS.index(match.group(2)) + 1)  # 十一五 ends in 2010


def _seq_number(text: str) -> int | None:
    match = re.fullmatch(r"(\d+)\s*[.、．]?", text)
    return int(match.group(1)) if match else None


class _IndicatorTable:
    def __init__(self, grid: Grid, reading: PlanReading, where: str, header: _Header,
                 columns: dict[str, int]):
        self.grid, self.reading, self.where = grid, reading, where
        self.header, self.columns = header, columns
        self.header_texts = grid.texts(header.row)
        self.category = ""
        # The indicator read from the first row of each target cell merged over rows.
        self.target_owner: dict[tuple[int, int], int] = {}
        baseline = columns.get("baseline")
        self.baseline_label = "" if baseline is None else _BASELINE_WORDS.sub(
            "", header.labels[baseline])

    def read(self) -> None:
        for row in range(self.header.data_start, self.grid.height):
            self._read_row(row)

    def _cell(self, row: int, role: str) -> str:
        col = self.columns.get(role)
        return "" if col is None else self.grid.text(row, col)

    def _read_row(self, row: int) -> None:
        texts = self.grid.texts(row)
        if not any(texts) or texts == self.header_texts:
            return
        if merged := _merged_row(self.grid, row):
            self._category_row(row, merged.text)
            return
        name, unit = self._cell(row, "name"), self._cell(row, "unit")
        if not name:
            return
        if "unit" not in self.columns:
            name, unit = name_and_unit(name)
        indicator = IndicatorRow(
            name=name, category=self._category(row), seq=_seq_number(self._cell(row, "seq")),
            unit=unit, baseline=parse_number(self._cell(row, "baseline")),
            baseline_label=self.baseline_label,
            attribute=parse_attribute(self._cell(row, "attribute")),
            lead=split_agency_names(_agency_text(self.grid, row, self.columns.get("lead"))),
            source=self.grid.where(self.where, row),
        )
        self._set_target(indicator, row)
        if not indicator.unit and "%" in indicator.target_text.replace("％", "%"):
            indicator.unit = "%"  # 下降15%, >1%: the unit is in the target
        self.reading.indicators.append(indicator)

    def _category_row(self, row: int, text: str) -> None:
        if _NOTE.match(text):
            self.reading.warn(_("%(where)s: note skipped: %(text)s")
                              % {"where": self.grid.where(self.where, row), "text": text[:40]})
        else:
            self.category = _heading_or_title(text).title

    def _category(self, row: int) -> str:
        """A category cell holds for the rows below it until the next one."""
        if text := self._cell(row, "category"):
            self.category = _heading_or_title(text).title
        return self.category

    def _set_target(self, indicator: IndicatorRow, row: int) -> None:
        col = self.columns["target"]
        origin = self.grid.origin(row, col)
        if self.grid.from_above(row, col) and origin in self.target_owner:
            indicator.target_from = self.target_owner[origin]  # one target for the span
            return
        target = parse_target(self.grid.text(row, col))
        indicator.target, indicator.target_text = target["value"], target["text"]
        stated = target["comparator"]
        indicator.comparator = infer_comparator(stated, indicator.name, indicator.unit)
        indicator.target_kind = target["kind"]
        self.target_owner[origin] = len(self.reading.indicators)


# ---- one table -------------------------------------------------------------------------------

def table_kind(grid: Grid) -> str:
    """'tasks', 'indicators', 'refused' (a task table without agency columns) or '': what
    read_grid would make of the table, without reading it."""
    headers = [_header_at(grid, row) for row in _header_rows(grid)]
    for header in headers:
        if indicator_columns(header.labels):
            return "indicators"
        if _task_columns(grid, header):
            return "tasks"
    return "refused" if any(_lacks_agency_columns(h) for h in headers) else ""


def skipped_warning(grid: Grid, where: str) -> str:
    headers = [_header_at(grid, row) for row in _header_rows(grid)]
    first = headers[0].describe() if headers else ""
    return (_("%(where)s: skipped, not a task table (牵头单位 + 责任单位) nor an indicator "
              "table (指标 + 单位 + 目标值); it begins: %(first)s")
            % {"where": where, "first": first[:60]})


def read_grid(grid: Grid, reading: PlanReading, where: str) -> str:
    """Read one table into reading: 'tasks', 'indicators', or '' when it is neither."""
    headers = [_header_at(grid, row) for row in _header_rows(grid)]
    for header in headers:
        if columns := indicator_columns(header.labels):
            _IndicatorTable(grid, reading, where, header, columns).read()
            return "indicators"
        if task_columns := _task_columns(grid, header):
            _TaskTable(grid, reading, where, header, task_columns).read()
            return "tasks"
    for header in headers:
        if _lacks_agency_columns(header):
            raise PlanImportError(
                _("%(file)s, %(where)s: the header (%(header)s) looks like a task table but "
                  "lacks the agency columns 牵头单位 and 责任单位/配合单位") % {
                    "file": reading.source_name, "where": grid.where(where, header.row),
                    "header": header.describe(),
                })
    reading.warn(skipped_warning(grid, where))
    return ""
