"""Writes about agencies: creating them from an import, and merging a confirmed near match."""
from __future__ import annotations

import re

from .models import (
    Agency,
    AgencyAlias,
    AgencyMatchSuggestion,
    LeadingGroup,
    LeadingGroupMember,
)
from .resolution import DEFAULT_LEVEL, AgencyDirectory, normalize

_KINDS = [
    (re.compile(r"法院"), Agency.Kind.COURT),
    (re.compile(r"检察院"), Agency.Kind.PROCURATORATE),
    (re.compile(r"银行|支行|银保监|金融监管|证监|保监"), Agency.Kind.FINANCIAL),
    (re.compile(r"管委会|开发区|园区|高新区|新区"), Agency.Kind.PARK),
    (re.compile(r"^[^市]{2,6}(?:县|区|市|旗)(?:人民)?政府$|街道办事处$|镇人民政府$"),
     Agency.Kind.LOCAL_GOVERNMENT),
    (re.compile(r"(局|委|办|部|厅|室|中心|海关|人大|政协)(\(.*\))?$"), Agency.Kind.DEPARTMENT),
]


def infer_kind(name: str) -> str:
    for pattern, kind in _KINDS:
        if pattern.search(name):
            return kind
    return Agency.Kind.OTHER


def agencies_create(*, names: list[str]) -> dict[str, int]:
    """New agencies, one query for all of them: {name: id}."""
    created = Agency.objects.bulk_create(
        [Agency(name=name, kind=infer_kind(name)) for name in dict.fromkeys(names)])
    return {agency.name: agency.pk for agency in created}


def aliases_remember(*, spellings: list[tuple[int, str, str]]) -> None:
    """Keep the spellings met in a source, (agency id, spelling, key) each, so that later
    imports match them at once. A spelling that is the agency's own name needs no alias; one
    already known keeps the agency it names (the first one met, here too)."""
    names = dict(Agency.objects.filter(pk__in={a for a, _, _ in spellings})
                 .values_list("pk", "name"))
    new = {}
    for agency_id, spelling, key in spellings:
        if spelling != names.get(agency_id) and spelling not in new:
            new[spelling] = AgencyAlias(name=spelling, agency_id=agency_id, key=key)
    AgencyAlias.objects.bulk_create(new.values(), ignore_conflicts=True)


def agency_merge_references(*, merged: Agency, kept: Agency) -> dict[str, int]:
    """Move this app's references to `merged` onto `kept`, then delete `merged` and keep its
    name as an alias. The other apps move theirs first (workflow.merging.agencies_merge runs
    the whole merge in one transaction). Returns the counts moved."""
    moved = {
        "leading_group_members": LeadingGroupMember.objects.filter(agency=merged)
        .update(agency=kept),
        "leading_groups": LeadingGroup.objects.filter(office_agency=merged)
        .update(office_agency=kept),
        "staff": merged.staff.update(agency=kept),
        "contacts": merged.contacts.update(agency=kept),
        "aliases": merged.aliases.update(agency=kept),
        # its units (a district's departments…) would otherwise lose their parent (SET_NULL)
        "children": merged.children.exclude(pk=kept.pk).update(parent=kept),
    }
    groups = list(merged.groups.all())
    for group in groups:
        group.members.add(kept)
    moved["groups"] = len(groups)
    AgencyAlias.objects.get_or_create(
        name=merged.name, defaults={"agency": kept, "key": normalize(merged.name)}
    )
    # The alias above is the lasting record; suggestions about the merged agency go with it.
    AgencyMatchSuggestion.objects.filter(candidate=merged).delete()
    merged.delete()
    return moved


def suggestion_reject(*, suggestion: AgencyMatchSuggestion) -> None:
    AgencyMatchSuggestion.objects.filter(pk=suggestion.pk).update(
        status=AgencyMatchSuggestion.Status.REJECTED
    )


def agencies_named(names: list[str], *, places=(), level: str = DEFAULT_LEVEL
                   ) -> tuple[list[int], list[str]]:
    """The agencies the typed names stand for, resolved as an import resolves them (name,
    alias, normalized form): (their ids in the order typed, without repeats; the names that
    match no agency). Nothing is created: a page never makes an agency out of a typo."""
    directory = AgencyDirectory(places, level)
    ids, unknown = [], []
    for name in names:
        match = directory.known(name)
        if match is None:
            unknown.append(name)
        elif match.agency_id not in ids:
            ids.append(match.agency_id)
    return ids, unknown
