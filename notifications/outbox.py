"""The outbox: written with the event, sent by a flush that neither loses nor repeats.

Email, and the channels of channels.py (group robots, SMS): one row per message and channel,
each with its own idempotency key, claimed, leased, retried and failed the same way.

- `message_enqueue` renders an email and writes it as an OutboxMessage in the caller's
  transaction, under a unique idempotency key: a rolled-back event leaves no email, a repeated
  one (second sweep, beat firing twice, retried request) adds none. After commit it asks Celery
  for a flush; if the broker is down the row simply waits for the periodic flush.
- `outbox_flush` claims each due row with a compare-and-set UPDATE (pending → sending, with a
  lease), sends it, and marks it sent with a compare-and-set on that claim. A worker that dies
  mid-send leaves a row in `sending` whose lease expires; the next flush claims it again. A
  failure goes back to pending with exponential backoff, and to `failed` after
  OUTBOX_MAX_ATTEMPTS (shown to the office: the admin and workflow:failed-emails).

The only window for a duplicate is a crash between the SMTP server accepting a message and the
UPDATE that marks it sent — one statement. The Message-ID is derived from the key, so a
duplicate there carries the same Message-ID as the first copy and mail clients fold them.
"""
from __future__ import annotations

import hashlib
import logging
import smtplib
import time
from collections import Counter
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta
from datetime import time as clock

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import OperationalError as DatabaseError
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from .channels import FORMATTERS, EndpointGone, channel_content, channel_send
from .models import Channel, ChannelEndpoint, OutboxItem, OutboxMessage

logger = logging.getLogger("duban.outbox")

State = OutboxMessage.State
Priority = OutboxMessage.Priority
# Publishing a task fails with one of these when Redis is down or unreachable.
BROKER_ERRORS = (BrokerError, RedisError, OSError)
# Kinds of message that are urgent by nature: never held back by the daily cap.
URGENT_TEMPLATES = {"escalation"}
# A deferred message waits until this local time of the next day.
DEFER_UNTIL = clock(8, 0)
# The web process stamps a new message "due now" and asks a worker to flush; a worker whose
# clock runs a little behind the web server's would find it not yet due and leave it to the
# periodic flush, 5 minutes later. New messages due within this margin are sent at once
# (retries keep their backoff to the second).
CLOCK_SKEW = timedelta(seconds=5)
# Set while a sweep queues many messages: it asks for one flush at the end instead of one each.
_held: ContextVar[HeldFlush | None] = ContextVar("outbox_held_flush", default=None)


class HeldFlush:
    queued = 0  # messages queued while held


