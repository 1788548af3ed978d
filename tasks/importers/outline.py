"""The plan's own text: chapters 一、, sections (一), items 1、 and the paragraphs under them.

Task paragraphs may end with an inline note naming agencies — (责任单位:…), (牵头单位:…;
配合单位:…), (牵头单位:…,责任单位:…) — written in many ways; the note is read wherever a
role word and a colon open the last bracket of the paragraph.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .cells import CLOSE, OPEN, clean, is_collective, split_agency_names
from .reading import PlanReading, TaskRow, at_line

CHAPTER = re.compile(r"^([一二三四五六七八九十]+)\s*[、.．]\s*(\S.*)$")
SECTION = re.compile(r"^[(（]\s*([一二三四五六七八九十]+)\s*[)）]\s*(\S.*)$")
ITEM = re.compile(r"^(\d{1,2})\s*[、.．](?!\d)\s*(\S.*)$")
BULLET = re.compile(r"^[-•·●▪]\s*(\S.*)$")
TOC_LINE = re.compile(r"(?:\.{4,}|…{2,}|\s\.)\s*\.?\s*\d+\s*$")
BOILERPLATE = re.compile(
    r"扫一扫|扫码|在手机|您访问的链接|是否继续|打印本页|关闭窗口|^字号[:：]?$|^大\s*中\s*小$|"
    r"^\(此件公开发布\)$|^资料来源"
)
DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
TERMINAL = "。!?;！？；"

# What a heading's words say its content is.
SKIP_WORDS = re.compile(
    r"^(?:规划背景|发展背景|发展基础|工作基础|发展环境|发展现状|现状|面临形势|发展成就|指导思想|"
    r"总体要求|总体思路|基本原则|目\s*录|重要意义|编制依据)"
)
TARGET_WORDS = re.compile(r"目标|指标")


@dataclass
class Paragraph:
    text: str
    line: int


def paragraphs(lines: list[str]) -> list[Paragraph]:
    """Join wrapped lines into paragraphs; a blank line or a heading starts a new one."""
    result: list[Paragraph] = []
    open_paragraph = False
    for index, raw in enumerate(lines):
        line = clean(raw).strip("_")
        if not line or TOC_LINE.search(line) or BOILERPLATE.search(line) or DATE_LINE.match(line):
            open_paragraph = False
            continue
        starts_new = any(p.match(line) for p in (CHAPTER, SECTION, ITEM, BULLET))
        if open_paragraph and not starts_new and result and not _is_heading_line(result[-1].text):
            result[-1].text = _join(result[-1].text, line)
        else:
            result.append(Paragraph(line, index + 1))
        open_paragraph = line[-1] not in TERMINAL
    return result


def _join(left: str, right: str) -> str:
    return clean(left + right)


def _is_heading_line(text: str) -> bool:
    match = CHAPTER.match(text) or SECTION.match(text) or ITEM.match(text)
    return bool(match) and _title_only(match.group(2))


def _title_only(rest: str) -> bool:
    """A heading with no body: one short phrase, maybe ending in 。"""
    body = rest.rstrip("。.")
    return len(body) <= 40 and not any(ch in body for ch in "。;；")


def read_outline(paras: list[Paragraph], reading: PlanReading) -> None:
    """Sections and tasks from the chapters that hold work (not background, not targets)."""
    chapter_kind = "skip"
    chapter = section = item = None
    for index, para in enumerate(paras):
        text = para.text
        if (match := CHAPTER.match(text)) and _title_only(match.group(2)):
            title = _strip_end(match.group(2))
            chapter_kind = _kind(title)
            section = item = None
            chapter = (reading.add_section(match.group(1), title, None)
                       if chapter_kind == "tasks" else None)
            continue
        if chapter_kind != "tasks":
            continue
        heading = _heading(paras, index)
        if heading == 1:
            title = _strip_end(SECTION.match(text).group(2))
            item = None
            section = (reading.add_section(f"({SECTION.match(text).group(1)})", title, chapter)
                       if _kind(title) == "tasks" else None)
            continue
        if heading == 2:
            match = ITEM.match(text)
            item = reading.add_section(
                f"{match.group(1)}.", _strip_end(match.group(2)), _parent(section, chapter)
            )
            continue
        parent = item if item is not None else _parent(section, chapter)
        task = task_from_paragraph(para, parent)
        if task:
            reading.tasks.append(task)


def _level(text: str) -> int:
    """0 chapter 一、, 1 section (一), 2 item 1., 3 a plain paragraph."""
    for level, pattern in enumerate((CHAPTER, SECTION, ITEM)):
        if pattern.match(text):
            return level
    return 3


def _heading(paras: list[Paragraph], index: int) -> int | None:
    """The level of a title-only (一)/1. line that has something under it; None for a task.

    '1、开展宣传。' followed by '2、…' is a short task, not a heading: a heading has children.
    """
    text = paras[index].text
    level = _level(text)
    if level not in (1, 2):
        return None
    match = (SECTION if level == 1 else ITEM).match(text)
    if not _title_only(match.group(2)):
        return None
    following = _level(paras[index + 1].text) if index + 1 < len(paras) else 0
    return level if following > level else None


def _parent(section, chapter):
    return section if section is not None else chapter


def _strip_end(title: str) -> str:
    return title.rstrip("。.:： ")


def _kind(title: str) -> str:
    if TARGET_WORDS.search(title):
        return "targets"
    if SKIP_WORDS.search(title):
        return "skip"
    return "tasks"


def task_from_paragraph(para: Paragraph, section: int | None) -> TaskRow | None:
    text = para.text
    for pattern in (SECTION, ITEM, BULLET):
        if match := pattern.match(text):
            text = match.group(match.lastindex)
            break
    content, note = split_note(text)
    # A task says something: a sentence, or a note naming agencies. Signatures and dates don't.
    if len(content) < 4 or (note is None and not any(ch in content for ch in TERMINAL)):
        return None
    task = TaskRow(content=content, section=section, source=at_line(para.line))
    if note:
        apply_note(task, note)
    return task


NOTE_ROLE = re.compile(
    r"(牵头单位|牵头部门|主办单位|责任单位|责任部门|配合单位|配合部门|参与单位|协办单位|"
    r"协同单位)\s*[:：]"
)


def split_note(text: str) -> tuple[str, str | None]:
    """'…工作。(责任单位:区市场监管局、区财政局)' → ('…工作。', '责任单位:区市场监管局、…')."""
    stripped = text.rstrip("。. ")
    if not stripped or stripped[-1] not in CLOSE:
        return text, None
    depth = 0
    for position in range(len(stripped) - 1, -1, -1):
        ch = stripped[position]
        if ch in CLOSE:
            depth += 1
        elif ch in OPEN:
            depth -= 1
            if depth == 0:
                inner = stripped[position + 1:-1].strip()
                if NOTE_ROLE.match(inner):
                    return stripped[:position].rstrip(), inner
                return text, None
    return text, None


def apply_note(task: TaskRow, note: str) -> None:
    """Lead: the 牵头 list, or the first unit of a 责任单位 list that has no 牵头."""
    lists: dict[str, list[str]] = {}
    matches = list(NOTE_ROLE.finditer(note))
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(note)
        names = split_agency_names(note[match.end():end].strip(" ,，;；。"))
        role = "lead" if match.group(1) in ("牵头单位", "牵头部门", "主办单位") else "other"
        lists.setdefault(role, []).extend(names)
    leads = lists.get("lead", [])
    others = lists.get("other", [])
    if not leads and others:
        first = next((n for n in others if not is_collective(n)), None)
        if first:
            leads, others = [first], [n for n in others if n is not first]
    for name in leads:
        (task.groups if is_collective(name) else task.lead).append(name)
    for name in others:
        (task.groups if is_collective(name) else task.supporting).append(name)


# ---- lists without chapters: 五大重点任务 with bullets, 十大专项工程 with their items ---------

LIST_HEADING = re.compile(r"任务|工程|行动|举措|项目")
PUNCTUATION = re.compile(r"[,，。;；:：!?！？、]")


def read_lists(paras: list[Paragraph], reading: PlanReading) -> None:
    index = 0
    while index < len(paras):
        text = paras[index].text
        if len(text) <= 20 and LIST_HEADING.search(text) and not PUNCTUATION.search(text):
            consumed = _read_list_block(paras, index, reading)
            index += max(consumed, 1)
        else:
            index += 1


def _read_list_block(paras: list[Paragraph], start: int, reading: PlanReading) -> int:
    """Read the bullets or title/items pairs after a heading; return paragraphs consumed."""
    heading = paras[start].text
    position = start + 1
    bullets = []
    while position < len(paras) and (match := BULLET.match(paras[position].text)):
        bullets.append((match.group(1), paras[position].line))
        position += 1
    if bullets:
        section = reading.add_section("", heading, None)
        for text, line in bullets:
            reading.tasks.append(TaskRow(content=text, section=section, source=at_line(line)))
        return position - start
    pairs = []
    while position + 1 < len(paras) and _is_project(paras[position].text, paras[position + 1].text):
        pairs.append((paras[position], paras[position + 1]))
        position += 2
    if not pairs:
        return 1
    section = reading.add_section("", heading, None)
    for title, items in pairs:
        sub = reading.add_section("", title.text, section)
        for name in _items(items.text):
            reading.tasks.append(TaskRow(content=name, section=sub, source=at_line(items.line)))
    return position - start


def _is_project(title: str, items: str) -> bool:
    if len(title) > 30 or PUNCTUATION.search(title) or not LIST_HEADING.search(title):
        return False
    parts = _items(items)
    return bool(parts) and "。" not in items.rstrip("。") and all(len(p) <= 40 for p in parts)


def _items(text: str) -> list[str]:
    return [p.strip() for p in text.rstrip("。.").split("、") if p.strip()]
