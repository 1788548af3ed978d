"""Plans as published text: tables flattened with ' |', notes in brackets, numbered lists."""
from __future__ import annotations

import codecs
import re

from django.utils.translation import gettext as _

from agencies.resolution import own_level, place_names

from .flat_tables import read_region, table_regions
from .leading_group import read_leading_group
from .meta import read_meta
from .outline import CHAPTER, TARGET_WORDS, paragraphs, read_lists, read_outline
from .reading import PlanImportError, PlanReading, at_line
from .text_targets import mine_targets


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
    text = decode(data, source_name)
    if "\x00" in text:
        raise PlanImportError(_("%(file)s: a binary file, not text") % {"file": source_name})
    reading = PlanReading(source_name=source_name)
    read_lines(text.splitlines(), reading, tables_found=False)
    if not reading.tasks and not reading.indicators:
        raise PlanImportError(
            _("%(file)s: no task table, task list or indicator table was recognised")
            % {"file": source_name}
        )
    return reading


def read_lines(lines: list[str], reading: PlanReading, *, tables_found: bool) -> None:
    """Fill the reading from text lines. tables_found: a real table already gave the tasks."""
    reading.meta = read_meta(lines)
    has_task_table = tables_found
    for start, end in table_regions(lines):
        kind = read_region(lines, start, end, reading, reading.source_name)
        has_task_table = has_task_table or kind == "tasks"
    paras = paragraphs(_outside_tables(lines))
    if not has_task_table:
        read_outline(paras, reading)
        if not reading.tasks:
            read_lists(paras, reading)
    issuer, title = reading.meta.issuer, reading.meta.title
    places, level = place_names(issuer, title), own_level(issuer, title)
    reading.leading_group = read_leading_group(lines, _agency_names(reading), places, level)
    if not reading.indicators:
        mine_targets(_target_sentences(paras), reading)


def _outside_tables(lines: list[str]) -> list[str]:
    """The lines with table rows blanked, so paragraphs never swallow table cells."""
    kept = list(lines)
    for start, end in table_regions(lines):
        for index in range(start, end + 1):
            kept[index] = ""
    return kept


def _agency_names(reading: PlanReading) -> list[str]:
    names = [n for t in reading.tasks for n in t.lead + t.supporting]
    return names + [n for i in reading.indicators for n in i.lead]


def _target_sentences(paras) -> list[tuple[str, int]]:
    """Sentences under a heading about targets, and any sentence that sets a year's goal."""
    sentences, in_targets = [], False
    for para in paras:
        heading = CHAPTER.match(para.text)
        if heading and len(heading.group(2)) <= 40:
            in_targets = bool(TARGET_WORDS.search(heading.group(2)))
        if in_targets or re.search(r"到\s*20\d\d\s*年", para.text):
            sentences.append((para.text, para.line))
    return sentences