def message_id_for(key: str) -> str:
    """The Message-ID of the email with this idempotency key: the same for every copy."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@duban>"


def email_render(template: str, context: dict) -> tuple[str, str, str]:
    """Subject (one line), text and HTML of templates/emails/<template>{_subject.txt,.txt,.html}.

    Always in the site's language: a Celery worker or a cron job has no request to take it from.
    """
    ctx = {**context, "site_url": settings.SITE_URL}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}_subject.txt", ctx)
        text = render_to_string(f"emails/{template}.txt", ctx)
        html = render_to_string(f"emails/{template}.html", ctx)
    # A header must be one line (a newline would be a header injection).
    return " ".join(subject.split())[:300], text, html


def message_enqueue(*, recipient, key: str, template: str, context: dict,
                    priority: int | None = None) -> OutboxMessage | None:
    """Queue one email for `recipient`, once per `key`, and the same message to each of their
    active channel endpoints (one row each, key "<key>|<kind>:<endpoint>"); call it inside the
    event's transaction.

    Returns the email's row, or None when the key was already queued or the recipient has no
    email address or is deactivated (logged; the office sees such people listed elsewhere).
    `priority` defaults to urgent for escalations, normal otherwise.
    """
    _check_key(key)
    if not recipient.is_active:
        logger.info("outbox: %s is inactive; %s not queued", recipient, key)
        return None
    email = (recipient.email or "").strip()
    endpoints = list(ChannelEndpoint.objects.filter(user=recipient, active=True))
    if not email and not endpoints:
        logger.info("outbox: %s has no email address; %s not queued", recipient, key)
        return None
    if OutboxMessage.objects.filter(key=key).exists():  # cheap check before rendering
        return None
    subject, text, html = email_render(template, context)
    priority = _priority(template, priority)
    message = None
    if email:
        with transaction.atomic():  # a savepoint inside the caller's transaction
            # get_or_create, not create: a concurrent enqueue of the same key loses quietly.
            message, created = OutboxMessage.objects.get_or_create(key=key, defaults={
                "recipient": recipient, "to_email": email, "kind": template,
                "priority": priority, "subject": subject, "body_text": text, "body_html": html,
                "message_id": message_id_for(key),
            })
        if not created:
            return None
    added = _endpoints_enqueue(endpoints, recipient=recipient, key=key, template=template,
                               context=context, subject=subject, priority=priority)
    if message is not None or added:
        _flush_after_commit()
    return message


def items_record(message: OutboxMessage, items) -> None:
    """Record the (key, kind) items a message carries (OutboxItem), in the caller's transaction;
    a key recorded before raises IntegrityError. On PostgreSQL one INSERT from two arrays: the
    province's first sweep records 140,000 items, which bulk_create builds as objects first."""
    items = list(items)
    if connection.vendor != "postgresql":
        OutboxItem.objects.bulk_create(
            [OutboxItem(key=key, message=message, kind=kind) for key, kind in items])
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {OutboxItem._meta.db_table} (key, message_id, kind, created_at) "  # noqa: S608
            "SELECT item.key, %s, item.kind, %s FROM unnest(%s::text[], %s::text[]) "
            "AS item (key, kind)",
            [message.pk, timezone.now(), [k for k, _kind in items], [k for _key, k in items]])


def owner_enqueue(*, owner_key: str, key: str, template: str, context: dict,
                  priority: int | None = None) -> int:
    """Queue a message to the active endpoints attached to `owner_key` (an agency's group
    robot: "agency:12"), once per `key` and endpoint; how many rows were added. The caller
    decides who is told (workflow.recipients) and passes the key of the owner told."""
    _check_key(key)
    endpoints = list(ChannelEndpoint.objects.filter(owner_key=owner_key, active=True))
    if not endpoints:
        return 0
    subject, _text, _html = email_render(template, context)
    added = _endpoints_enqueue(endpoints, recipient=None, key=key, template=template,
                               context=context, subject=subject,
                               priority=_priority(template, priority))
    if added:
        _flush_after_commit()
    return added


def _endpoints_enqueue(endpoints, *, recipient, key, template, context, subject,
                       priority) -> int:
    """One row per endpoint, its text formatted for its channel; how many were new."""
    if not endpoints:
        return 0
    content = channel_content(template, context, subject)
    added = 0
    for endpoint in endpoints:
        channel_key = f"{key}|{endpoint.kind}:{endpoint.pk}"
        with transaction.atomic():
            _row, created = OutboxMessage.objects.get_or_create(key=channel_key, defaults={
                "recipient": recipient, "channel": endpoint.kind, "endpoint": endpoint,
                "kind": template, "priority": priority, "subject": content.title,
                "body_text": FORMATTERS[endpoint.kind](content),
                "message_id": message_id_for(channel_key),
            })
        added += created
    return added


def _check_key(key: str) -> None:
    # Room for the channel's suffix ("|dingtalk:123456").
    if len(key) > OutboxMessage._meta.get_field("key").max_length - 24:
        raise ValueError(f"outbox key too long: {key!r}")


def _priority(template: str, priority: int | None) -> int:
    if priority is None:
        return Priority.URGENT if template in URGENT_TEMPLATES else Priority.NORMAL
    return priority


def _flush_after_commit() -> None:
    held = _held.get()
    if held is None:
        transaction.on_commit(flush_soon)
    else:
        held.queued += 1


@contextmanager
def flush_held():
    """Queue many messages (a sweep) without a flush per message; the caller flushes once if
    the yielded HeldFlush counted any."""
    held = HeldFlush()
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


