"""Celery tasks of the workflow: the daily reminder sweep and its catch-up.

Beat entries — all of duban's, as rows of django_celery_beat (DatabaseScheduler), so the
office's admin sees and changes them under *Periodic tasks*; the migrations only create them
(get_or_create) and never overwrite an edit (notifications/migrations/0003_beat_schedule.py,
workflow/migrations/0005_beat_schedule.py):

    "duban: daily reminder sweep"   workflow.tasks.sweep_reminders — crontab 09:00 every day,
                                    Asia/Shanghai: once a day, at the start of office hours,
                                    so a person gets one digest of everything due rather than a
                                    stream of emails.
    "duban: reminder sweep catch-up" workflow.tasks.sweep_catch_up — every 5 minutes (expires
                                    after 5): runs today's sweep if beat's 09:00 one was lost
                                    (Redis down at 09:00; catch_up.py).
    "duban: outbox flush"           notifications.tasks.flush_outbox — every 5 minutes (expires
                                    after 5): sends what the flush after commit missed —
                                    retries after backoff, deferred mail, rows queued while
                                    Redis was down, claims whose worker died. Expiring keeps a
                                    backlog of identical tasks from piling up while no worker
                                    runs.

Without REDIS_URL there is no beat: tasks run eagerly in-process, and cron runs
`manage.py send_reminders` (the same sweep, then a flush).
"""
from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from notifications.tasks import RETRY

from .catch_up import sweep_catch_up as _catch_up
from .sweep import reminders_sweep


# The sweep reads every live obligation and writes one digest per person: 240 s is ample for a
# province's plans; the soft limit raises inside the sweep (each person's digest is its own
# transaction, so what was queued stays queued) and the hard limit kills a stuck one. A sweep
# that failed is retried 3 times; after that the next day's sweep catches its items up.
@shared_task(soft_time_limit=240, time_limit=300, max_retries=3, **RETRY)
def sweep_reminders(on_date: str | None = None) -> dict:
    """The daily sweep for `on_date` (ISO date; default today in Asia/Shanghai)."""
    day = date.fromisoformat(on_date) if on_date else timezone.localdate()
    # The digests go out through one flush_outbox task the sweep publishes when it is done.
    return reminders_sweep(day).summary()


@shared_task(soft_time_limit=30, time_limit=60, **RETRY)
def sweep_catch_up() -> bool:
    """Publish today's sweep if beat's was lost; True when this call published it."""
    return _catch_up(publish=sweep_reminders.delay)
