"""{% load levels %}: escalation levels by name ({{ level_names|level_of:task }})."""
from django import template

from workflow.levels import NONE, LevelNames

register = template.Library()


@register.filter
def level_of(names: LevelNames | None, obj) -> str:
    """The name of a task's level, or of an escalation's, from the view's level_names."""
    if names is None or obj is None:
        return NONE
    return names.of(obj)


@register.filter
def level_named(level, names: LevelNames | None) -> str:
    """{{ escalation.level|level_named:level_names }} on a page about one plan."""
    return names.name(None, level) if names is not None else NONE
