"""One set of grammars for every format: a Document in, a PlanReading out.

The readers (text.py, tabular.py, pdf.py) only lay a file out as a Document; everything about
plans — tables, items and notes, titles, the leading group, targets in the text — is read here,
so an .xlsx, a .docx, an .html page, a PDF and a text copy of one plan read the same.
"""
from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agencies.resolution import own_level, place_names

from . import vocabulary as words
from .document import Block, Document
from .grid import read_grid
from .items import read_items
from .leading_group import read_leading_group
from .meta import read_meta
from .reading import GOAL, PlanImportError, PlanReading, TaskRow
from .text_targets import mine_targets


def read_document(document: Document) -> PlanReading:
    reading = PlanReading(source_name=document.source_name)
    reading.warnings.extend(document.warnings)
    reading.meta = read_meta(document.lines)
    found = {kind for table in document.tables()
             if (kind := read_grid(table.grid, reading, table.where))}
    if "tasks" not in found:
        read_items(document, reading, furniture=_furniture(document))
        if not reading.tasks:
            _read_lists(document.paragraphs(), reading, document)
    _say_who_leads(reading)
    issuer, title = reading.meta.issuer, reading.meta.title
    places, level = place_names(issuer, title), own_level(issuer, title)
    reading.leading_group = read_leading_group(
        document.lines, _agency_names(reading), places, level)
    if not reading.indicators:
        mine_targets(_target_sentences(document, reading), reading)
    _number_items(reading)
    return reading


def _number_items(reading: PlanReading) -> None:
    """Every item, task or not, gets its own position: the preview's rows are keyed by it.
    The text grammar numbers them in document order; tasks from a table or a list come first."""
    rows = reading.tasks + reading.not_imported
    if len({row.position for row in rows}) == len(rows):
        return
    for position, row in enumerate(rows):
        row.position = position


def require_plan(reading: PlanReading) -> PlanReading:
    if not reading.tasks and not reading.indicators:
        raise PlanImportError(
            _("%(file)s: no task table, task list or indicator table was recognised")
            % {"file": reading.source_name})
    return reading


def _furniture(document: Document) -> set[int]:
    """The notice that carries the plan (现将《…》印发给你们): its words are not the plan's."""
    furniture = set()
    for block in document.paragraphs():
        if block.numbered:
            break
        if words.TRANSMITTAL.search(block.text):
            furniture.add(id(block))
    return furniture


def _say_who_leads(reading: PlanReading) -> None:
    """A note listing units without saying who leads: the first is read as lead. A plan may
    say so itself (列第一位者为牵头单位,下同); when it does not, the reading says it assumed it."""
    assumed = [t for t in reading.tasks if t.first_is_lead]
    if not assumed or any(_states_the_rule(t.note) for t in reading.tasks):
        return
    reading.warn(ngettext(
        "%(count)d note lists its agencies without saying which leads: the first one listed "
        "is read as the lead agency; check it",
        "%(count)d notes list their agencies without saying which leads: the first one listed "
        "is read as the lead agency; check them",
        len(assumed)) % {"count": len(assumed)})


def _states_the_rule(note: str) -> bool:
    return False if not note else bool(words.LEAD_FIRST_RULE.search(note))


def _agency_names(reading: PlanReading) -> list[str]:
    names = [n for t in reading.tasks for n in t.lead + t.supporting]
    return names + [n for i in reading.indicators for n in i.lead]


def _target_sentences(document: Document, reading: PlanReading) -> list[tuple[str, str]]:
    """The plan's goals; without a goals chapter, any sentence that sets a year's goal."""
    goals = [(row.content, row.source) for row in reading.not_imported if row.reason == GOAL]
    if goals:
        return goals
    return [(block.text, document.locate(block.line)) for block in document.paragraphs()
            if re.search(r"到\s*20\d\d\s*年", block.text)]


# ---- lists without chapters: 五大重点任务 with bullets, 十大专项工程 with their items ---------

LIST_HEADING = re.compile(r"任务|工程|行动|举措|项目")
PUNCTUATION = re.compile(r"[,，。;；:：!?！？、]")


def _read_lists(blocks: list[Block], reading: PlanReading, document: Document) -> None:
    consumed: set[int] = set()
    index = 0
    while index < len(blocks):
        text = blocks[index].text
        if (len(text) <= 20 and not blocks[index].bullet and LIST_HEADING.search(text)
                and not PUNCTUATION.search(text)):
            used = _read_list_block(blocks, index, reading, document)
            consumed.update(blocks[i].line for i in range(index, index + used))
            index += max(used, 1)
        else:
            index += 1
    if reading.tasks:
        lines = {document.locate(line) for line in consumed}
        reading.not_imported[:] = [r for r in reading.not_imported if r.source not in lines]


def _read_list_block(blocks: list[Block], start: int, reading: PlanReading,
                     document: Document) -> int:
    """Read the bullets or title/items pairs after a heading; return blocks consumed."""
    heading = blocks[start].text
    position = start + 1
    bullets = []
    while position < len(blocks) and blocks[position].bullet:
        bullets.append(blocks[position])
        position += 1
    if bullets:
        section = reading.add_section("", heading, None)
        for block in bullets:
            reading.tasks.append(TaskRow(content=block.text, section=section,
                                         source=document.locate(block.line)))
        return position - start
    pairs = []
    while position + 1 < len(blocks) and _is_project(blocks[position].text,
                                                      blocks[position + 1].text):
        pairs.append((blocks[position], blocks[position + 1]))
        position += 2
    if not pairs:
        return 1
    section = reading.add_section("", heading, None)
    for title, items in pairs:
        sub = reading.add_section("", title.text, section)
        for name in _items(items.text):
            reading.tasks.append(TaskRow(content=name, section=sub,
                                         source=document.locate(items.line)))
    return position - start


def _is_project(title: str, items: str) -> bool:
    if len(title) > 30 or PUNCTUATION.search(title) or not LIST_HEADING.search(title):
        return False
    parts = _items(items)
    return bool(parts) and "。" not in items.rstrip("。") and all(len(p) <= 40 for p in parts)


def _items(text: str) -> list[str]:
    return [p.strip() for p in text.rstrip("。.").split("、") if p.strip()]
