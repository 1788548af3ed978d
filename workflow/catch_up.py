"""Today's reminder sweep, run late when its 09:00 beat entry did not get through.

Celery beat marks an entry as run before it publishes it, so with Redis down at 09:00 the day's
sweep is simply skipped: its reminders would go out a day late, with the next sweep. Each sweep
records itself as a SweepRun; its own beat entry, every 5 minutes once Redis answers again, calls
sweep_catch_up(), which publishes the sweep when today's scheduled time has passed and no sweep
of today has started — or one started and did not finish within STALE_AFTER (its worker died).
Running a sweep twice mails nothing twice (OutboxItem keys), so a late one is always safe.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from notifications.models import SweepRun

logger = logging.getLogger("duban.sweep")
SWEEP_ENTRY = "duban: daily reminder sweep"  # the beat entries: workflow/tasks.py
STALE_AFTER = timedelta(minutes=10)  # twice the sweep task's hard time limit (tasks.py)


def sweep_started(day: date) -> None:
    SweepRun.objects.update_or_create(day=day, defaults={"started_at": timezone.now(),
                                                         "finished_at": None})


def sweep_finished(day: date, digests: int) -> None:
    SweepRun.objects.filter(day=day).update(finished_at=timezone.now(), digests=digests)


def scheduled_today(now: datetime) -> datetime | None:
    """When the enabled sweep entry first fires on `now`'s day in its own time zone (None when
    it is disabled, missing, or not scheduled that day)."""
    entry = (PeriodicTask.objects.filter(name=SWEEP_ENTRY, enabled=True)
             .select_related("crontab").first())
    if entry is None or entry.crontab is None:
        return None
    cron = entry.crontab.schedule  # celery's crontab: sets of minutes, hours, days…
    zone = ZoneInfo(str(entry.crontab.timezone))
    local = now.astimezone(zone)
    day_of_week = (local.weekday() + 1) % 7  # celery counts from Sunday = 0
    if not (day_of_week in cron.day_of_week and local.day in cron.day_of_month
            and local.month in cron.month_of_year):
        return None
    return local.replace(hour=min(cron.hour), minute=min(cron.minute), second=0, microsecond=0)


def sweep_missed(now: datetime) -> bool:
    due = scheduled_today(now)
    if due is None or now < due:
        return False
    run = SweepRun.objects.filter(day=due.date()).first()
    return run is None or (run.finished_at is None and run.started_at < now - STALE_AFTER)


def sweep_catch_up(now: datetime | None = None, *, publish) -> bool:
    """Publish today's sweep if it was missed; True when this call published it.

    The day's SweepRun row is claimed first (created, or a stale one taken over by a
    conditional update), so two flushes running at once publish one sweep between them.
    """
    now = now or timezone.now()
    if not sweep_missed(now):
        return False
    day = scheduled_today(now).date()
    try:
        with transaction.atomic():
            SweepRun.objects.create(day=day, started_at=now)
    except IntegrityError:
        claimed = SweepRun.objects.filter(day=day, finished_at=None,
                                          started_at__lt=now - STALE_AFTER
                                          ).update(started_at=now)
        if not claimed:
            return False
    logger.warning("reminder sweep of %s missed (broker down at its time?): running it now", day)
    publish()
    return True
