"""Issue and revoke a user's API token (the `api_token` command calls these)."""
from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from .models import ApiToken


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, user) -> str:
    """A new key for the user, replacing any earlier one; returned once, stored as a digest."""
    key = secrets.token_hex(20)
    with transaction.atomic():
        ApiToken.objects.filter(user=user).delete()
        ApiToken.objects.create(user=user, digest=token_digest(key))
    return key


def token_revoke(*, user) -> bool:
    """Remove the user's token; False when there was none."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return bool(deleted)
