"""Importing a plan: one reading, one resolution of agency names, one transaction.

plan_preview and plan_import share everything up to the writing, so the office's preview is
exactly what the import will do.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from agencies.models import (
    Agency,
    AgencyGroup,
    AgencyMatchSuggestion,
    LeadingGroup,
    LeadingGroupMember,
)
from agencies.permissions import plan_grant
from agencies.resolution import (
    AgencyDirectory,
    Resolution,
    normalize,
    own_level,
    place_names,
)
from agencies.services import agencies_create, agencies_named, aliases_remember

from .importers import PlanReading, read_plan_file
from .importers.corrections import Correction, RowEdit, apply_edits, edited_names
from .importers.meta import period_of
from .importers.reading import TaskRow
from .models import (
    ImportCorrection,
    Indicator,
    IndicatorLead,
    Plan,
    Section,
    Target,
    Task,
    TaskAgency,
    TaskGroup,
)

log = logging.getLogger("duban.import")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class ResolvedTask:
    row: TaskRow
    lead: list[str]
    supporting: list[str]
    groups: list[str]
    lead_groups: list[str] = field(default_factory=list)


@dataclass
class ResolvedPlan:
    """A reading with every agency name resolved to its canonical name."""

    reading: PlanReading
    sha256: str
    resolution: Resolution
    places: list[str]
    level: str
    tasks: list[ResolvedTask] = field(default_factory=list)
    # What the office changed in the preview, against what was read (ImportCorrection rows).
    corrections: list[Correction] = field(default_factory=list)
    existing: Plan | None = None

    @property
    def warnings(self) -> list[str]:
        return self.reading.warnings


def resolve_plan(*, data: bytes, source_name: str, title: str | None = None,
                 edits: dict[int, RowEdit] | None = None) -> ResolvedPlan:
    """Read the file, apply the office's corrections, resolve agency names; writes nothing.

    edits: what the preview's rows say, by item position (the reading's TaskRow.position).
    """
    reading = read_plan_file(data, source_name)
    if title:
        reading.meta.title = title
    if not reading.meta.title:
        reading.meta.title = PurePath(source_name).stem
        reading.warn(_("no title found in the file; using the file name %(name)s")
                     % {"name": reading.meta.title})
    if title and not reading.meta.period_start:
        reading.meta.period_start, reading.meta.period_end = period_of(title, "")
    places, level = _places(reading), own_level(reading.meta.issuer, reading.meta.title)
    directory = AgencyDirectory(places, level)
    corrections = []
    if edits:
        # The office's names are compared with the reading's by canonical name, then the
        # corrected reading is resolved alone: a name the office removed is not created.
        names = directory.resolve_all(_raw_agency_names(reading) + edited_names(edits))
        corrections = apply_edits(reading, edits, canonical_of(names))
    resolution = directory.resolve_all(_raw_agency_names(reading))
    resolved = ResolvedPlan(reading, sha256_of(data), resolution, places, level)
    resolved.corrections = corrections
    resolved.tasks = [_resolve_task(row, resolution, reading) for row in reading.tasks]
    resolved.existing = Plan.objects.filter(source_sha256=resolved.sha256).first()
    if resolved.existing:
        reading.warn(
            _("this file (sha256 %(sha)s…) was already imported as plan #%(pk)d %(title)s; "
              "importing it again changes nothing") % {
                "sha": resolved.sha256[:12], "pk": resolved.existing.pk,
                "title": resolved.existing.title,
            }
        )
    return resolved


def canonical_of(resolution: Resolution):
    """A name's canonical spelling; a name the resolution never met is its own."""
    def canonical(name: str) -> str:
        match = resolution.matches.get(name)
        return match.canonical if match else name
    return canonical


def _places(reading: PlanReading) -> list[str]:
    """Place names agency spellings may start with: this plan's and the earlier plans'."""
    texts = [reading.meta.issuer, reading.meta.title]
    for issuer, title in Plan.objects.values_list("issuer", "title"):
        texts += [issuer, title]
    return sorted(dict.fromkeys(place_names(*texts)), key=len, reverse=True)


def _raw_agency_names(reading: PlanReading) -> list[str]:
    names = [n for t in reading.tasks for n in t.lead + t.supporting]
    names += [n for i in reading.indicators for n in i.lead]
    group = reading.leading_group
    if group:
        names += [m.agency for m in group.members if m.agency]
        names += [group.office_agency] if group.office_agency else []
    return names


