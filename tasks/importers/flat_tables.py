"""Tables as published on web pages and copied to text: each cell ends with ' |'.

Rows are not marked and a long cell may wrap over lines, so a table is read as a stream of
cells and its rows are found from the header's column order and the cells' kinds.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

from django.utils.translation import gettext as _

from .cells import (
    clean,
    infer_comparator,
    is_collective,
    looks_like_agency_list,
    parse_attribute,
    parse_deadline,
    parse_number,
    parse_target,
    split_agency_names,
)
from .reading import IndicatorRow, PlanImportError, PlanReading, TaskRow, at_line

_MARKER = re.compile(r"^(附件\s*\d*|附表\s*\d*)$")
_TOP_HEADING = re.compile(r"^[(（]([一二三四五六七八九十]+)[)）]\s*(.+)$")
_CHAPTER_HEADING = re.compile(r"^([一二三四五六七八九十]+)[、.．]\s*(.+)$")
_SUB_HEADING = re.compile(r"^(\d+)[.、．](?!\d)\s*(.+)$")


@dataclass
class Cell:
    text: str
    line: int  # 1-based line where the cell starts


def table_regions(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line indexes of each run of table lines; wrapped cells included."""
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


def region_cells(lines: list[str], start: int, end: int) -> list[Cell]:
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


# Header words, normalized (no spaces), to column names.
TASK_HEADER = {
    "序号": "seq", "主要工作内容": "content", "工作内容": "content", "工作任务": "content",
    "重点任务": "content", "任务内容": "content", "具体任务": "content", "工作措施": "content",
    "主要任务": "content", "任务": "content", "牵头单位": "lead", "牵头部门": "lead",
    "责任单位": "supporting", "配合单位": "supporting", "参与单位": "supporting",
    "协同单位": "supporting", "责任部门": "supporting", "配合部门": "supporting",
    "完成时限": "deadline", "时间节点": "deadline", "完成时间": "deadline", "时限": "deadline",
}
INDICATOR_HEADER = {
    "序号": "seq", "类别": "category", "分类": "category", "领域": "category",
    "指标名称": "name", "主要指标": "name", "指标": "name", "指标内容": "name",
    "牵头单位": "lead", "责任单位": "lead", "牵头部门": "lead", "单位": "unit",
    "计量单位": "unit", "基期值": "baseline", "基准值": "baseline", "现状值": "baseline",
    "目标数": "target", "目标值": "target", "规划值": "target", "预期目标": "target",
    "目标": "target", "属性": "attribute", "指标属性": "attribute",
}


def _header(cells: list[Cell], vocabulary: dict) -> tuple[list[str], int] | None:
    """Columns of the first run of header words among the first cells, and where data starts."""
    columns, first = [], None
    for position, cell in enumerate(cells[:40]):
        word = re.sub(r"\s+", "", cell.text)
        if not word:
            continue
        if word in vocabulary and vocabulary[word] not in columns:
            columns.append(vocabulary[word])
            first = position if first is None else first
        elif first is not None:
            return columns, position
    return (columns, len(cells)) if columns else None


def read_region(lines, start, end, reading: PlanReading, source_name: str) -> str | None:
    """Read one flattened table; return 'tasks', 'indicators' or None when not recognised."""
    cells = region_cells(lines, start, end)
    task_header = _header(cells, TASK_HEADER)
    if task_header and {"content", "lead", "supporting"} <= set(task_header[0]):
        _read_task_cells(cells[task_header[1]:], reading)
        return "tasks"
    indicator_header = _header(cells, INDICATOR_HEADER)
    if indicator_header and {"name", "unit", "target"} <= set(indicator_header[0]):
        _read_indicator_cells(indicator_header[0], cells[indicator_header[1]:], reading)
        return "indicators"
    if task_header and "content" in task_header[0] and "seq" in task_header[0]:
        raise PlanImportError(
            _("%(file)s, %(where)s: the task table's header lacks the agency columns 牵头单位 "
              "and 责任单位/配合单位") % {"file": source_name, "where": at_line(cells[0].line)}
        )
    return None


# ---- task decomposition tables -------------------------------------------------------------

