"""Responsibility notes: the bracket that ends an item and names who does it.

Written many ways, all read here:
- labelled: (责任单位:A、B、C), (牵头单位:A;配合单位:B、C), (牵头部门:A、B);
- spoken: (A牵头,B、C配合), (A、B、C负责), (A、B等负责), (A、B等有关部门按职责分工负责),
  (A、B牵头负责) — explicit co-leads —, (A会同有关部门负责), (A,各省级人民政府按职责分工负责);
- in the item's own words when it has no bracket: 由A牵头,B配合。
A list that does not say who leads is led by its first unit: either a rule stated once says so
(列第一位者为牵头单位,下同) or the reading assumes it and says so. Collectives (各区、县级市,
各有关单位, 领导小组各成员单位) are groups, never split into agencies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import vocabulary as words
from .cells import clean, is_collective, looks_like_agency, split_agency_names, split_top_level

_OPEN, _CLOSE = "(（【", ")）】"
MAX_NOTE = 300  # characters inside the brackets: a longer bracket is prose
MAX_NAME = 40
_NOT_A_NAME = re.compile(r"[。!?！？]|的|^\d")


@dataclass
class Note:
    text: str  # what the brackets hold, as written (a rule stated in it included)
    start: int  # span in the paragraph, brackets included
    end: int
    lead: list[str] = field(default_factory=list)
    supporting: list[str] = field(default_factory=list)
    lead_groups: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # supporting groups
    first_is_lead: bool = False  # the list did not say who leads: its first unit was taken
    rule: str = ""  # a rule for all later notes stated in this one


def find_notes(text: str) -> list[Note]:
    """Every responsibility note in a paragraph, in order (usually one, at the end)."""
    notes = []
    for start, end in _bracket_spans(text):
        note = parse_note(text[start + 1:end - 1])
        if note is not None:
            note.start, note.end = start, end
            notes.append(note)
    if not notes and (note := _led_by(text) or _unbracketed(text)):
        notes.append(note)
    return notes


def _unbracketed(text: str) -> Note | None:
    """责任单位：A、B at the end of an item, on a line of its own, without brackets."""
    for label in reversed(list(words.NOTE_LABEL.finditer(text))):
        before = text[:label.start()].rstrip()
        if before and before[-1] not in "。；;.!?！？":
            continue
        note = parse_note(text[label.start():])
        if note is not None and words.NOTE_LABEL.match(note.text):
            note.start, note.end = label.start(), len(text)
            return note
        return None
    return None


def _bracket_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each top-level round bracket, end exclusive; nested ones stay inside."""
    spans, depth, start = [], 0, 0
    for position, ch in enumerate(text):
        if ch in _OPEN:
            if depth == 0:
                start = position
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, position + 1))
    return spans


def parse_note(inner: str) -> Note | None:
    """The agencies a bracket's text names, or None when it is not a responsibility note."""
    inner = written = clean(inner)
    if not inner or len(inner) > MAX_NOTE:
        return None
    rule = ""
    if match := words.LEAD_FIRST_RULE.search(inner):
        rule = match.group().strip("，,;；。 ")
        inner = (inner[:match.start()] + inner[match.end():]).strip("，,;；。 ")
    inner = inner.rstrip("。.;； ")
    lists = _labelled(inner) if words.NOTE_LABEL.match(inner) else _spoken(inner)
    if lists is None or not any(lists.values()):
        return None
    note = _assign(lists)
    note.text, note.rule = written, rule
    return note


def _labelled(inner: str) -> dict[str, list[str]] | None:
    """牵头单位:A;配合单位:B、C → {'lead': [A], 'supporting': [B, C]}."""
    lists: dict[str, list[str]] = {"lead": [], "responsible": [], "supporting": []}
    labels = list(words.NOTE_LABEL.finditer(inner))
    for number, label in enumerate(labels):
        end = labels[number + 1].start() if number + 1 < len(labels) else len(inner)
        listed = inner[label.end():end].strip(" ,，;；。")
        if role := words.CLAUSE_ROLE.search(listed):  # 责任单位:A、B按职责分工负责
            listed = listed[:role.start()]
        names = _names(listed)
        if names is None:
            return None
        lists[words.label_role(label.group(1))].extend(names)
    return lists


