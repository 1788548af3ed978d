"""Tables flattened into text, laid out again as Grids so that grid.py reads them like any table.

Two flattened forms reach duban:
- a web page copied to text, each cell ending in ' |', an empty cell a bare '|', a long cell
  wrapped over lines, rows not marked (the seeds);
- a page rendered one block element a line: one cell per line, blank lines between (gov.cn).
Either way the cells come as a stream. The header's words (vocabulary.py) give the columns; the
rows are found from the cells' kinds — a 序号 counting up, an agency list, a 预期性 closing a
row — and a cell missing from a row is one that spans rows from above.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

from django.utils.translation import gettext as _

from . import vocabulary as words
from .cells import clean, looks_like_agency_list, parse_attribute, parse_deadline, parse_number
from .grid import Grid, GridBuilder, assign_roles, indicator_columns
from .reading import at_line

_MARKER = re.compile(r"^(附件\s*\d*|附表\s*\d*)$")
_TOP_HEADING = re.compile(r"^[(（]([一二三四五六七八九十]+)[)）]\s*(.+)$")
_CHAPTER_HEADING = re.compile(r"^([一二三四五六七八九十]+)[、.．]\s*(.+)$")
_SUB_HEADING = re.compile(r"^(\d+)[.、．](?!\d)\s*(.+)$")
HEADER_SEARCH_CELLS = 40
MAX_CELL_LINE = 60  # a one-cell-per-line table ends at a longer line (a paragraph)


@dataclass
class Cell:
    text: str
    line: int  # 1-based line where the cell starts


@dataclass
class FlatTable:
    first: int  # index of its first line
    last: int  # index of its last line
    grid: Grid


# ---- where the tables are ----------------------------------------------------------------------

def bar_regions(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line indexes of each run of ' |' lines; wrapped cells included."""
    regions, index, count = [], 0, len(lines)
    while index < count:
        if "|" not in lines[index]:
            index += 1
            continue
        start = last = index
        probe = index + 1
        while probe < count:
            line = lines[probe].strip()
            if "|" in line:
                last = probe
            elif line and (_MARKER.match(line) or not _next_line_has_bar(lines, probe)):
                break
            probe += 1
        regions.append((start, last))
        index = last + 1
    return regions


def _next_line_has_bar(lines: list[str], index: int) -> bool:
    for line in lines[index + 1:]:
        if line.strip():
            return "|" in line
    return False


def bar_cells(lines: list[str], start: int, end: int) -> list[Cell]:
    """Cells in order; '' for an empty cell. A cell wrapped over lines is joined."""
    cells, carry, carry_line = [], "", None
    for index in range(start, end + 1):
        parts = lines[index].split("|")
        for position, part in enumerate(parts[:-1]):
            text = (carry + part) if position == 0 else part
            line = carry_line if (position == 0 and carry_line) else index + 1
            cells.append(Cell(clean(text), line))
            carry, carry_line = "", None
        tail = parts[-1].strip()
        if tail:
            carry, carry_line = carry + tail, carry_line or index + 1
    if carry:
        cells.append(Cell(clean(carry), carry_line))
    return cells


def header_word(text: str) -> str | None:
    """The role a header cell names (vocabulary), or None for a data cell."""
    word = re.sub(r"\s+", "", text)
    if not word or len(word) > 12 or re.search(r"[。，,;；]", word):
        return None
    if word in words.CONTENT_HEADER_WORDS:
        return "content"
    roles = (words.TASK_TABLE_ROLES + words.OTHER_TASK_TABLE_ROLES
             + words.INDICATOR_TABLE_ROLES)
    for role, pattern in roles:
        if re.search(pattern, word) and len(word) <= 8:
            return role
    if words.PERIOD_HEADER.search(word) and len(word) <= 8:
        return "period"
    if words.OTHER_HEADER.fullmatch(word):
        return "other"
    return None


def _table_like(roles: list[str]) -> bool:
    found = set(roles)
    indicators = "name" in found and bool({"target", "period"} & found)
    task = "content" in found and bool({"lead", "supporting", "seq", "deadline"} & found)
    return indicators or task


