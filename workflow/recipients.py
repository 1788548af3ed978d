"""Who at an agency is told, and how: the one place every notice, email and reminder asks.

An agency is reached through its active staff: reporters (填报人) for what they must do,
heads (单位负责人) for sign-off and escalations; an office through its office staff and
director. `people()` answers for many agencies in one query (the sweep); `agency_tell()`
writes an event's in-app notices and outbox emails inside the event's transaction, so they
are sent after commit and never without the event; the same event also goes to each agency's
own channel endpoints (group robots), attached by the key `agency_owner_key()` gives.
"""
from __future__ import annotations

from collections import defaultdict

from django.urls import reverse

from agencies.models import StaffProfile
from agencies.permissions import person_name
from notifications.models import Notification
from notifications.outbox import message_enqueue, owner_enqueue

Role = StaffProfile.Role
AGENCY_ROLES = (Role.REPORTER, Role.HEAD)
OFFICE = "office"  # the key of an office's staff and director in People


class People:
    """Active staff of some agencies by (agency id, role); OFFICE for office staff."""

    def __init__(self, rows):
        self._of = {}  # of()'s answers: the sweep asks the same few hundred agencies 100,000 times
        self._ids = defaultdict(list)
        for agency_id, role, user_id in rows:
            self._ids[(agency_id, role)].append(user_id)
            if role in StaffProfile.OFFICE_ROLES:
                self._ids[(agency_id, OFFICE)].append(user_id)

    def of(self, agency_id: int | None, *roles: str) -> list[int]:
        """The user ids (callers must not change the list: it is shared)."""
        key = (agency_id, roles)
        found = self._of.get(key)
        if found is None:
            found = self._of[key] = [u for role in roles
                                     for u in self._ids.get((agency_id, role), [])]
        return found


def people(agency_ids) -> People:
    """The active staff of these agencies, in one query."""
    rows = (StaffProfile.objects.filter(agency_id__in=set(agency_ids), user__is_active=True)
            .values_list("agency_id", "role", "user_id").order_by("user_id"))
    return People(rows)


def agency_staff(agency_ids, roles=AGENCY_ROLES):
    """The profiles (with user and agency) of these agencies' active staff in these roles."""
    return list(StaffProfile.objects
                .filter(agency_id__in=list(agency_ids), role__in=roles, user__is_active=True)
                .select_related("user", "agency").order_by("user_id"))


def display_name(user, *, unit: bool = False) -> str:
    """A person as a 公文 names them (agencies.permissions.person_name)."""
    return person_name(user, unit=unit)


def agency_tell(agency_ids, *, kind: str, about, task, text: str, by,
                context: dict | None = None, roles=AGENCY_ROLES, url: str | None = None) -> int:
    """An in-app notice and an email to the agencies' staff in `roles`; how many were told.

    Call it inside the event's transaction. `kind` names the email templates
    (templates/emails/<kind>…) and `about` is the row recording this event (the return's
    StateLog, the instruction, the escalation): the outbox key "<kind>|<about>|<user>" sends
    each event once per person, and a second event is a second row."""
    url = url or reverse("workflow:task", args=[task.pk])
    profiles = agency_staff(agency_ids, roles)
    Notification.objects.bulk_create(
        [Notification(recipient_id=p.user_id, text=text[:500], url=url) for p in profiles])
    about_key = f"{about._meta.label_lower}:{about.pk}"
    for profile in profiles:
        message_enqueue(
            recipient=profile.user, key=f"{kind}|{about_key}|{profile.user_id}", template=kind,
            context={"task_title": task.content[:200], "plan_title": task.plan.title,
                     "agency_name": profile.agency.name, "url": url, "text": text,
                     "by_name": display_name(by, unit=True), **(context or {})},
        )
    # The agencies' own channels (a 企业微信/钉钉 group robot): once per event and agency.
    names = {p.agency_id: p.agency.name for p in profiles}
    for agency_id in sorted(set(agency_ids)):
        owner_enqueue(
            owner_key=agency_owner_key(agency_id), key=f"{kind}|{about_key}|agency:{agency_id}",
            template=kind,
            context={"task_title": task.content[:200], "plan_title": task.plan.title,
                     "agency_name": names.get(agency_id, ""), "url": url, "text": text,
                     "by_name": display_name(by, unit=True), **(context or {})},
        )
    return len(profiles)


def agency_owner_key(agency_id: int) -> str:
    """The key an agency's channel endpoints are attached by (notifications.ChannelEndpoint)."""
    return f"agency:{agency_id}"