def _resolve_task(row: TaskRow, resolution: Resolution, reading: PlanReading) -> ResolvedTask:
    """Canonical leads and supporting agencies; a lead is never its own supporting agency."""
    lead = list(dict.fromkeys(resolution.canonical(n) for n in row.lead))
    supporting = []
    for name in dict.fromkeys(resolution.canonical(n) for n in row.supporting):
        if name in lead:
            reading.warn(_("%(where)s: lead agency %(name)s is also listed as supporting; dropped")
                         % {"where": row.source, "name": name})
        else:
            supporting.append(name)
    groups = list(dict.fromkeys(row.groups))
    return ResolvedTask(row, lead, supporting, groups,
                        [g for g in groups if g in row.lead_groups])


def task_sync_needs_lead(*, task: Task) -> None:
    """Keep the dispatch guard (needs_lead) true to the task's lead agencies."""
    needs = not task.agency_links.filter(role=TaskAgency.Role.LEAD).exists()
    Task.objects.filter(pk=task.pk).update(needs_lead=needs)
    task.needs_lead = needs


class TaskLinkError(Exception):
    """A refused change of tasks' agencies, worded for the office."""


def tasks_agencies_set(*, plan: Plan, task_ids: list[int], lead: list[str],
                       supporting: list[str]) -> int:
    """The office names the lead (and supporting) agencies of the selected tasks of a plan not
    yet dispatched: the names resolve as the importer resolves them, the links are the ones the
    importer and the admin write, and needs_lead follows (task_sync_needs_lead). An agency
    already linked to a task as supporting becomes its lead; links already there stay. All or
    nothing; returns the number of tasks changed."""
    if plan.state != Plan.State.DRAFT:
        raise TaskLinkError(_("The plan has been dispatched: change a task's agencies by "
                              "reassigning it from the task's page."))
    tasks = list(plan.tasks.filter(pk__in=task_ids).order_by("order"))
    if not tasks:
        raise TaskLinkError(_("Select at least one task."))
    if not lead and not supporting:
        raise TaskLinkError(_("Type a lead agency or a supporting agency."))
    places, level = place_names(plan.issuer, plan.title), own_level(plan.issuer, plan.title)
    lead_ids, unknown = agencies_named(lead, places=places, level=level)
    supporting_ids, unknown_too = agencies_named(supporting, places=places, level=level)
    if unknown or unknown_too:
        names = "、".join(unknown + unknown_too)
        raise TaskLinkError(_("No agency is known by these names: %(names)s. Choose them from "
                              "the list as you type.") % {"names": names})
    supporting_ids = [pk for pk in supporting_ids if pk not in lead_ids]
    with transaction.atomic():
        links = TaskAgency.objects.select_for_update().filter(task__in=tasks)
        by_task: dict[int, dict[int, TaskAgency]] = {task.pk: {} for task in tasks}
        for link in links:
            by_task[link.task_id][link.agency_id] = link
        new = []
        for task in tasks:
            linked = by_task[task.pk]
            order = max((link.order for link in linked.values()), default=-1) + 1
            for role, ids in ((TaskAgency.Role.LEAD, lead_ids),
                              (TaskAgency.Role.SUPPORTING, supporting_ids)):
                for agency_id in ids:
                    link = linked.get(agency_id)
                    if link is None:
                        new.append(TaskAgency(task=task, agency_id=agency_id, role=role,
                                              order=order))
                        order += 1
                    elif role == TaskAgency.Role.LEAD and link.role != role:
                        TaskAgency.objects.filter(pk=link.pk).update(role=role)
        TaskAgency.objects.bulk_create(new)
        for task in tasks:
            task_sync_needs_lead(task=task)
    return len(tasks)


# ---- preview ---------------------------------------------------------------------------------

def plan_preview(*, data: bytes, source_name: str, title: str | None = None) -> dict:
    """The full reading of a file as plain data (the --dry-run --json output)."""
    return preview_dict(resolve_plan(data=data, source_name=source_name, title=title))