def flush_soon() -> None:
    """Ask a worker to flush now (inline when eager). Never raises: the row is committed and
    the periodic flush (every 5 minutes, notifications/tasks.py) sends it in any case."""
    try:
        flush_outbox.delay()
    except BROKER_ERRORS as exc:
        logger.warning("outbox: broker unreachable (%s); the periodic flush will send it", exc)
    except Exception:
        logger.exception("outbox: the flush after commit failed; the periodic flush will retry")


def messages_retry(*, queryset) -> int:
    """Failed → pending with a fresh set of attempts (the admin's "Retry now")."""
    with transaction.atomic():
        count = queryset.filter(state=State.FAILED).update(
            state=State.PENDING, attempts=0, next_attempt_at=timezone.now(), lease_until=None,
        )
        if count:
            transaction.on_commit(flush_soon)
    return count


# ---- the flush --------------------------------------------------------------------------------

def _due(now) -> Q:
    """Claimable: pending and due, or sending with an expired lease (its worker died)."""
    return (Q(state=State.PENDING, next_attempt_at__lte=now)
            | Q(state=State.PENDING, attempts=0, next_attempt_at__lte=now + CLOCK_SKEW)
            | Q(state=State.SENDING, lease_until__lt=now))


def outbox_flush(batch: int = 100, *, time_budget: float | None = None) -> dict:
    """Send every due message, `batch` rows at a time, until none is due or the time budget
    (seconds) is spent; returns counts (sent, retried, failed, deferred, taken).

    `time_budget` stops claiming new messages once spent, so that a task finishes before its
    time limit instead of being killed with a message claimed; what is left waits for the next
    flush. Each message sent, retried, deferred or failed leaves the due set (its next attempt
    is later), so the loop ends.
    """
    counts = Counter(sent=0, retried=0, failed=0, deferred=0, taken=0)
    deadline = time.monotonic() + time_budget if time_budget else None
    connection = None
    while deadline is None or time.monotonic() <= deadline:
        now = timezone.now()
        # The partial index notifications_outbox_due serves this query.
        due = list(OutboxMessage.objects.filter(state__in=[State.PENDING, State.SENDING])
                   .filter(_due(now)).order_by("next_attempt_at", "pk")
                   .values_list("pk", flat=True)[:batch])
        if not due:
            break
        progress, connection = _flush_batch(due, counts, deadline, connection)
        if not progress:  # every row was taken by another worker meanwhile
            break
    return dict(counts)


def _flush_batch(due: list[int], counts: Counter, deadline, connection):
    progress = 0
    for pk in due:
        if deadline is not None and time.monotonic() > deadline:
            break
        message = _claim(pk)
        if message is None:
            counts["taken"] += 1  # another worker claimed it first
            continue
        progress += 1
        if _capped(message):
            _defer(message)
            counts["deferred"] += 1
            continue
        try:
            if message.channel == Channel.EMAIL:
                connection = connection or get_connection(fail_silently=False)
                _send(message, connection)
            else:
                channel_send(message)  # a robot or the SMS gateway (channels.py)
        except SoftTimeLimitExceeded:
            _release(message)
            raise
        except Exception as exc:  # whatever the backend raised: retry later
            counts[_after_failure(message, exc)] += 1
            if message.channel == Channel.EMAIL:
                connection = None  # a broken connection is not reused
            continue
        _mark_sent(message)
        counts["sent"] += 1
    return progress, connection


def _claim(pk: int) -> OutboxMessage | None:
    """pending/expired → sending, compare-and-set: only the caller whose UPDATE hit proceeds."""
    now = timezone.now()
    lease = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    claimed = OutboxMessage.objects.filter(_due(now), pk=pk).update(
        state=State.SENDING, lease_until=now + lease, attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return OutboxMessage.objects.get(pk=pk)


def _mine(message: OutboxMessage):
    """The row, still under this claim (each claim increments attempts: that is its token)."""
    return OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING,
                                        attempts=message.attempts)


