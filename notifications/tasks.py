"""Celery tasks: the daily reminder sweep and the outbox flush.

Beat entries — all of them, declared in notifications/migrations/0003_beat_schedule.py as rows
of django_celery_beat (DatabaseScheduler), so the office's admin sees and changes them under
*Periodic tasks*; the migration only creates them (get_or_create), never overwrites an edit:

    "duban: daily reminder sweep"  sweep_reminders  crontab 09:00 every day, Asia/Shanghai —
                                   once a day, at the start of office hours, so a person gets
                                   one digest of everything due rather than a stream of emails.
    "duban: outbox flush"          flush_outbox     every 5 minutes (expires after 5 minutes) —
                                   sends what the flush after commit missed: retries after
                                   backoff, deferred mail, rows queued while Redis was down, and
                                   claims whose worker died. Expiring keeps a backlog of
                                   identical flushes from piling up while no worker runs.
                                   It also runs a sweep beat lost (catch_up.py).

Without REDIS_URL there is no beat: tasks run eagerly in-process, and cron runs
`manage.py send_reminders` (the same sweep, then a flush).

Both tasks are safe to run twice or concurrently — the outbox's unique keys and its
compare-and-set claims, not the broker, guarantee that an email goes out once — which is what
makes acks_late and redelivery (below) harmless.
"""
from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.db import OperationalError as DatabaseError
from django.utils import timezone

from .catch_up import sweep_catch_up
from .outbox import outbox_flush
from .sweep import reminders_sweep

# Common to both tasks:
# - acks_late + reject_on_worker_lost: the message is acknowledged after the task ran, so a
#   worker killed mid-task (OOM, deploy, kill -9) leaves it for another worker. A task run
#   twice sends nothing twice (module docstring).
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


# The sweep reads every live assignment and writes one digest per person: 240 s is ample for a
# city's plans; the soft limit raises inside the sweep (each person's digest is its own
# transaction, so what was queued stays queued) and the hard limit kills a stuck one. A sweep
# that failed is retried 3 times; after that the next day's sweep catches its items up.
@shared_task(soft_time_limit=240, time_limit=300, max_retries=3, **RETRY)
def sweep_reminders(on_date: str | None = None) -> dict:
    """The daily sweep for `on_date` (ISO date; default today in Asia/Shanghai)."""
    day = date.fromisoformat(on_date) if on_date else timezone.localdate()
    # The digests go out through one flush_outbox task the sweep publishes when it is done.
    return reminders_sweep(day).summary()


# A flush sends at most 100 messages and stops claiming after 45 s, so it ends before the soft
# limit (60 s); the soft limit hands back the message in flight (outbox._release), the hard limit
# (90 s) kills a send stuck beyond EMAIL_TIMEOUT. Retries: 5, then the next beat's flush.
@shared_task(soft_time_limit=60, time_limit=90, max_retries=5, **RETRY)
def flush_outbox() -> dict:
    """Send the due messages of the outbox; publish today's sweep if beat's was lost."""
    counts = outbox_flush(limit=100, time_budget=45)
    # Eager (no Redis) there is no beat to miss: cron runs send_reminders instead.
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        counts["sweep_caught_up"] = sweep_catch_up()
    return counts
