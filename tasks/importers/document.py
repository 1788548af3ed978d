"""The document model every reader produces: blocks of text with their numbering, and tables.

A .txt, .html, .docx, .xlsx or PDF plan becomes a Document — paragraphs and headings in order,
each knowing its numbering level (一、 （一） 1. （1） ①) or its markdown mark (# …, **…**), and
tables as Grids — so that one set of grammars (plan.py) reads every format the same way.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field

from . import vocabulary as words
from .cells import CLOSE, OPEN, clean
from .grid import Grid
from .notes import BracketScan, ends_with_note, parse_note
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
    bracket joins it to the one above. Linear in the text: see _Paragraph.
    """
    paragraphs: list[_Paragraph] = []
    gap = False  # a blank line since the last text
    for index, raw in enumerate(lines):
        line = clean(raw).strip("_")
        if is_furniture(line):
            gap = gap or not line or RULE_LINE.match(line) is not None
            continue
        if paragraphs and _continues(paragraphs[-1], line, gap, wrapped):
            paragraphs[-1].add(line)
        else:
            paragraphs.append(_Paragraph(line, index + first_line))
        gap = False
    return [make_block(paragraph.text(), paragraph.line) for paragraph in paragraphs]


class _Paragraph:
    """A paragraph being joined from lines, and what _continues asks of it.

    Asking those questions of the whole text at every line made joining quadratic (a 1 MB
    paragraph took 88 s): a short paragraph is still asked them whole, a long one is answered
    from what is kept as lines are added — bracket counts, the last top-level bracket, its
    first and last characters. A long paragraph is never a title, a date or a document number
    (each is a few dozen characters), and whether it is a bullet or a markdown heading is
    decided by its first characters.
    """

    LONG = 1000  # characters: past this, the kept answers are used
    EDGE = 64  # characters kept of each end

    def __init__(self, line: str, number: int):
        self.line = number
        self.parts: list[str] = []
        self.offsets: list[int] = []  # where each part starts in the text
        self.length = 0
        self.round = 0  # ( and （ less ) and ）: what _unbalanced counts
        self.brackets = BracketScan()
        self.newlines = 0
        self.head = ""
        self.tail = ""
        self._joined: str | None = None
        self.add(line)

    def add(self, line: str) -> None:
        self.parts.append(line)
        self.offsets.append(self.length)
        self.length += len(line)
        self.round += sum(line.count(ch) for ch in OPEN[:2])
        self.round -= sum(line.count(ch) for ch in CLOSE[:2])
        self.brackets.feed(line)
        self.newlines += line.count("\n")
        if len(self.head) < self.EDGE:
            self.head = (self.head + line)[:self.EDGE]
        self.tail = (self.tail + line)[-self.EDGE:]
        self._joined = None

    def text(self) -> str:
        if self._joined is None:
            self._joined = "".join(self.parts)
            self.parts, self.offsets = [self._joined], [0]
        return self._joined

    @property
    def long(self) -> bool:
        return self.length > self.LONG

    def slice(self, start: int, end: int) -> str:
        first = bisect_right(self.offsets, start) - 1
        piece = "".join(self.parts[first:])
        offset = self.offsets[first]
        return piece[start - offset:end - offset]

    def last_char(self) -> str:
        return self.tail[-1]

    def unbalanced(self) -> bool:
        return self.round > 0 if self.long else _unbalanced(self.text())

    def heading(self) -> bool:
        if not self.long:
            return _heading_text(self.text())
        if self.newlines:
            return False  # a markdown heading or bold line is one line
        if self.head.startswith("**") and self.tail.endswith("**"):
            return True
        return MARKDOWN_HEADING.match(self.head) is not None

    def bullet(self) -> bool:
        if not self.long:
            return BULLET.match(self.text()) is not None
        return not self.newlines and BULLET.match(self.head) is not None

    def short_form(self, pattern: re.Pattern) -> bool:
        """DATE_LINE.match or DOC_NUMBER.fullmatch: a line of a few dozen characters."""
        if self.long:
            return False
        match = pattern.match if pattern is DATE_LINE else pattern.fullmatch
        return match(self.text()) is not None

    def title_like(self) -> bool:
        return not self.long and _title_like(self.text())

    def ends_with_note(self) -> bool:
        if not self.long:
            return ends_with_note(self.text())
        kept = self.tail.rstrip("。. ")
        if not kept:
            return ends_with_note(self.text())
        stripped = self.length - (len(self.tail) - len(kept))
        last = self.brackets.last
        if last is None or last[1] != stripped:
            return False
        return parse_note(self.slice(last[0] + 1, last[1] - 1)) is not None


def _continues(previous: _Paragraph, line: str, gap: bool, wrapped: bool) -> bool:
    if _opens_note(line) and not previous.heading():
        return True
    if _starts_block(line) or previous.heading() or previous.short_form(DATE_LINE):
        return False
    if not wrapped:
        return previous.unbalanced()
    if previous.short_form(words.DOC_NUMBER) or previous.bullet():
        return False
    if previous.unbalanced():
        return True
    if gap:
        return previous.last_char() in OPEN_ENDING or previous.last_char().isdigit()
    if previous.title_like() and not _title_like(line):
        return False  # a title, then the first line of the text under it
    return previous.last_char() not in TERMINAL and not previous.ends_with_note()


def _title_like(text: str) -> bool:
    return len(text) <= TITLE_MAX and not re.search(r"[，,。;；:：!?！？]", text)