def preview_dict(resolved: ResolvedPlan) -> dict:
    reading, resolution = resolved.reading, resolved.resolution
    meta = reading.meta
    return {
        "plan": {
            "title": meta.title,
            "issuer": meta.issuer or None,
            "doc_number": meta.doc_number or None,
            "issued_on": _iso(meta.issued_on),
            "period_start": _iso(meta.period_start),
            "period_end": _iso(meta.period_end),
        },
        "sections": [
            {"number": s.number or None, "title": s.title, "parent": reading.section_path(s.parent)}
            for s in reading.sections
        ],
        "tasks": [
            {
                "section": reading.section_path(t.row.section),
                "content": t.row.content,
                "lead": t.lead,
                "supporting": t.supporting,
                "groups": t.groups,
                "deadline": _iso(t.row.deadline_on) or (t.row.deadline_text or None),
                "needs_assignment": not t.lead,
            }
            for t in resolved.tasks
        ],
        "not_imported": [
            {
                "section": reading.section_path(row.section),
                "text": row.content[:NOT_IMPORTED_TEXT],
                "reason": row.reason,
                "source": row.source or None,
            }
            for row in reading.not_imported
        ],
        "indicators": [_indicator_dict(i, reading, resolution) for i in reading.indicators],
        "leading_group": _leading_group_dict(reading, resolution),
        "agencies": {
            "matched": resolution.matched(),
            "new": resolution.new(),
            "suggestions": [
                {"name": s["name"], "candidate": s["candidate"]} for s in resolution.suggestions()
            ],
        },
        "warnings": list(reading.warnings),
    }


NOT_IMPORTED_TEXT = 60  # the start of a left-out item's text, enough to find it in the source


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _number(value):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _indicator_dict(row, reading: PlanReading, resolution: Resolution) -> dict:
    index = reading.indicators.index(row)
    source = row if row.target_from is None else reading.indicators[row.target_from]
    root = index if row.target_from is None else row.target_from
    sharing = [
        other.seq for position, other in enumerate(reading.indicators)
        if position != index and (position == root or other.target_from == root)
    ]
    return {
        "category": row.category or None,
        "seq": row.seq,
        "name": row.name,
        "unit": row.unit or None,
        "baseline": _number(row.baseline),
        "target": _number(source.target),
        "comparator": source.comparator or None,
        "target_kind": source.target_kind or None,
        "attribute": row.attribute or None,
        "lead": list(dict.fromkeys(resolution.canonical(n) for n in row.lead)),
        "shares_target_with": sharing,
    }


def _leading_group_dict(reading: PlanReading, resolution: Resolution) -> dict | None:
    group = reading.leading_group
    if group is None:
        return None
    return {
        "name": group.name or None,
        "members": [
            {
                "name": m.name,
                "role": m.role,
                "post": m.post,
                "agency": resolution.canonical(m.agency) if m.agency else None,
            }
            for m in group.members
        ],
        "office_agency": resolution.canonical(group.office_agency) if group.office_agency else None,
        "office_director": group.office_director or None,
    }


# ---- import ----------------------------------------------------------------------------------

@dataclass
class ImportOutcome:
    plan: Plan
    created: bool
    resolved: ResolvedPlan


def plan_import(*, data: bytes, source_name: str, title: str | None = None,
                office_agency_id: int | None = None, edits: dict[int, RowEdit] | None = None,
                by=None) -> ImportOutcome:
    """Import a plan file in one transaction; the same bytes a second time change nothing.

    The office is the leading group's office when the plan names one, else the importing
    user's agency (office_agency_id); its office staff may then dispatch and supervise.
    edits: the preview's rows as the office left them; what is imported is exactly that, and
    each change against the reading is recorded (ImportCorrection), by whom.
    """
    resolved = resolve_plan(data=data, source_name=source_name, title=title, edits=edits)
    if resolved.existing:
        return ImportOutcome(resolved.existing, False, resolved)
    try:
        with transaction.atomic():
            plan = _write_plan(resolved, data, source_name, by)
            if plan.office_agency_id is None and office_agency_id:
                Plan.objects.filter(pk=plan.pk).update(office_agency_id=office_agency_id)
                plan.office_agency_id = office_agency_id
            plan_grant(plan)  # its office may read, correct and dispatch it
    except IntegrityError:
        # The same file confirmed twice at once (a double click, two tabs): the other import
        # committed first and this one hit its unique rows. Nothing of this one was written.
        existing = Plan.objects.filter(source_sha256=resolved.sha256).first()
        if existing is None:
            raise
        log.info("%s was imported meanwhile as plan #%s", source_name, existing.pk)
        return ImportOutcome(existing, False, resolved)
    log.info("imported %s as plan #%s", source_name, plan.pk)
    return ImportOutcome(plan, True, resolved)


