"""The document model every reader produces: blocks of text with their numbering, and tables.

A .txt, .html, .docx, .xlsx or PDF plan becomes a Document — paragraphs and headings in order,
each knowing its numbering level (一、 （一） 1. （1） ①) or its markdown mark (# …, **…**), and
tables as Grids — so that one set of grammars (plan.py) reads every format the same way.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import vocabulary as words
from .cells import CLOSE, OPEN, clean
from .grid import Grid
from .notes import ends_with_note
from .reading import at_line

# Numbering levels, outermost first. A plan may skip levels (一、 then 1、), never reorder them.
CN_NUMBER = "一二三四五六七八九十百零〇"
NUMBERING = (
    (re.compile(rf"^第([{CN_NUMBER}]+)章\s*(.*)$", re.S), 0, "第{}章"),
    (re.compile(rf"^([{CN_NUMBER}]+)\s*[、.．]\s*(.*)$", re.S), 1, "{}"),
    (re.compile(rf"^[(（]\s*([{CN_NUMBER}]+)\s*[)）]\s*[、.．]?\s*(.*)$", re.S), 2, "({})"),
    (re.compile(r"^(\d{1,2})\s*[、.．](?![\d%％])\s*(.*)$", re.S), 3, "{}."),
    (re.compile(r"^[(（]\s*(\d{1,2})\s*[)）]\s*(.*)$", re.S), 4, "({})"),
    (re.compile(r"^(\d{1,2})\s*[)）](?![\d%％])\s*(.*)$", re.S), 4, "{})"),
    (re.compile(r"^([①-⑳])\s*(.*)$", re.S), 5, "{}"),
)
BULLET = re.compile(r"^[-•·●▪◆■]\s*(\S.*)$")
MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
BOLD_LINE = re.compile(r"^\*\*(.+?)\*\*$")
TOC_LINE = re.compile(r"(?:\.{4,}|…{2,}|\s\.)\s*\.?\s*\d+\s*$")
DATE_LINE = re.compile(r"^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$")
MARKDOWN_LINK = re.compile(r"^[-*]?\s*\[[^\]]*\]\([^)]*\)\s*$")
RULE_LINE = re.compile(r"^(?:-{3,}|\*{3,}|_{3,}|={3,})$")
TERMINAL = "。!?;！？；:："
# A line ending so is cut in the middle of a sentence, even when a blank line follows.
OPEN_ENDING = "，,、（(《“‘—-"
TITLE_MAX = 40


def numbering(text: str) -> tuple[int, str, str]:
    """(level, number as shown, the rest): (2, '(一)', '统筹两个市场…'); (-1, '', text)."""
    for pattern, level, shown in NUMBERING:
        if match := pattern.match(text):
            return level, shown.format(match.group(1)), match.group(2).strip()
    return -1, "", text


def title_only(text: str) -> bool:
    """A heading's words, not a work item: one short phrase, maybe ending in 。"""
    body = text.rstrip("。.:： ")
    return 0 < len(body) <= TITLE_MAX and not any(ch in body for ch in "。;；!?！？")


@dataclass
class Block:
    """A paragraph or a heading, in the order of the document."""

    text: str  # without its number or markdown marks
    line: int  # where it starts: a line of the text, or the line counted over a PDF's pages
    level: int = -1  # a NUMBERING level, -1 when unnumbered
    number: str = ""  # as the plan writes it: "三", "(一)", "1."
    markup: int = 0  # markdown heading level 1–6; 7 for a line in **bold**; 0 none
    bullet: bool = False

    @property
    def numbered(self) -> bool:
        return self.level >= 0

    @property
    def full_text(self) -> str:
        return f"{self.number}{self.text}" if self.number else self.text


@dataclass
class TableBlock:
    grid: Grid
    where: str  # "table 2", "sheet 任务", or "line 88" for a table flattened in text
    line: int = 0


@dataclass
class Document:
    source_name: str
    blocks: list[Block | TableBlock] = field(default_factory=list)
    # The text outside the tables, line by line, as the source laid it out: the signature
    # above a date and the leading group's lists are read from lines, not paragraphs.
    lines: list[str] = field(default_factory=list)
    locate: Callable[[int], str] = at_line  # a line number as the user finds it in the source
    warnings: list[str] = field(default_factory=list)  # what laying the file out noticed

    def paragraphs(self) -> list[Block]:
        return [b for b in self.blocks if isinstance(b, Block)]

    def tables(self) -> list[TableBlock]:
        return [b for b in self.blocks if isinstance(b, TableBlock)]


