"""What is a task, in a plan's own text: its items, their headings and their notes.

Where the plan names agencies in responsibility notes, a task is an item that ends in a note
(several notes in one paragraph make several tasks) or inherits one from its heading; the other
items are the plan's context and are listed as not imported, with the reason. Where the plan
has no notes at all, the tasks are the lowest items under its task chapters (主要任务, 重点任务,
保障措施…), and each needs a lead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import vocabulary as words
from .document import DATE_LINE, Block, Document, title_only
from .notes import Note, find_notes
from .reading import CONTEXT, GOAL, NO_NOTE, SAFEGUARDS, PlanReading, TaskRow

SENTENCE_END = "。!?;！？；"
LEAD_IN_MAX = 20  # '(三)发展目标。…': the words before the first 。 name what the item is
_ITEM_TARGETS = re.compile(r"(?:目标|指标)(?:任务)?$")


@dataclass
class _Heading:
    block: Block
    parent: _Heading | None
    kind: str  # vocabulary.chapter_kind, inherited when the heading's own words say 'tasks'
    notes: list[Note]
    numbered_children: bool = False
    section: int | None = None  # index into PlanReading.sections, once one is made

    @property
    def level(self) -> int:
        return self.block.level


@dataclass
class _Item:
    block: Block
    text: str  # the item's words, its number left out
    heading: _Heading | None
    kind: str
    preamble: bool  # before the first numbered block: the plan's opening words
    notes: list[Note] = field(default_factory=list)


@dataclass
class _Found:
    """A task or a left-out item, with where it sits until sections and positions are given."""

    row: TaskRow
    heading: _Heading | None
    line: int
    segment: int  # several tasks in one paragraph (one note each) keep their order


def read_items(document: Document, reading: PlanReading, *, furniture: set[int]) -> bool:
    """Add the plan's tasks, sections and not-imported items; True when it carries notes.

    furniture: ids of blocks that are the document's title, signature and the like.
    """
    blocks = [b for b in document.paragraphs() if id(b) not in furniture and _readable(b)]
    headings, items = _outline(blocks)
    carries_notes = any(item.notes for item in items) or any(h.notes for h in headings)
    tasks: list[_Found] = []
    left_out: list[_Found] = []
    for item in items:
        if carries_notes:
            _with_notes(item, tasks, left_out)
        else:
            _without_notes(item, tasks, left_out)
    holding = _holding_headings(tasks, left_out)
    found = sorted(tasks + left_out, key=lambda f: (f.line, f.segment))
    for position, each in enumerate(found):
        each.row.position = position
        each.row.source = document.locate(each.line)
        each.row.section = _section_for(each.heading, holding, reading)
    chosen = {id(f) for f in tasks}
    reading.tasks.extend(f.row for f in found if id(f) in chosen)
    reading.not_imported.extend(f.row for f in found if id(f) not in chosen)
    return carries_notes


def _readable(block: Block) -> bool:
    """Unnumbered markdown headings (## 政策全文) and bare dates are the page's, not the plan's."""
    if block.markup and not block.numbered:
        return False
    return not DATE_LINE.match(block.text)


# ---- the outline -------------------------------------------------------------------------------

def _outline(blocks: list[Block]) -> tuple[list[_Heading], list[_Item]]:
    """Headings (numbered titles with something under them) and items, in document order."""
    headings: list[_Heading] = []
    items: list[_Item] = []
    stack: list[_Heading] = []
    seen_numbered = False
    for index, block in enumerate(blocks):
        if block.numbered:
            while stack and stack[-1].level >= block.level:
                stack.pop()
            if stack:
                stack[-1].numbered_children = True
            notes = find_notes(block.text)
            if _is_heading(blocks, index, notes):
                parent = stack[-1] if stack else None
                kind = _heading_kind(_without_notes_text(block.text, notes), parent)
                heading = _Heading(block, parent, kind, notes)
                headings.append(heading)
                stack.append(heading)
                seen_numbered = True
                continue
            seen_numbered = True
        parent = stack[-1] if stack else None
        items.append(_Item(
            block=block, text=block.text, heading=parent,
            kind=_item_kind(block, parent), preamble=not seen_numbered,
            notes=find_notes(block.text),
        ))
    return headings, items


def _is_heading(blocks: list[Block], index: int, notes: list[Note]) -> bool:
    """A numbered title with something under it. '1、开展宣传。' followed by '2、…' is a short
    item; a chapter (一、 第一章) is a heading even when empty."""
    block = blocks[index]
    if not title_only(_without_notes_text(block.text, notes)):
        return False
    if block.level <= 1:
        return True
    following = blocks[index + 1] if index + 1 < len(blocks) else None
    return following is not None and (not following.numbered or following.level > block.level)


def _without_notes_text(text: str, notes: list[Note]) -> str:
    for note in reversed(notes):
        if note.end > note.start:
            text = text[:note.start] + text[note.end:]
    return text.strip()


def _heading_kind(title: str, parent: _Heading | None) -> str:
    own = words.chapter_kind(title)
    if own == "targets" and not _ITEM_TARGETS.search(title.rstrip("。.:： ")):
        own = "tasks"  # 完善指标体系 is work, 主要目标 is a goal
    if own == "tasks" and parent is not None:
        return parent.kind
    return own


def _item_kind(block: Block, parent: _Heading | None) -> str:
    """An item's lead-in may say what it is: (一)指导思想。… (三)发展目标。…"""
    inherited = parent.kind if parent is not None else "tasks"
    if block.numbered:
        lead_in = re.split(r"[。:：]", block.text, maxsplit=1)[0]
        if len(lead_in) <= LEAD_IN_MAX and len(lead_in) < len(block.text):
            if words.CONTEXT_WORDS.search(lead_in):
                return "context"
            if _ITEM_TARGETS.search(lead_in):
                return "targets"
    return inherited


# ---- tasks and the rest ------------------------------------------------------------------------

def _says_something(text: str, noted: bool, lead_in: bool = False) -> bool:
    """A task says something: a sentence, or words with a note. Titles and signatures don't.
    lead_in: a line ending in ：(围绕重点工作，做好以下方面：) counts too — not before the
    first number, where it is the addressee."""
    text = text.strip()
    ends = SENTENCE_END + (":：" if lead_in else "")
    return len(text) >= 4 and (noted or any(ch in text for ch in ends))


def _row(item: _Item, text: str, segment: int = 0, note: Note | None = None,
         reason: str = "") -> _Found:
    row = TaskRow(content=text.strip(" ,，;；"), reason=reason)
    if note is not None:
        _give_note(row, note)
    return _Found(row, item.heading, item.block.line, segment)


def _inherited_note(heading: _Heading | None) -> Note | None:
    while heading is not None:
        if heading.notes:
            return heading.notes[-1]
        heading = heading.parent
    return None


def _reason(item: _Item, carries_notes: bool) -> str:
    if item.kind == "targets":
        return GOAL
    if item.kind == "context" or item.preamble or _beside_numbered_items(item):
        return CONTEXT  # opening words, or what leads into or closes numbered items
    if item.kind == "safeguards" and carries_notes:
        return SAFEGUARDS
    return NO_NOTE if carries_notes else CONTEXT


def _beside_numbered_items(item: _Item) -> bool:
    return not item.block.numbered and (
        item.heading is None or item.heading.numbered_children)


def _with_notes(item: _Item, tasks: list, left_out: list) -> None:
    """Each stretch of text ending in a note is a task; text after the last note is not."""
    if not item.notes:
        inherited = _inherited_note(item.heading)
        if inherited is not None and _says_something(item.text, True):
            tasks.append(_row(item, item.text, note=inherited))
        elif _says_something(item.text, False, not item.preamble):
            left_out.append(_row(item, item.text, reason=_reason(item, True)))
        return
    start = 0
    for segment, note in enumerate(item.notes):
        text = item.text[start:note.start] if note.end > note.start else item.text[start:]
        start = note.end
        if not text.strip(" 。;；,，") and tasks and not tasks[-1].row.note:
            _give_note(tasks[-1].row, note)  # a note cut off from its item by a blank line
            continue
        tasks.append(_row(item, text, segment, note))
    tail = item.text[start:]
    if _says_something(tail, False) and len(tail.strip(" 。")) >= 4:
        left_out.append(_row(item, tail, len(item.notes), reason=NO_NOTE))


def _give_note(row: TaskRow, note: Note) -> None:
    row.lead, row.supporting, row.note = list(note.lead), list(note.supporting), note.text
    row.lead_groups = list(note.lead_groups)
    row.groups = list(note.lead_groups) + list(note.groups)
    row.first_is_lead = note.first_is_lead


def _without_notes(item: _Item, tasks: list, left_out: list) -> None:
    """No notes anywhere: the lowest items of the task chapters are the tasks."""
    if not _says_something(item.text, False, not item.preamble):
        return
    lowest = item.block.numbered or (
        item.heading is not None and not item.heading.numbered_children
    )
    if item.kind in ("tasks", "safeguards") and lowest and not item.preamble:
        tasks.append(_row(item, item.text))
    else:
        left_out.append(_row(item, item.text, reason=_reason(item, False)))


# ---- sections ----------------------------------------------------------------------------------

def _holding_headings(tasks: list[_Found], left_out: list[_Found]) -> set[int]:
    """Headings that hold a task or an offered item, with their parents: they become sections."""
    holding: set[int] = set()
    offered = [f for f in left_out if f.row.reason == SAFEGUARDS]
    for each in tasks + offered:
        heading = each.heading
        while heading is not None:
            holding.add(id(heading))
            heading = heading.parent
    return holding


def _section_for(heading: _Heading | None, holding: set[int], reading: PlanReading) -> int | None:
    """The nearest heading above that is a section; an item under any other heading (a goal
    the office includes) hangs there."""
    while heading is not None and id(heading) not in holding:
        heading = heading.parent
    return _make_section(heading, reading) if heading is not None else None


def _make_section(heading: _Heading, reading: PlanReading) -> int:
    if heading.section is None:
        parent = _make_section(heading.parent, reading) if heading.parent is not None else None
        title = _without_notes_text(heading.block.text, heading.notes).rstrip("。.:：; ")
        heading.section = reading.add_section(heading.block.number, title, parent)
    return heading.section