def _write_plan(resolved: ResolvedPlan, data: bytes, source_name: str, by=None) -> Plan:
    reading = resolved.reading
    agency_ids = _write_agencies(resolved)
    meta = reading.meta
    plan = Plan(
        title=meta.title[:300], issuer=meta.issuer, doc_number=meta.doc_number,
        issued_on=meta.issued_on, period_start=meta.period_start, period_end=meta.period_end,
        source_name=PurePath(source_name).name[:255], source_sha256=resolved.sha256,
    )
    suffix = PurePath(source_name).suffix.lower() or ".txt"
    plan.source_file.save(f"{resolved.sha256}{suffix}", ContentFile(data), save=False)
    # If anything below fails the transaction rolls back; the stored copy goes with it.
    try:
        plan.save()
        groups = _write_groups(resolved, agency_ids)
        sections = _write_sections(plan, reading)
        tasks = _write_tasks(plan, resolved, sections, agency_ids, groups)
        _write_indicators(plan, reading, resolved.resolution, agency_ids)
        _write_leading_group(plan, reading, resolved.resolution, agency_ids)
        _link_indicators(plan)
        _write_corrections(plan, resolved, tasks, by)
    except Exception:
        plan.source_file.delete(save=False)
        raise
    return plan


def _write_agencies(resolved: ResolvedPlan) -> dict[str, int]:
    """Create the new agencies, remember every spelling, record near matches."""
    resolution = resolved.resolution
    matches = resolution.matches.values()
    ids = {m.canonical: m.agency_id for m in matches if m.agency_id is not None}
    ids |= agencies_create(names=[m.canonical for m in matches if m.canonical not in ids])
    aliases_remember(spellings=[
        (ids[m.canonical], m.raw, normalize(m.raw, resolved.places, resolved.level))
        for m in matches
    ])
    for suggestion in resolution.suggestions():
        AgencyMatchSuggestion.objects.get_or_create(
            agency_id=ids[suggestion["name"]], candidate_id=ids.get(suggestion["candidate"])
            or _agency_id_by_name(suggestion["candidate"]),
            defaults={"score": suggestion["score"], "source": resolved.reading.source_name},
        )
    return ids


def _agency_id_by_name(name: str) -> int:
    return Agency.objects.values_list("pk", flat=True).get(name=name)


def _write_groups(resolved: ResolvedPlan, agency_ids: dict[str, int]) -> dict[str, AgencyGroup]:
    groups = {}
    leading = resolved.reading.leading_group
    for name in dict.fromkeys(g for t in resolved.tasks for g in t.groups):
        group, _ = AgencyGroup.objects.get_or_create(name=name)
        if "领导小组" in name and leading:
            # …领导小组相关成员单位: the members are the leading group's agencies.
            member_ids = {
                agency_ids[resolved.resolution.canonical(m.agency)]
                for m in leading.members if m.agency
            }
            group.members.add(*member_ids)
        groups[name] = group
    return groups


def _write_sections(plan: Plan, reading: PlanReading) -> list[Section]:
    # Bulk inserts: an import writes hundreds of rows, one query per kind rather than per row.
    sections = Section.objects.bulk_create([
        Section(plan=plan, order=order, number=row.number, title=row.title[:300])
        for order, row in enumerate(reading.sections)
    ])
    children = []
    for section, row in zip(sections, reading.sections, strict=True):
        if row.parent is not None:
            section.parent = sections[row.parent]
            children.append(section)
    Section.objects.bulk_update(children, ["parent"])
    return sections


def _write_tasks(plan, resolved: ResolvedPlan, sections, agency_ids, groups) -> dict[int, Task]:
    """The tasks, by their item's position in the reading."""
    tasks = Task.objects.bulk_create([
        Task(
            plan=plan, order=order, content=item.row.content,
            section=sections[item.row.section] if item.row.section is not None else None,
            deadline_on=item.row.deadline_on, deadline_text=item.row.deadline_text[:100],
            needs_lead=not item.lead, source_ref=item.row.source[:100],
        )
        for order, item in enumerate(resolved.tasks)
    ])
    links, group_links = [], []
    for task, item in zip(tasks, resolved.tasks, strict=True):
        links += [
            TaskAgency(task=task, agency_id=agency_ids[name], role=role, order=position)
            for role, names in ((TaskAgency.Role.LEAD, item.lead),
                                (TaskAgency.Role.SUPPORTING, item.supporting))
            for position, name in enumerate(names)
        ]
        group_links += [
            TaskGroup(task=task, group=groups[name], order=position,
                      role=TaskAgency.Role.LEAD if name in item.lead_groups
                      else TaskAgency.Role.SUPPORTING)
            for position, name in enumerate(item.groups)
        ]
    TaskAgency.objects.bulk_create(links)
    TaskGroup.objects.bulk_create(group_links)
    return {item.row.position: task for task, item in zip(tasks, resolved.tasks, strict=True)}


