"""Writes about agencies: creating them from an import, and merging a confirmed near match."""
from __future__ import annotations

import re

from django.db import transaction

from .models import (
    Agency,
    AgencyAlias,
    AgencyMatchSuggestion,
    LeadingGroup,
    LeadingGroupMember,
)
from .resolution import normalize

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


def agency_create(*, name: str) -> Agency:
    return Agency.objects.create(name=name, kind=infer_kind(name))


def alias_remember(*, agency_id: int, spelling: str, key: str) -> None:
    """Keep a spelling met in a source so later imports match it at once."""
    if spelling == Agency.objects.filter(pk=agency_id).values_list("name", flat=True).first():
        return
    AgencyAlias.objects.get_or_create(
        name=spelling, defaults={"agency_id": agency_id, "key": key}
    )


@transaction.atomic
def agency_merge(*, suggestion: AgencyMatchSuggestion) -> Agency:
    """The office confirmed a near match: the new agency becomes an alias of the candidate.

    Every reference to the merged agency moves to the candidate, so nothing is lost.
    """
    from tasks.models import IndicatorLead, TaskAgency

    merged, kept = suggestion.agency, suggestion.candidate
    for link in TaskAgency.objects.filter(agency=merged):
        if TaskAgency.objects.filter(task_id=link.task_id, agency=kept).exists():
            link.delete()  # the task already names the kept agency
        else:
            link.agency = kept
            link.save(update_fields=["agency"])
    for link in IndicatorLead.objects.filter(agency=merged):
        if IndicatorLead.objects.filter(indicator_id=link.indicator_id, agency=kept).exists():
            link.delete()
        else:
            link.agency = kept
            link.save(update_fields=["agency"])
    LeadingGroupMember.objects.filter(agency=merged).update(agency=kept)
    LeadingGroup.objects.filter(office_agency=merged).update(office_agency=kept)
    for group in merged.groups.all():
        group.members.add(kept)
    merged.staff.update(agency=kept)
    merged.contacts.update(agency=kept)
    merged.aliases.update(agency=kept)
    AgencyAlias.objects.get_or_create(
        name=merged.name, defaults={"agency": kept, "key": normalize(merged.name)}
    )
    # The alias above is the lasting record; suggestions about the merged agency go with it.
    AgencyMatchSuggestion.objects.filter(candidate=merged).delete()
    merged.delete()
    return kept


def suggestion_reject(*, suggestion: AgencyMatchSuggestion) -> None:
    AgencyMatchSuggestion.objects.filter(pk=suggestion.pk).update(
        status=AgencyMatchSuggestion.Status.REJECTED
    )