def _send(message: OutboxMessage, connection) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject, body=message.body_text, to=[message.to_email],
        connection=connection,
        headers={"Message-ID": message.message_id, "Auto-Submitted": "auto-generated"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if email.send() != 1:
        raise RuntimeError("the email backend accepted no message")


def _mark_sent(message: OutboxMessage) -> None:
    # Right after the server accepted the message: this UPDATE is the duplicate window.
    done = _mine(message).update(state=State.SENT, sent_at=timezone.now(), lease_until=None,
                                 last_error="")
    if not done:
        logger.error("outbox: %s was sent after its lease expired and was claimed again; a "
                     "duplicate with Message-ID %s may follow (lease too short?)",
                     message.key, message.message_id)


def _after_failure(message: OutboxMessage, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    if _permanent(exc) or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        _mine(message).update(state=State.FAILED, lease_until=None, last_error=error)
        logger.error("outbox: %s failed for good after %d attempts: %s",
                     message.key, message.attempts, error)
        return "failed"
    delay = min(settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** message.attempts,
                settings.OUTBOX_RETRY_MAX_SECONDS)
    _mine(message).update(state=State.PENDING, lease_until=None, last_error=error,
                          next_attempt_at=timezone.now() + timedelta(seconds=delay))
    logger.warning("outbox: %s attempt %d failed (%s); next in %d s",
                   message.key, message.attempts, error, delay)
    return "retried"


def _permanent(exc: Exception) -> bool:
    """Every recipient refused with a 5xx code: the address is wrong, retrying cannot help.
    Likewise an endpoint removed, deactivated or no longer allowed."""
    if isinstance(exc, EndpointGone):
        return True
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and all(
        code >= 500 for code, _msg in exc.recipients.values()
    )


def _release(message: OutboxMessage) -> None:
    """Interrupted (time limit) in mid-send: hand the claim back, not counted as an attempt."""
    _mine(message).update(state=State.PENDING, lease_until=None, attempts=F("attempts") - 1)


# ---- the daily cap ----------------------------------------------------------------------------

def _capped(message: OutboxMessage) -> bool:
    """The recipient already got OUTBOX_DAILY_CAP emails today (Asia/Shanghai); urgent ones pass.

    A soft limit: two workers sending to one person at the same moment may exceed it by one.
    """
    cap = settings.OUTBOX_DAILY_CAP
    if cap <= 0 or message.priority >= Priority.URGENT or message.channel != Channel.EMAIL:
        return False  # robots and SMS are not capped: a group reads them, or they are short
    midnight = timezone.make_aware(datetime.combine(timezone.localdate(), clock.min))
    # The partial index notifications_outbox_sent serves this count.
    sent_today = OutboxMessage.objects.filter(
        recipient_id=message.recipient_id, state=State.SENT, sent_at__gte=midnight,
        channel=Channel.EMAIL,
    ).count()
    return sent_today >= cap


def _defer(message: OutboxMessage) -> None:
    tomorrow = timezone.localdate() + timedelta(days=1)
    _mine(message).update(
        state=State.PENDING, lease_until=None, attempts=F("attempts") - 1,
        next_attempt_at=timezone.make_aware(datetime.combine(tomorrow, DEFER_UNTIL)),
        last_error=_("Daily limit of %(cap)d emails reached; sent the next morning.") % {
            "cap": settings.OUTBOX_DAILY_CAP},
    )


# ---- the Celery task --------------------------------------------------------------------------
# Safe to run twice or concurrently: the unique keys and the compare-and-set claims, not the
# broker, guarantee that an email goes out once — which is what makes these options harmless:
# - acks_late + reject_on_worker_lost: the message is acknowledged after the task ran, so a
#   worker killed mid-task (OOM, deploy, kill -9) leaves it for another worker;
# - autoretry on a database OperationalError (PostgreSQL restarting, connection dropped) with
#   exponential backoff and jitter, capped at 10 minutes — under the broker's visibility
#   timeout (15 minutes, settings), or the waiting retry would be delivered a second time.
RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
}


# A flush stops claiming after 45 s, so it ends before the soft limit (60 s); the soft limit
# hands back the message in flight (_release), the hard limit (90 s) kills a send stuck beyond
# EMAIL_TIMEOUT. What is left is taken by the next flush. Retries: 5, then the next beat's.
@shared_task(name="notifications.tasks.flush_outbox", soft_time_limit=60, time_limit=90,
             max_retries=5, **RETRY)
def flush_outbox() -> dict:
    """Send the due messages of the outbox."""
    return outbox_flush(time_budget=45)
