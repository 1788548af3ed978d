"""The reminder sweep: one digest email per person, listing every item not mailed before.

The items (due soon, overdue, returned …) and escalations come from workflow.reminders; this
module only turns them into outbox rows. A digest lists the DIGEST_MAX_ITEMS most urgent items
one by one and sums the rest up by kind, with a link to the page that lists them all (an
office's digest can carry thousands of items at province scale).

Each item's key is recorded as an OutboxItem in the digest's transaction, so a second sweep the
same day — a beat firing twice, the cron job run by hand — finds nothing new to send. Called
by the beat task (workflow.tasks.sweep_reminders) and by `manage.py send_reminders`.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lib.gc_pause import collection_paused
from notifications.models import OutboxItem, OutboxMessage
from notifications.outbox import flush_held, flush_soon, items_record, message_enqueue

from . import reminders
from .catch_up import sweep_finished, sweep_started
from .recipients import display_name

logger = logging.getLogger("duban.sweep")

# The label shown before an item, by workflow.reminders' kind (a report's by its stage too).
KIND_LABELS = {
    "signoff": _("Awaiting your sign-off"),
    "returned": _("Returned for revision"),
    "contribution_missing": _("Material missing"),
    "unacknowledged": _("Not yet acknowledged"),
    "escalation": _("Escalated"),
}
# Digests carrying one of these are urgent: the daily cap never holds them back.
URGENT_KINDS = {"escalation"}
# Items a digest lists one by one; the others are summed up by kind (digest_summary).
DIGEST_MAX_ITEMS = 20


def kind_label(kind: str, stage: str) -> str:
    if kind == "report":
        if stage.startswith("before"):
            return _("Due soon")
        return _("Due today") if stage == "due" else _("Overdue")
    return str(KIND_LABELS.get(kind, ""))


@dataclass
class RecipientDigest:
    recipient: Any  # a User
    items: list  # workflow.reminders.ReminderItem, most urgent first
    message: OutboxMessage | None = None  # None in a dry run, or without an email address

    @property
    def email(self) -> str:
        return (self.recipient.email or "").strip()


@dataclass
class SweepResult:
    on_date: date
    dry_run: bool
    digests: list[RecipientDigest] = field(default_factory=list)
    escalations: Any = None  # what workflow.reminders.escalations_apply returned
    already_sent: int = 0  # items skipped because an earlier digest carried them

    @property
    def messages_created(self) -> int:
        return sum(1 for d in self.digests if d.message is not None)

    @property
    def without_email(self) -> list[RecipientDigest]:
        return [d for d in self.digests if not d.email]

    def summary(self) -> dict:
        return {"date": self.on_date.isoformat(), "dry_run": self.dry_run,
                "recipients": len(self.digests), "messages": self.messages_created,
                "items": sum(len(d.items) for d in self.digests),
                "without_email": len(self.without_email), "already_sent": self.already_sent}


def digest_summary(items: list) -> list[dict]:
    """The items a digest does not list one by one, counted by kind, each kind with the page
    that lists them (the overdue list, my tasks)."""
    # Labelled by (kind, stage), not item by item: an office's digest sums up thousands.
    counts = Counter()
    for (kind, stage), n in Counter((i.kind, i.stage) for i in items).items():
        counts[kind_label(kind, stage)] += n
    overdue = f"{settings.SITE_URL}{reverse('workflow:overdue-all')}"
    mine = f"{settings.SITE_URL}{reverse('workflow:my-tasks')}"
    links = {str(kind_label("escalation", "")): overdue, str(kind_label("report", "overdue-1")):
             overdue}
    return [{"label": label, "count": n, "link": links.get(label, mine)}
            for label, n in counts.most_common()]


def digest_key(recipient_id: int, item_keys) -> str:
    """The same items for the same person give the same key, however often the sweep runs."""
    digest = hashlib.sha256("\n".join(sorted(item_keys)).encode()).hexdigest()[:32]
    return f"digest|{recipient_id}|{digest}"


def reminders_sweep(on_date: date, *, dry_run: bool = False, flush: bool = True) -> SweepResult:
    """Apply escalations, then queue one digest per person for the items not yet mailed.

    With dry_run nothing is written: the result says who would get what. Afterwards one flush
    is requested (a Celery task, inline when eager) unless `flush` is False — the management
    command flushes itself, to report what was sent.
    """
    result = SweepResult(on_date=on_date, dry_run=dry_run)
    if not dry_run:
        sweep_started(on_date)
    with flush_held() as held, collection_paused():
        work = reminders.DayWork(on_date)  # read once: escalations and items both come from it
        result.escalations = reminders.escalations_apply(on_date, dry_run=dry_run, work=work)
        _digests_enqueue(result, reminders.due_items(on_date, work=work))
    if not dry_run:
        sweep_finished(on_date, result.messages_created)
    if flush and held.queued:
        transaction.on_commit(flush_soon)  # at once unless the caller holds a transaction
    return result


def _digests_enqueue(result: SweepResult, items) -> None:
    items = list(items)
    known = _known_keys([i.key for i in items])
    result.already_sent = sum(1 for i in items if i.key in known)
    by_recipient: dict[int, dict] = {}
    for item in items:
        if item.key not in known:
            by_recipient.setdefault(item.recipient_id, {})[item.key] = item  # one per key
    users = get_user_model().objects.filter(pk__in=by_recipient, is_active=True).in_bulk()
    for user in sorted(users.values(), key=lambda u: u.get_username()):
        ordered = sorted(by_recipient[user.pk].values(), key=lambda i: (-i.urgency, i.text))
        digest = RecipientDigest(recipient=user, items=ordered)
        result.digests.append(digest)
        if not result.dry_run and digest.email:
            digest.message = _digest_enqueue(user, ordered, result.on_date)


def _known_keys(keys: list[str]) -> set[str]:
    """The item keys an earlier digest carried. On PostgreSQL the keys go as one array
    parameter: a province's 140,000 placeholders cost more than the lookup itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT key FROM {OutboxItem._meta.db_table} "  # noqa: S608
                           "WHERE key = ANY(%s)", [keys])
            return {row[0] for row in cursor.fetchall()}
    return set(OutboxItem.objects.filter(key__in=keys).values_list("key", flat=True))


def _digest_enqueue(user, items: list, on_date: date) -> OutboxMessage | None:
    """The digest and its items in one transaction: either both are recorded or neither."""
    shown, rest = items[:DIGEST_MAX_ITEMS], items[DIGEST_MAX_ITEMS:]
    context = {
        "recipient_name": display_name(user),
        "on_date": on_date,
        "total": len(items),
        "items": [{
            "text": i.text, "kind": i.kind, "kind_label": kind_label(i.kind, i.stage),
            "stage": i.stage, "urgency": i.urgency,
            "high": i.kind in URGENT_KINDS or i.kind == "returned" or "overdue" in i.stage,
            "link": f"{settings.SITE_URL}{i.url}" if i.url else "",
        } for i in shown],
        "more": digest_summary(rest),
    }
    try:
        with transaction.atomic():
            key = digest_key(user.pk, [i.key for i in items])
            urgent = any(i.kind in URGENT_KINDS for i in items)
            message = message_enqueue(
                recipient=user, key=key, template="digest", context=context,
                priority=OutboxMessage.Priority.URGENT if urgent else None,
            )
            if message is not None:
                items_record(message, [(i.key, i.kind) for i in items])
    except IntegrityError:
        # A concurrent sweep recorded one of these items first; it mails them, the next sweep
        # picks up the rest.
        logger.warning("sweep: concurrent sweep for %s; skipped this time", user)
        return None
    return message
