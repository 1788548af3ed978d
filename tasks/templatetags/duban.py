"""Template helpers shared by the project's pages: {% load duban %}."""
from decimal import Decimal

from django import template

from agencies.permissions import is_head as _is_head
from agencies.permissions import is_leader as _is_leader
from agencies.permissions import is_office as _is_office
from agencies.permissions import is_office_director as _is_office_director
from agencies.permissions import may_instruct, may_supervise, person_name
from lib.ranking import rank_label as _rank_label

register = template.Library()


@register.filter
def is_office(user) -> bool:
    """{% if user|is_office %}: office staff see the plan pages in the navigation."""
    return _is_office(user)


@register.filter
def is_leader(user) -> bool:
    """{% if user|is_leader %}: leaders read plans; they have no task list of their own."""
    return _is_leader(user)


@register.filter
def is_office_director(user) -> bool:
    return _is_office_director(user)


@register.filter
def is_head(user) -> bool:
    return _is_head(user)


@register.filter
def plain_number(value):
    """A stored Decimal as the plan wrote it: 15.6000 → 15.6, 20.0000 → 20."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


@register.filter
def can_supervise(user, plan) -> bool:
    """{% if user|can_supervise:plan %}: the plan's office dispatches, verifies, returns…"""
    return bool(user.is_authenticated and plan is not None and may_supervise(plan, user))


@register.filter
def can_instruct(user, plan) -> bool:
    """{% if user|can_instruct:plan %}: leaders and the office director write 批示."""
    return may_instruct(user, plan)


@register.filter
def person(user) -> str:
    """A person's name as the pages show it (agencies.permissions.person_name)."""
    return person_name(user)


@register.filter
def person_unit(user) -> str:
    """A person with their agency, 张伟（市农业农村局）: timelines and signatures."""
    return person_name(user, unit=True)


@register.filter
def person_or_dash(user) -> str:
    return person_name(user) if user is not None else "—"


@register.filter
def rank_label(row) -> str:
    """{{ row|rank_label }}: a ranked row's place, 并列第2 when shared (lib.ranking)."""
    get = row.get if isinstance(row, dict) else lambda k: getattr(row, k, None)
    return _rank_label(get("rank"), bool(get("tied")))