def line_regions(lines: list[str], taken: set[int]) -> list[tuple[int, int]]:
    """Tables rendered one cell per line: a run of header words, one a line, then the cells up
    to the first paragraph, heading or note."""
    regions, index, count = [], 0, len(lines)
    while index < count:
        if index in taken or not header_word(lines[index]):
            index += 1
            continue
        header, probe = [], index
        while probe < count and probe not in taken:
            text = lines[probe].strip()
            if text:
                role = header_word(text)
                if role is None:
                    break
                header.append(role)
            probe += 1
        if len(header) < 3 or not _table_like(header):
            index += 1
            continue
        last = probe - 1
        while probe < count and probe not in taken:
            text = clean(lines[probe])
            if text and _ends_line_table(text):
                break
            if text:
                last = probe
            probe += 1
        regions.append((index, last))
        index = last + 1
    return regions


def _ends_line_table(text: str) -> bool:
    if len(text) > MAX_CELL_LINE or re.match(r"^(注|备注|说明|资料来源)\s*[:：\d]|^专栏", text):
        return True
    return bool(_CHAPTER_HEADING.match(text) and len(text) > 3 and not text[0].isdigit())


def line_cells(lines: list[str], start: int, end: int) -> list[Cell]:
    return [Cell(clean(lines[i]), i + 1) for i in range(start, end + 1) if lines[i].strip()]


# ---- from cells to a grid --------------------------------------------------------------------

def flat_tables(lines: list[str], warn: Callable[[str], None]) -> list[FlatTable]:
    """Every flattened table in the text, as Grids, in order."""
    regions = [(start, end, "bar") for start, end in bar_regions(lines)]
    taken = {i for start, end, _ in regions for i in range(start, end + 1)}
    regions += [(start, end, "line") for start, end in line_regions(lines, taken)]
    tables = []
    for start, end, form in sorted(regions):
        cells = bar_cells(lines, start, end) if form == "bar" else line_cells(lines, start, end)
        grid = stream_grid(cells, warn)
        if grid is not None:
            tables.append(FlatTable(start, end, grid))
    return tables


def stream_grid(cells: list[Cell], warn: Callable[[str], None]) -> Grid | None:
    """Lay the cells out as rows under their header; None when no header is found."""
    found = _header(cells)
    if found is None:
        return None
    header, data = found
    labels = [re.sub(r"\s+", "", cell.text) for cell in header]
    data, period_labels = _period_labels(data, labels)
    if columns := indicator_columns(labels):
        return _indicator_grid(header, period_labels, columns, data)
    roles = assign_roles(labels, words.TASK_TABLE_ROLES, {})
    assign_roles(labels, words.LONE_LEAD_ROLE if "lead" not in roles else (), roles)
    assign_roles(labels, words.OTHER_TASK_TABLE_ROLES, roles)
    content = next((col for col, label in enumerate(labels) if col not in roles.values()
                    and any(word in label for word in words.CONTENT_HEADER_WORDS)), None)
    if content is not None and "lead" in roles:
        roles["content"] = content
        return _task_grid(header, roles, data, warn)
    return _plain_grid(header, data)


def _header(cells: list[Cell]) -> tuple[list[Cell], list[Cell]] | None:
    """The first run of header words among the first cells, and the cells after it."""
    header: list[Cell] = []
    for position, cell in enumerate(cells[:HEADER_SEARCH_CELLS]):
        if not cell.text:
            continue
        role = header_word(cell.text)
        if role and not (_is_period_label(cell.text) and _has_value_columns(header)):
            header.append(cell)
        elif header:
            return (header, cells[position:]) if len(header) >= 2 else None
    return (header, []) if len(header) >= 2 else None


def _is_period_label(text: str) -> bool:
    return bool(words.PERIOD_LABEL.match(re.sub(r"\s+", "", text)))


def _has_value_columns(header: list[Cell]) -> bool:
    return any(header_word(cell.text) in ("baseline", "target") for cell in header)


def _period_labels(data: list[Cell], labels: list[str]) -> tuple[list[Cell], list[str]]:
    """十三五末 | 十四五末 under 基期值 | 规划值: what the baseline and the target mean."""
    found, position = [], 0
    while position < len(data):
        text = data[position].text
        if text and not _is_period_label(text):
            break
        if text:
            found.append(re.sub(r"\s+", "", text))
        position += 1
    return (data[position:] if found else data), found


def _where(cell: Cell) -> str:
    return at_line(cell.line)


# ---- task tables -------------------------------------------------------------------------------

