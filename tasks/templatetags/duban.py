"""Template helpers shared by the project's pages: {% load duban %}."""
from decimal import Decimal

from django import template

from tasks.permissions import is_office as _is_office

register = template.Library()


@register.filter
def is_office(user) -> bool:
    """{% if user|is_office %}: office staff see the plan pages in the navigation."""
    return _is_office(user)


@register.filter
def is_leader(user) -> bool:
    """{% if user|is_leader %}: leaders read plans; they have no task list of their own."""
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return profile is not None and profile.role == "leader"


@register.filter
def plain_number(value):
    """A stored Decimal as the plan wrote it: 15.6000 → 15.6, 20.0000 → 20."""
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value
