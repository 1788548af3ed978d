"""A person's name in Chinese order: family name then given name, no space (张伟).

Django's User.get_full_name() writes "first last" with a space, the Western way; this writes
last_name + first_name and falls back to the account name only when no name was entered.
agencies.models.person_name builds on it (the system, the unit); notifications, which imports
no domain app, uses it directly."""
from __future__ import annotations


def full_name(user) -> str:
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()