def _task_grid(header: list[Cell], roles: dict[str, int], cells: list[Cell],
               warn: Callable[[str], None]) -> Grid:
    """Each content cell opens a task; the agency cells after it fill 牵头 then 责任; a heading
    cell ((一)…, 1.…) is a row of its own."""
    builder, width = GridBuilder(), len(header)
    for col, cell in enumerate(header):
        builder.place(0, col, cell.text)
    row_lines = [header[0].line]
    task: dict | None = None
    rows: list[dict] = []
    for cell in cells:
        text = cell.text
        if not text:
            if task is not None and not task["filled"]:
                task["blank_after_content"] = True
            continue
        if re.fullmatch(r"\d+", text):
            continue  # a 序号 cell
        if looks_like_agency_list(text):
            if task is None:
                warn(_("%(where)s: agencies without a task: %(text)s")
                             % {"where": _where(cell), "text": text})
                continue
            column = _next_agency_column(task["filled"], task["blank_after_content"])
            if column is None or column not in roles:
                if not parse_deadline(text)[0]:
                    warn(_("%(where)s: extra agency cell ignored: %(text)s")
                                 % {"where": _where(cell), "text": text})
                continue
            task[column] = text
            task["filled"].append(column)
            continue
        if _is_heading_cell(text):
            rows.append({"heading": text, "line": cell.line})
            task = None
            continue
        if task is not None and task["filled"] and _is_deadline(text):
            task["deadline"] = text
            continue
        task = {"content": text, "line": cell.line, "filled": [], "blank_after_content": False}
        rows.append(task)
    for number, row in enumerate(rows, start=1):
        row_lines.append(row["line"])
        if "heading" in row:
            builder.place(number, 0, row["heading"], 1, width)
            continue
        for role in ("content", "lead", "supporting", "deadline"):
            if role in roles and row.get(role):
                builder.place(number, roles[role], row[role])
    return builder.build(row_lines)


def _is_heading_cell(text: str) -> bool:
    for pattern in (_TOP_HEADING, _CHAPTER_HEADING, _SUB_HEADING):
        if (match := pattern.match(text)) and _short(match.group(2)):
            return True
    return False


def _short(title: str) -> bool:
    return len(title) <= 40 and "。" not in title.rstrip("。")


def _is_deadline(text: str) -> bool:
    return len(text) <= 20 and bool(
        parse_deadline(text)[0] is not None or re.search(r"持续|长期|每年|每季度|期间", text)
    )


def _next_agency_column(filled: list[str], blank_after_content: bool) -> str | None:
    if not filled:
        # An empty cell straight after the content is an empty lead column.
        return "supporting" if blank_after_content else "lead"
    if filled == ["lead"]:
        return "supporting"
    return None


# ---- indicator tables --------------------------------------------------------------------------

# When a row has fewer cells than columns, these may be the missing ones (a cell spanning rows),
# most likely first.
SPANNING = ("category", "target", "lead", "attribute", "unit", "baseline")
HEADING = "heading"  # a row that is one cell across the table: a category


def _indicator_grid(header: list[Cell], period_labels: list[str], columns: dict[str, int],
                    cells: list[Cell]) -> Grid:
    role_of = {col: role for role, col in columns.items()}
    roles = [role_of.get(col, f"other{col}") for col in range(len(header))]
    builder = GridBuilder()
    labelled = [col for col in (columns.get("baseline"), columns.get("target")) if col is not None]
    for col, cell in enumerate(header):
        text = cell.text
        if col in labelled and len(period_labels) == len(labelled):
            text = f"{text}\n{period_labels[labelled.index(col)]}"
        builder.place(0, col, text)
    data = [c for c in cells if c.text]
    rows = (_rows_by_seq(roles, data) if "seq" in roles else _rows_by_anchor(roles, data))
    row_lines = [header[0].line]
    for number, (values, line) in enumerate(rows, start=1):
        row_lines.append(line)
        if HEADING in values:
            builder.place(number, 0, values[HEADING], 1, len(roles))
            continue
        for col, role in enumerate(roles):
            if role in values:
                builder.place(number, col, values[role])
            elif role in SPANNING and number > 1:
                builder.continue_down(number, col, 1)
    return builder.build(row_lines)