def _spoken(inner: str) -> dict[str, list[str]] | None:
    """Clauses of names, each list closed by its role word: A牵头,B、C配合 / A、B等负责."""
    lists: dict[str, list[str]] = {"lead": [], "responsible": [], "supporting": []}
    pending: list[str] = []
    clauses = split_top_level(inner, ",，;；")
    for clause in clauses:
        match = words.CLAUSE_ROLE.search(clause)
        names = _names(clause[:match.start()] if match else clause)
        if names is None:
            return None
        pending.extend(names)
        if match:
            if not pending:
                return None
            role = words.CLAUSE_ROLES.get(match.group(1), "supporting")
            lists[role].extend(pending)
            pending = []
    if pending:
        return None  # the last clause must say what the names do
    named = [n for names in lists.values() for n in names]
    if not any(looks_like_agency(n) or is_collective(n) for n in named):
        return None  # (由企业自主负责): prose that happens to end in 负责
    return lists


def _names(text: str) -> list[str] | None:
    """The names of a clause; None when the clause is prose, not a list of units."""
    text = text.strip(" ,，;；。由")
    if not text:
        return []
    names = split_agency_names(text)
    if not names or any(len(n) > MAX_NAME or _NOT_A_NAME.search(n) for n in names):
        return None
    return names


def _assign(lists: dict[str, list[str]]) -> Note:
    """Lead: the 牵头 names (co-leads when several); else the first unit of a 负责/责任单位 list."""
    note = Note(text="", start=0, end=0)
    leads = lists["lead"]
    supporting = list(lists["supporting"])
    responsible = lists["responsible"]
    if leads:
        supporting = responsible + supporting
    elif responsible:
        first = next((n for n in responsible if not is_collective(n)), None)
        if first is None:
            leads = responsible  # 各省级人民政府负责: a group answers for it
        else:
            leads, note.first_is_lead = [first], len(responsible) > 1
            supporting = [n for n in responsible if n is not first] + supporting
    for name in leads:
        _add(note.lead_groups if is_collective(name) else note.lead, name)
    for name in supporting:
        if name not in note.lead and name not in note.lead_groups:
            _add(note.groups if is_collective(name) else note.supporting, name)
    return note


def _add(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def _led_by(text: str) -> Note | None:
    """由A牵头,B配合。 at the end of an item that has no bracketed note."""
    tail = text.rstrip()
    sentence_start = max(tail.rfind(ch, 0, len(tail) - 1) for ch in "。；;") + 1
    match = words.LED_BY.search(tail[sentence_start:])
    if not match:
        return None
    leads = _names(match.group("lead"))
    supporting = _names(match.group("supporting") or "")
    if not leads or supporting is None:
        return None
    role = "lead" if "牵头" in match.group("role") else "responsible"
    lists = {"lead": [], "responsible": [], "supporting": supporting}
    lists[role] = leads
    note = _assign(lists)
    note.text = match.group().rstrip("。；;")
    note.start, note.end = len(tail), len(tail)  # the words stay in the item's text
    return note


_BRACKET = re.compile(f"[{re.escape(_OPEN + _CLOSE)}]")


class BracketScan:
    """_bracket_spans for text that grows: each added piece is scanned once, so a paragraph
    joined from n lines is scanned in O(n), not once per line (which was quadratic)."""

    def __init__(self) -> None:
        self.length = 0
        self.depth = 0
        self.start = 0
        self.last: tuple[int, int] | None = None  # the last top-level span, end exclusive

    def feed(self, text: str) -> None:
        for match in _BRACKET.finditer(text):
            position = self.length + match.start()
            if match.group() in _OPEN:
                if self.depth == 0:
                    self.start = position
                self.depth += 1
            elif self.depth:
                self.depth -= 1
                if self.depth == 0:
                    self.last = (self.start, position + 1)
        self.length += len(text)


def ends_with_note(text: str) -> bool:
    """The paragraph's last words are a responsibility note: nothing after it joins it."""
    stripped = text.rstrip("。. ")
    spans = _bracket_spans(stripped)
    return bool(spans) and spans[-1][1] == len(stripped) and parse_note(
        stripped[spans[-1][0] + 1:-1]) is not None
