"""A reminder sweep that beat could not publish (Redis down at 09:00) runs with the next
catch-up task, once (workflow/catch_up.py). Here the tasks the catch-up publishes run in the test
(in CI REDIS_URL is set and nothing would consume them); tests/e2e/ runs the same with Redis
and a worker process."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from notifications.models import OutboxMessage, SweepRun
from notifications.tasks import flush_outbox
from tests.cast import build_cast
from workflow import tasks as workflow_tasks
from workflow.catch_up import SWEEP_ENTRY, scheduled_today, sweep_missed
from workflow.sweep import reminders_sweep

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

SHANGHAI = ZoneInfo("Asia/Shanghai")
THURSDAY = date(2026, 11, 26)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def schedule(**fields) -> None:
    """The sweep entry (created by migration 0003) on another crontab."""
    crontab, _ = CrontabSchedule.objects.get_or_create(
        **{"minute": "0", "hour": "9", "day_of_week": "*", "day_of_month": "*",
           "month_of_year": "*", "timezone": "Asia/Shanghai", **fields})
    PeriodicTask.objects.filter(name=SWEEP_ENTRY).update(crontab=crontab)


@pytest.fixture(autouse=True)
def tasks_run_here(monkeypatch):
    for task in (workflow_tasks.sweep_reminders, flush_outbox):
        monkeypatch.setattr(task, "delay", lambda *a, task=task, **kw: task(*a, **kw))


def sweep_catch_up() -> bool:
    """What the beat entry "duban: reminder sweep catch-up" runs."""
    return workflow_tasks.sweep_catch_up()


@pytest.fixture
def due_today():
    """Seed 001 with a period due today: the lead agency's reporter has reminders."""
    cast = build_cast(due_on=timezone.localdate())
    cast.lead.email = "lead@nongye.example"
    cast.lead.save(update_fields=["email"])
    schedule(hour="0", minute="0")  # today's sweep time has passed, whatever the hour
    return cast


def test_the_sweep_time_comes_from_the_beat_entry():
    assert scheduled_today(at(THURSDAY, 12)) == at(THURSDAY, 9)
    schedule(hour="7,17", minute="30")
    assert scheduled_today(at(THURSDAY, 12)) == at(THURSDAY, 7, 30)
    schedule(day_of_week="6,0")  # weekends only: nothing is scheduled on a Thursday
    assert scheduled_today(at(THURSDAY, 12)) is None
    PeriodicTask.objects.filter(name=SWEEP_ENTRY).update(enabled=False)
    assert scheduled_today(at(THURSDAY + timedelta(days=2), 12)) is None


def test_a_sweep_is_missed_only_after_its_time_and_without_a_run_of_the_day():
    assert not sweep_missed(at(THURSDAY, 8, 59))
    assert sweep_missed(at(THURSDAY, 9, 1))
    SweepRun.objects.create(day=THURSDAY, started_at=at(THURSDAY, 9),
                            finished_at=at(THURSDAY, 9, 1))
    assert not sweep_missed(at(THURSDAY, 9, 5))
    assert sweep_missed(at(THURSDAY + timedelta(days=1), 9, 5))


def test_a_sweep_still_running_is_not_started_again_but_a_dead_one_is():
    SweepRun.objects.create(day=THURSDAY, started_at=at(THURSDAY, 9))
    assert not sweep_missed(at(THURSDAY, 9, 5))  # started 5 minutes ago, still running
    assert sweep_missed(at(THURSDAY, 9, 15))  # its worker died: no finish after 15 minutes


def test_the_missed_sweep_runs_once_and_mails_the_reminders(
        due_today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the flush after the sweep
        assert sweep_catch_up() is True
    run = SweepRun.objects.get(day=timezone.localdate())
    assert run.finished_at is not None and run.digests >= 1
    digest = OutboxMessage.objects.get(to_email="lead@nongye.example")
    assert digest.state == "sent"
    assert sweep_catch_up() is False  # the day's sweep has run
    assert OutboxMessage.objects.count() == run.digests


def test_two_flushes_at_once_publish_one_sweep(due_today):
    today = timezone.localdate()
    SweepRun.objects.create(day=today, started_at=timezone.now())  # another flush claimed it
    assert sweep_catch_up() is False
    assert not OutboxMessage.objects.exists()
    SweepRun.objects.filter(day=today).update(started_at=timezone.now() - timedelta(minutes=11))
    assert sweep_catch_up() is True  # the claim went stale: taken over
    assert SweepRun.objects.get(day=today).finished_at is not None


def test_every_sweep_records_its_day_but_a_dry_run(due_today):
    reminders_sweep(THURSDAY, dry_run=True)
    assert not SweepRun.objects.exists()
    reminders_sweep(THURSDAY)
    assert SweepRun.objects.get(day=THURSDAY).finished_at is not None


def test_the_flush_never_sweeps(due_today):
    """notifications is a leaf: its flush sends mail and nothing else."""
    assert set(flush_outbox()) == {"sent", "retried", "failed", "deferred", "taken"}
    assert not SweepRun.objects.exists()
