"""What a reader makes of a source file, before anything touches the database.

Every reader (text, .xlsx, .docx, .html, PDF) leads to a PlanReading. Agency names in it are the raw
spellings of the source; resolution to canonical agencies happens once, in the importer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils.translation import gettext as _


def at_line(line: int) -> str:
    """Where in a text source: shown to users, so translated (第 12 行)."""
    return _("line %(line)d") % {"line": line}


def at_row(where: str, row: int) -> str:
    """Where in a table: 'sheet 任务 row 7'."""
    return _("%(where)s row %(row)d") % {"where": where, "row": row}


def in_sheet(name: str) -> str:
    return _("sheet %(name)s") % {"name": name}


def in_table(number: int) -> str:
    return _("table %(number)d") % {"number": number}


class PlanImportError(Exception):
    """Bad input: the message names the file and the line or cell."""


@dataclass
class PlanMeta:
    title: str = ""
    issuer: str = ""
    doc_number: str = ""
    issued_on: date | None = None
    period_start: date | None = None
    period_end: date | None = None


@dataclass
class SectionRow:
    number: str  # as the plan writes it: "三", "(一)", "1." or "" when unnumbered
    title: str
    parent: int | None = None  # index into PlanReading.sections

    def label(self) -> str:
        return self.number or self.title


# Why an item of the plan is not imported as a task (PlanReading.not_imported).
NO_NOTE = "no_note"  # the plan names agencies in notes, and this item has none
GOAL = "goal"  # a goal or target, under 发展目标/主要目标
CONTEXT = "context"  # background, guiding ideas, principles, a preamble or closing words
SAFEGUARDS = "safeguards"  # a 保障措施 item without a note: offered, not imported by default


@dataclass
class TaskRow:
    content: str
    section: int | None = None  # index into PlanReading.sections
    lead: list[str] = field(default_factory=list)
    supporting: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # every collective the row names
    lead_groups: list[str] = field(default_factory=list)  # those of them that lead
    deadline_text: str = ""
    deadline_on: date | None = None
    source: str = ""  # "line 223", "sheet 任务 row 5"
    note: str = ""  # the responsibility note as written, when one gave the agencies
    first_is_lead: bool = False  # the note did not say who leads: its first unit was taken
    position: int = 0  # order among the plan's items, imported or not
    reason: str = ""  # for an item not imported: NO_NOTE, GOAL, CONTEXT or SAFEGUARDS

    @property
    def needs_assignment(self) -> bool:
        return not self.lead

    @property
    def co_led(self) -> bool:
        return len(self.lead) > 1


@dataclass
class IndicatorRow:
    name: str
    category: str = ""
    seq: int | None = None
    unit: str = ""
    baseline: Decimal | None = None
    baseline_label: str = ""
    target: Decimal | None = None
    target_text: str = ""
    comparator: str = ""  # a Target.Comparator value or ""
    target_kind: str = ""  # "cumulative", "period" or ""
    attribute: str = ""  # "expected", "binding" or ""
    lead: list[str] = field(default_factory=list)
    # Index (into PlanReading.indicators) of the row whose target cell spans this one.
    target_from: int | None = None
    source: str = ""


@dataclass
class MemberRow:
    name: str
    role: str  # LeadingGroupMember.Role value
    post: str = ""
    agency: str = ""  # raw spelling, "" when the post names none


@dataclass
class LeadingGroupReading:
    name: str = ""
    members: list[MemberRow] = field(default_factory=list)
    office_agency: str = ""
    office_director: str = ""


@dataclass
class PlanReading:
    source_name: str
    meta: PlanMeta = field(default_factory=PlanMeta)
    sections: list[SectionRow] = field(default_factory=list)
    tasks: list[TaskRow] = field(default_factory=list)
    # The plan's other items — goals, principles, paragraphs without a note — with the reason
    # each was left out; the office may still include any of them.
    not_imported: list[TaskRow] = field(default_factory=list)
    indicators: list[IndicatorRow] = field(default_factory=list)
    leading_group: LeadingGroupReading | None = None
    warnings: list[str] = field(default_factory=list)

    def section_path(self, index: int | None) -> str | None:
        """A readable, unique-enough reference to a section: its numbers from the top."""
        if index is None:
            return None
        parts = []
        while index is not None:
            section = self.sections[index]
            parts.append(section.label())
            index = section.parent
        return " ".join(reversed(parts))

    def add_section(self, number: str, title: str, parent: int | None) -> int:
        self.sections.append(SectionRow(number=number, title=title, parent=parent))
        return len(self.sections) - 1

    def warn(self, message: str) -> None:
        self.warnings.append(message)