def make_block(text: str, line: int) -> Block:
    """A block from one paragraph's text: its markdown marks and numbering read."""
    text = clean(text)
    markup = 0
    if match := MARKDOWN_HEADING.match(text):
        markup, text = len(match.group(1)), match.group(2).strip()
    elif match := BOLD_LINE.match(text):
        markup, text = 7, match.group(1).strip()
    text = clean(text.replace("**", "")) if markup else text
    if match := BULLET.match(text):
        return Block(match.group(1), line, bullet=True, markup=markup)
    level, number, rest = numbering(text)
    if level < 0:
        return Block(text, line, markup=markup)
    return Block(rest, line, level, number, markup)


def is_furniture(line: str) -> bool:
    """Lines of the web page, the crawler or the layout: never part of a paragraph."""
    return bool(
        not line or TOC_LINE.search(line) or words.BOILERPLATE.search(line)
        or words.CRAWLER_FIELD.match(line) or MARKDOWN_LINK.match(line) or RULE_LINE.match(line)
    )


def _starts_block(line: str) -> bool:
    """A line that opens a block of its own, whatever ended the line before it."""
    if MARKDOWN_HEADING.match(line) or BOLD_LINE.match(line) or BULLET.match(line):
        return True
    if numbering(line)[0] >= 0 or DATE_LINE.match(line):
        return True
    return bool(words.DOC_NUMBER.fullmatch(line))


def _opens_note(line: str) -> bool:
    """A line that is, or begins, a responsibility note: it belongs to the paragraph above."""
    if words.NOTE_LABEL.match(line) and len(line) <= 200 and "。" not in line.rstrip("。"):
        return True  # 责任单位：A、B on a line of its own
    if line[:1] not in "(（【":
        return False
    inner = line[1:].lstrip()
    if words.NOTE_LABEL.match(inner):
        return True
    closed = re.match(r"^[(（【]([^()（）【】]{2,200})[)）】][。.]?$", line)
    return bool(closed and words.CLAUSE_ROLE.search(closed.group(1).rstrip("。 ")))


def _unbalanced(text: str) -> bool:
    return sum(text.count(ch) for ch in OPEN[:2]) > sum(text.count(ch) for ch in CLOSE[:2])


def _heading_text(text: str) -> bool:
    """A numbered or marked title: nothing is joined onto it."""
    if MARKDOWN_HEADING.match(text) or BOLD_LINE.match(text):
        return True
    level, _, rest = numbering(text)
    return level >= 0 and title_only(rest)


def blocks_from_lines(lines: list[str], first_line: int = 1, *,
                      wrapped: bool = True) -> list[Block]:
    """Join wrapped lines into paragraphs and read each one's numbering.

    A line continues the paragraph above when that one stops mid-sentence; across a blank line
    only when it stopped on a comma, a 、 or an open bracket (a page or column break), or when
    the line is a responsibility note cut off from its item. wrapped=False: each line is a
    paragraph already (a .docx paragraph, an HTML block) and only a cut-off note or an open
    bracket joins it to the one above.
    """
    blocks: list[tuple[str, int]] = []
    gap = False  # a blank line since the last text
    for index, raw in enumerate(lines):
        line = clean(raw).strip("_")
        if is_furniture(line):
            gap = gap or not line or RULE_LINE.match(line) is not None
            continue
        if blocks and _continues(blocks[-1][0], line, gap, wrapped):
            blocks[-1] = (blocks[-1][0] + line, blocks[-1][1])
        else:
            blocks.append((line, index + first_line))
        gap = False
    return [make_block(text, line) for text, line in blocks]


def _continues(previous: str, line: str, gap: bool, wrapped: bool) -> bool:
    if _opens_note(line) and not _heading_text(previous):
        return True
    if _starts_block(line) or _heading_text(previous) or DATE_LINE.match(previous):
        return False
    if not wrapped:
        return _unbalanced(previous)
    if words.DOC_NUMBER.fullmatch(previous) or BULLET.match(previous):
        return False
    if _unbalanced(previous):
        return True
    if gap:
        return previous[-1] in OPEN_ENDING or previous[-1].isdigit()
    if _title_like(previous) and not _title_like(line):
        return False  # a title, then the first line of the text under it
    return previous[-1] not in TERMINAL and not ends_with_note(previous)


def _title_like(text: str) -> bool:
    return len(text) <= TITLE_MAX and not re.search(r"[，,。;；:：!?！？]", text)