def _read_task_cells(cells: list[Cell], reading: PlanReading) -> None:
    top = sub = None
    task: TaskRow | None = None
    filled = []  # which agency columns the current task has, in order
    blank_after_content = False
    for cell in cells:
        text = cell.text
        if not text:
            if task is not None and not filled:
                blank_after_content = True
            continue
        if re.fullmatch(r"\d+", text):
            continue  # a 序号 cell
        if looks_like_agency_list(text):
            if task is None:
                reading.warn(_("%(where)s: agencies without a task: %(text)s")
                             % {"where": at_line(cell.line), "text": text})
                continue
            column = _next_agency_column(filled, blank_after_content)
            if column is None:
                if not parse_deadline(text)[0]:
                    reading.warn(_("%(where)s: extra agency cell ignored: %(text)s")
                                 % {"where": at_line(cell.line), "text": text})
                continue
            _assign(task, column, text)
            filled.append(column)
            continue
        if heading := _TOP_HEADING.match(text) or _CHAPTER_HEADING.match(text):
            if _is_heading(heading.group(2)):
                top = reading.add_section(_number(text, heading), heading.group(2), None)
                sub, task, filled = None, None, []
                continue
        if (heading := _SUB_HEADING.match(text)) and _is_heading(heading.group(2)):
            sub = reading.add_section(f"{heading.group(1)}.", heading.group(2), top)
            task, filled = None, []
            continue
        if task is not None and filled and _is_deadline(text):
            task.deadline_on, task.deadline_text = parse_deadline(text)
            continue
        task = TaskRow(content=text, section=sub if sub is not None else top,
                       source=at_line(cell.line))
        reading.tasks.append(task)
        filled, blank_after_content = [], False


def _number(text: str, heading) -> str:
    return f"({heading.group(1)})" if text[0] in "(（" else heading.group(1)


def _is_heading(title: str) -> bool:
    return len(title) <= 40 and "。" not in title.rstrip("。")


def _is_deadline(text: str) -> bool:
    return len(text) <= 20 and (
        parse_deadline(text)[0] is not None or re.search(r"持续|长期|每年|每季度|期间", text)
    )


def _next_agency_column(filled: list[str], blank_after_content: bool) -> str | None:
    if not filled:
        # An empty cell straight after the content is an empty lead column.
        return "supporting" if blank_after_content else "lead"
    if filled == ["lead"]:
        return "supporting"
    return None


def _assign(task: TaskRow, column: str, text: str) -> None:
    for name in split_agency_names(text):
        if is_collective(name):
            task.groups.append(name)
        elif column == "lead":
            task.lead.append(name)
        else:
            task.supporting.append(name)


# ---- indicator tables ----------------------------------------------------------------------

# When a row has fewer cells than columns, these columns may be the missing ones (a cell
# spanning rows), most likely first.
SPANNING = ("category", "target", "lead", "attribute", "unit", "baseline")
_LABEL = re.compile(r"^(十[一二三四五六七八九]五末|\d{4}\s*年(末|底)?|基期|现状|规划期末)$")


def _read_indicator_cells(columns: list[str], cells: list[Cell], reading: PlanReading) -> None:
    data = [c for c in cells if c.text]
    labels = []
    while data and _LABEL.match(data[0].text):
        labels.append(data.pop(0).text)  # 十三五末 | 十四五末: what baseline and target mean
    baseline_label = labels[0] if labels else ""
    seq_at = columns.index("seq") if "seq" in columns else 0
    before, after = columns[:seq_at], columns[seq_at + 1:]
    starts = _row_starts(data, len(after))
    # A category column before 序号 puts each category cell just before its first row.
    category = data[starts[0] - 1].text if before and starts and starts[0] > 0 else ""
    first_row = len(reading.indicators)
    for number, position in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(data)
        chunk = data[position + 1:end]
        next_category = None
        if before and number + 1 < len(starts) and len(chunk) > len(after):
            next_category, chunk = chunk[-1].text, chunk[:-1]
        values = _fit(after, chunk)
        category = values.get("category", category)
        row = _indicator(values, category, baseline_label, data[position])
        if "target" not in values and len(reading.indicators) > first_row:
            previous = len(reading.indicators) - 1
            spanning = reading.indicators[previous].target_from
            row.target_from = previous if spanning is None else spanning
        reading.indicators.append(row)
        if next_category:
            category = next_category


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
    }
    return all(checks[c](t) for c, t in values.items() if c in checks)


def _indicator(values: dict, category: str, baseline_label: str, seq_cell: Cell) -> IndicatorRow:
    target = parse_target(values.get("target", ""))
    name = values.get("name", "")
    unit = values.get("unit", "")
    comparator = infer_comparator(target["comparator"], name, unit)
    return IndicatorRow(
        name=name,
        category=category,
        seq=int(seq_cell.text.rstrip(".")),
        unit=unit,
        baseline=parse_number(values.get("baseline", "")),
        baseline_label=baseline_label if "baseline" in values else "",
        target=target["value"],
        target_text=target["text"],
        comparator=comparator,
        target_kind=target["kind"],
        attribute=parse_attribute(values.get("attribute", "")),
        lead=split_agency_names(values.get("lead", "")),
        source=at_line(seq_cell.line),
    )