def _write_corrections(plan: Plan, resolved: ResolvedPlan, tasks: dict[int, Task], by) -> None:
    """The office's changes to the reading, kept with the plan."""
    ImportCorrection.objects.bulk_create([
        ImportCorrection(
            plan=plan, task=tasks.get(correction.position), kind=correction.kind,
            source_ref=correction.source[:100], item=correction.item[:200],
            read=correction.read, corrected=correction.corrected,
            made_by=by if getattr(by, "pk", None) else None,
        )
        for correction in resolved.corrections
    ])


def _write_indicators(plan, reading: PlanReading, resolution, agency_ids) -> None:
    own_targets = {
        order: Target(plan=plan, value=row.target, comparator=row.comparator,
                      kind=row.target_kind, text=row.target_text[:100])
        for order, row in enumerate(reading.indicators)
        if row.target_from is None and (row.target is not None or row.target_text)
    }
    Target.objects.bulk_create(own_targets.values())
    targets: dict[int, Target] = {}
    indicators, leads = [], []
    for order, row in enumerate(reading.indicators):
        # A shared target (one figure for several rows) is the earlier row's.
        target = targets.get(row.target_from) if row.target_from is not None \
            else own_targets.get(order)
        if target is not None:
            targets[order] = target
        indicator = Indicator(
            plan=plan, order=order, category=row.category[:100], seq=row.seq,
            name=row.name[:300], unit=row.unit[:30], baseline_value=row.baseline,
            baseline_label=row.baseline_label[:50], target=target, attribute=row.attribute,
            source_ref=row.source[:100],
        )
        indicators.append(indicator)
        names = dict.fromkeys(resolution.canonical(n) for n in row.lead)
        leads += [IndicatorLead(indicator=indicator, agency_id=agency_ids[name], order=position)
                  for position, name in enumerate(names)]
    Indicator.objects.bulk_create(indicators)
    IndicatorLead.objects.bulk_create(leads)


def _link_indicators(plan: Plan) -> None:
    """A task whose text names an indicator reports on it (the office can change the links)."""
    indicators = [i for i in plan.indicators.all() if len(i.name) >= 4]
    links = [
        Task.indicators.through(task_id=task.pk, indicator_id=indicator.pk)
        for task in plan.tasks.all() for indicator in indicators
        if _names(task.content, indicator.name)
    ]
    Task.indicators.through.objects.bulk_create(links)


def _names(content: str, indicator_name: str) -> bool:
    """商标有效注册量 in '…全市商标有效注册量达到15.60万件' (brackets in the name ignored)."""
    core, previous = indicator_name, None
    while core != previous:  # nested brackets: 地理标志数(…证明(集体)商标…)
        previous, core = core, re.sub(r"[(（][^()（）]*[)）]", "", core)
    return len(core) >= 4 and core in content


def _write_leading_group(plan, reading: PlanReading, resolution, agency_ids) -> None:
    group = reading.leading_group
    if group is None:
        return
    office = resolution.canonical(group.office_agency) if group.office_agency else None
    if office:
        Plan.objects.filter(pk=plan.pk).update(office_agency_id=agency_ids[office])
        plan.office_agency_id = agency_ids[office]
    leading = LeadingGroup.objects.create(
        plan=plan, name=group.name[:300], office_director=group.office_director[:100],
        office_agency_id=agency_ids[office] if office else None,
    )
    LeadingGroupMember.objects.bulk_create([
        LeadingGroupMember(
            group=leading, order=order, name=m.name[:100], role=m.role, post=m.post[:200],
            agency_id=agency_ids[resolution.canonical(m.agency)] if m.agency else None,
        )
        for order, m in enumerate(group.members)
    ])


def agency_links_merge(*, merged, kept) -> dict[str, int]:
    """Move the tasks', indicators' and plans' references from `merged` to `kept` (part of
    workflow.merging.agencies_merge, in its transaction). A link the kept agency already has
    is dropped rather than doubled."""
    moved = {"task_links": 0, "indicator_leads": 0}
    for model, key, counter in ((TaskAgency, "task_id", "task_links"),
                                (IndicatorLead, "indicator_id", "indicator_leads")):
        for link in model.objects.filter(agency=merged):
            mine = model.objects.filter(**{key: getattr(link, key)}, agency=kept).first()
            if mine is None:
                link.agency = kept
                link.save(update_fields=["agency"])
                moved[counter] += 1
                continue
            if model is TaskAgency and link.role == TaskAgency.Role.LEAD != mine.role:
                # the merged record led the task, the kept one supported it: it leads now
                TaskAgency.objects.filter(pk=mine.pk).update(role=TaskAgency.Role.LEAD)
            link.delete()
    moved["plans_hosted"] = Plan.objects.filter(office_agency=merged).update(office_agency=kept)
    return moved