def _rows_by_seq(roles: list[str], data: list[Cell]) -> list[tuple[dict[str, str], int]]:
    """Rows that start at the 序号 cells 1, 2, 3…; a category column before 序号 puts each
    category cell just before its group's first row."""
    seq_at = roles.index("seq")
    before, after = roles[:seq_at], roles[seq_at + 1:]
    starts = _row_starts(data, len(after))
    category = data[starts[0] - 1].text if before and starts and starts[0] > 0 else ""
    rows = []
    for number, position in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(data)
        chunk = data[position + 1:end]
        next_category = None
        if before and number + 1 < len(starts) and len(chunk) > len(after):
            next_category, chunk = chunk[-1].text, chunk[:-1]
        values = _fit(after, chunk)
        values["seq"] = data[position].text
        if before and "category" in before and category:
            values["category"] = category
            category = ""
        rows.append((values, data[position].line))
        if next_category:
            category = next_category
    return rows


def _row_starts(data: list[Cell], row_width: int) -> list[int]:
    """Positions of the 序号 cells 1, 2, 3…; a target equal to the next number is skipped."""
    starts, expected, position = [], 1, 0
    shortest = max(1, row_width - 2)
    while position < len(data):
        if data[position].text.rstrip(".") == str(expected) and (
            not starts or position - starts[-1] - 1 >= shortest
        ):
            while (position + 1 < len(data)
                   and data[position + 1].text.rstrip(".") == str(expected)):
                position += 1
            starts.append(position)
            expected += 1
        position += 1
    return starts


def _rows_by_anchor(roles: list[str], data: list[Cell]) -> list[tuple[dict[str, str], int]]:
    """Without 序号: a row ends at its 预期性/约束性 cell when the attribute column is last,
    else every len(columns) cells."""
    chunks: list[list[Cell]] = []
    if roles and roles[-1] == "attribute":
        current: list[Cell] = []
        for cell in data:
            current.append(cell)
            if parse_attribute(cell.text) and len(cell.text) <= 6:
                chunks.append(current)
                current = []
        if current:
            chunks.append(current)
    else:
        width = len(roles)
        chunks = [data[i:i + width] for i in range(0, len(data), width)]
    rows = []
    for chunk in chunks:
        if len(chunk) < 2:
            continue  # a lone cell at the end: a note
        extra = len(chunk) - len(roles)
        if extra > 0:  # a category written on a row of its own before the row
            rows.append(({HEADING: chunk[extra - 1].text}, chunk[extra - 1].line))
            chunk = chunk[extra:]
        rows.append((_fit(roles, chunk), chunk[0].line))
    return rows


def _fit(columns: list[str], chunk: list[Cell]) -> dict[str, str]:
    """Give each cell its column; with too few cells, leave out the spanning columns."""
    missing = len(columns) - len(chunk)
    if missing <= 0:
        return {column: cell.text for column, cell in zip(columns, chunk, strict=False)}
    droppable = [c for c in SPANNING if c in columns]
    for dropped in combinations(droppable, min(missing, len(droppable))):
        kept = [c for c in columns if c not in dropped]
        values = {column: cell.text for column, cell in zip(kept, chunk, strict=False)}
        if _consistent(values):
            return values
    kept = columns[:len(chunk)]
    return {column: cell.text for column, cell in zip(kept, chunk, strict=False)}


def _consistent(values: dict[str, str]) -> bool:
    checks = {
        "unit": lambda t: len(t) <= 8 and not re.search(r"\d", t),
        "target": lambda t: parse_number(t) is not None,
        "baseline": lambda t: parse_number(t) is not None,
        "attribute": lambda t: bool(parse_attribute(t)),
        "lead": looks_like_agency_list,
        "name": lambda t: parse_number(t) is None or len(t) > 6,
        "category": lambda t: parse_number(t) is None and not parse_attribute(t),
    }
    return all(checks[c](t) for c, t in values.items() if c in checks)


# ---- anything else -----------------------------------------------------------------------------

def _plain_grid(header: list[Cell], cells: list[Cell]) -> Grid:
    """Rows of the header's width: read_grid says what it makes of such a table."""
    builder, width = GridBuilder(), len(header)
    for col, cell in enumerate(header):
        builder.place(0, col, cell.text)
    data = [c for c in cells if c.text]
    row_lines = [header[0].line]
    for number, start in enumerate(range(0, len(data), width), start=1):
        row = data[start:start + width]
        row_lines.append(row[0].line)
        for col, cell in enumerate(row):
            builder.place(number, col, cell.text)
    return builder.build(row_lines)
