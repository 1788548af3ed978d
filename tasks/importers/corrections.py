"""The office's corrections to a reading, made in the preview before it confirms.

No reading is perfect, so the preview's rows can be changed: an item included or left out, its
lead and supporting agencies retyped (co-leads are several leads). The preview posts every row
as it stands (RowEdit); apply_edits makes the reading say exactly that and returns what changed
against what was read (Correction), which the import keeps with the plan.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .cells import is_collective, split_agency_names
from .reading import PlanImportError, PlanReading, TaskRow

# ImportCorrection.Kind values
INCLUDED, EXCLUDED, LEAD, SUPPORTING = "included", "excluded", "lead", "supporting"
ITEM_TEXT = 200


@dataclass(frozen=True)
class RowEdit:
    """One row of the preview as the office left it."""

    position: int  # the item's TaskRow.position in the reading
    include: bool
    # Agencies and groups as typed; None when the row offered no field (an item left out).
    lead: tuple[str, ...] | None = None
    supporting: tuple[str, ...] | None = None


@dataclass
class Correction:
    position: int
    kind: str
    source: str  # where the item is in the source file
    item: str  # the start of its text
    read: object  # what the reading said (names, or whether and why it was left out)
    corrected: object  # what the office set


def names_typed(text: str) -> tuple[str, ...]:
    """'市财政局、市商务局' (or separated by , ; or a new line) → the names, in order, once."""
    return tuple(dict.fromkeys(split_agency_names(text.replace("\n", "、"))))


def edited_names(edits: dict[int, RowEdit]) -> list[str]:
    """Every agency name the office typed: resolved with the reading's own."""
    return [name for edit in edits.values() for name in (edit.lead or ()) + (edit.supporting or ())
            if not is_collective(name)]


def assign_to_rows(edits: dict[int, RowEdit], positions: list[int], name: str, *,
                   co_lead: bool) -> dict[int, RowEdit]:
    """One agency made the lead (or added as a co-lead) of many rows at once; a row given a
    lead is included. The name leaves the rows' supporting agencies."""
    changed = dict(edits)
    for position in positions:
        edit = changed.get(position) or RowEdit(position, True)
        lead = (edit.lead or ()) + (name,) if co_lead else (name,)
        supporting = tuple(n for n in (edit.supporting or ()) if n != name)
        changed[position] = RowEdit(position, True, tuple(dict.fromkeys(lead)), supporting)
    return changed


def shown_names(row: TaskRow, canonical: Callable[[str], str]) -> tuple[list[str], list[str]]:
    """The lead and supporting names the preview shows for a row: agencies by their canonical
    names, then the groups on that side."""
    lead = list(dict.fromkeys([canonical(n) for n in row.lead] + list(row.lead_groups)))
    others = [g for g in row.groups if g not in row.lead_groups]
    supporting = list(dict.fromkeys([canonical(n) for n in row.supporting] + others))
    return lead, [n for n in supporting if n not in lead]


def apply_edits(reading: PlanReading, edits: dict[int, RowEdit],
                canonical: Callable[[str], str]) -> list[Correction]:
    """Make the reading what the preview's rows say; return the changes, in document order."""
    rows = {row.position: row for row in reading.tasks + reading.not_imported}
    imported = {id(row) for row in reading.tasks}
    corrections: list[Correction] = []
    for position in sorted(edits):
        edit, row = edits[position], rows.get(position)
        if row is None:
            raise PlanImportError(_("%(file)s: the preview does not match this file (item "
                                    "%(item)d); upload it again")
                                  % {"file": reading.source_name, "item": position})
        was_imported = id(row) in imported
        if edit.include != was_imported:
            read = {"imported": was_imported, "reason": row.reason or None}
            corrections.append(_correction(row, INCLUDED if edit.include else EXCLUDED, read,
                                           {"imported": edit.include}))
        if edit.include:
            imported.add(id(row))
        else:
            imported.discard(id(row))
        corrections += _names(row, edit, canonical)
    every = sorted(rows.values(), key=lambda r: r.position)
    reading.tasks[:] = [row for row in every if id(row) in imported]
    reading.not_imported[:] = [row for row in every if id(row) not in imported]
    for row in reading.tasks:
        row.reason = ""
    return corrections


def _names(row: TaskRow, edit: RowEdit, canonical: Callable[[str], str]) -> list[Correction]:
    shown_lead, shown_supporting = shown_names(row, canonical)
    if edit.lead is None and edit.supporting is None:
        return []
    edit = RowEdit(edit.position, edit.include,
                   tuple(shown_lead) if edit.lead is None else edit.lead,
                   tuple(shown_supporting) if edit.supporting is None else edit.supporting)
    typed_lead = _canonical_list(edit.lead, canonical)
    typed_supporting = [n for n in _canonical_list(edit.supporting, canonical)
                        if n not in typed_lead]
    changes = []
    if typed_lead != shown_lead:
        changes.append(_correction(row, LEAD, shown_lead, typed_lead))
    if typed_supporting != shown_supporting:
        changes.append(_correction(row, SUPPORTING, shown_supporting, typed_supporting))
    if changes:
        lead_groups = [n for n in edit.lead if is_collective(n)]
        row.lead = [n for n in edit.lead if not is_collective(n)]
        row.supporting = [n for n in edit.supporting
                          if not is_collective(n) and canonical(n) not in typed_lead]
        row.lead_groups = lead_groups
        row.groups = lead_groups + [n for n in edit.supporting
                                    if is_collective(n) and n not in lead_groups]
        row.first_is_lead = False  # the office said who leads
    return changes


def _canonical_list(names: tuple[str, ...], canonical: Callable[[str], str]) -> list[str]:
    return list(dict.fromkeys(n if is_collective(n) else canonical(n) for n in names))


def _correction(row: TaskRow, kind: str, read, corrected) -> Correction:
    return Correction(row.position, kind, row.source, row.content[:ITEM_TEXT], read, corrected)
