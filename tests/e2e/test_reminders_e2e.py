"""Reminders end to end on the real parts: PostgreSQL, a redis-server, a `celery worker`
process and an SMTP server on loopback. The beat entry is triggered as beat would send it."""
import importlib
import json
from datetime import date

import pytest
from django.apps import apps
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from notifications.models import OutboxMessage, SweepRun
from notifications.outbox import message_id_for
from tests.cast import build_cast
from tests.e2e.conftest import wait_until, worker_env
from workflow import services
from workflow.reminders import due_items

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.dates]

SWEEP_DAY = date(2026, 11, 26)  # a Thursday, a working day; the period is due that day
EMAILS = {"lead": "lead@nongye.example", "head": "head@nongye.example",
          "supporting": "reporter@gongxin.example", "office": "office@scjg.example",
          "director": "director@scjg.example", "outsider": "someone@elsewhere.example"}


@pytest.fixture(autouse=True)
def todays_sweep_done():
    """Today's sweep counts as run: the worker's flush would otherwise run it late
    (notifications/catch_up.py) and mail reminders a test does not expect. The test of that
    catch-up deletes the row."""
    now = timezone.now()
    SweepRun.objects.create(day=timezone.localdate(), started_at=now, finished_at=now)


def with_emails(cast):
    for role, email in EMAILS.items():
        user = getattr(cast, role)
        user.email = email
        user.save(update_fields=["email"])


def all_sent() -> bool:
    return not OutboxMessage.objects.exclude(state="sent").exists()


def flush_until(check, timeout: float, what: str):
    """Send the flush as beat does (every minute there; every second here) until `check`
    holds: waiting on the outbox's rows, not on a guess of how long the worker needs."""
    flush = beat_entry("duban: outbox flush")
    return wait_until(lambda: check() or (trigger(flush) and False), timeout, interval=1,
                      what=what)


def beat_entry(name: str) -> PeriodicTask:
    """The beat row as the migrations made it (transactional tests empty tables between
    tests)."""
    for module in ("notifications.migrations.0003_beat_schedule",
                   "workflow.migrations.0005_beat_schedule"):
        importlib.import_module(module).create_entries(apps, None)
    return PeriodicTask.objects.get(name=name)


def trigger(entry: PeriodicTask, **kwargs):
    """What beat does when the entry is due: send its task with its arguments."""
    from config.celery import app

    return app.send_task(entry.task, args=json.loads(entry.args or "[]"),
                         kwargs={**json.loads(entry.kwargs or "{}"), **kwargs})


def test_the_daily_sweep_mails_each_person_once(broker, smtp, start_worker):
    cast = build_cast(due_on=SWEEP_DAY)
    with_emails(cast)
    expected = {EMAILS[u.username] for u in (cast.lead, cast.head, cast.supporting, cast.office,
                                             cast.director, cast.outsider)
                if any(i.recipient_id == u.pk for i in due_items(SWEEP_DAY))}
    assert {EMAILS["lead"], EMAILS["supporting"]} <= expected  # due today; material missing
    assert EMAILS["outsider"] not in expected
    worker = start_worker(worker_env(broker_url=broker.url, smtp_port=smtp.port))

    sweep = trigger(beat_entry("duban: daily reminder sweep"), on_date=SWEEP_DAY.isoformat())
    wait_until(lambda: set(smtp.recipients()) >= expected, 60, what=f"mail to {expected}")
    wait_until(lambda: worker.ran(sweep) and all_sent(), 60, what="the sweep's whole outbox")
    assert sorted(smtp.recipients()) == sorted(expected)  # one digest per person
    digest = next(m["email"] for m in smtp.messages if EMAILS["lead"] in m["to"])
    assert digest.is_multipart() and {p.get_content_type() for p in digest.walk()} >= {
        "text/plain", "text/html"}
    sent = OutboxMessage.objects.filter(state="sent").count()

    again = (trigger(beat_entry("duban: daily reminder sweep"), on_date=SWEEP_DAY.isoformat()),
             trigger(beat_entry("duban: outbox flush")))
    wait_until(lambda: worker.ran(*again) and all_sent(), 60, what="the second sweep")
    assert sorted(smtp.recipients()) == sorted(expected)  # the second sweep sent nothing
    assert OutboxMessage.objects.count() == sent


def test_a_worker_killed_mid_send_neither_loses_nor_repeats(broker, smtp, start_worker):
    cast = build_cast()
    with_emails(cast)
    env = worker_env(broker_url=broker.url, smtp_port=smtp.port, OUTBOX_LEASE_SECONDS=5,
                     EMAIL_TIMEOUT=60)
    smtp.stall_first_rcpt = 30  # the first conversation hangs after RCPT TO
    first = start_worker(env)
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    services.report_submit(report=report, by=cast.lead)
    services.report_return(report=report, by=cast.office, reason="请补充数据")  # → lead, head
    wait_until(lambda: smtp.rcpt_seen >= 1, 30, what="the worker to start sending")
    first.kill()
    messages = list(OutboxMessage.objects.order_by("pk"))
    assert sorted(m.to_email for m in messages) == [EMAILS["head"], EMAILS["lead"]]
    assert [m.state for m in messages].count("sending") == 1 and smtp.messages == []

    second = start_worker(env)
    # the dead worker's lease (5 s) expires, then a flush sends what it held
    flush_until(lambda: len(smtp.messages) >= 2 and all_sent(), 60,
                what="both messages after the restart")
    flush = trigger(beat_entry("duban: outbox flush"))
    wait_until(lambda: second.ran(flush), 30, what="one more flush")
    # each once: none lost, none repeated, each recognisable by its key's Message-ID
    assert sorted(smtp.recipients()) == [EMAILS["head"], EMAILS["lead"]]
    assert sorted(smtp.message_ids()) == sorted(message_id_for(m.key) for m in messages)
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"sent"}


def test_mail_queued_while_redis_is_down_goes_out_when_it_is_back(broker, smtp,
                                                                   start_worker):
    cast = build_cast()
    with_emails(cast)
    start_worker(worker_env(broker_url=broker.url, smtp_port=smtp.port))
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    services.report_submit(report=report, by=cast.lead)
    broker.stop()
    services.report_return(report=report, by=cast.office, reason="请补充数据")  # still works
    report.refresh_from_db()
    assert report.state == "returned"
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"pending"}

    broker.start()  # same port; the worker reconnects and takes the flush waiting there
    trigger(beat_entry("duban: outbox flush"))
    wait_until(lambda: len(smtp.messages) >= 2, 60, what="the queued mail once Redis is back")
    assert sorted(smtp.recipients()) == [EMAILS["head"], EMAILS["lead"]]


def test_a_failing_smtp_server_is_retried_then_marked_failed(broker, smtp, start_worker,
                                                             client):
    cast = build_cast()
    with_emails(cast)
    smtp.refuse_forever = True
    start_worker(worker_env(broker_url=broker.url, smtp_port=smtp.port,
                            OUTBOX_MAX_ATTEMPTS=2, OUTBOX_RETRY_BASE_SECONDS=1))
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    services.report_submit(report=report, by=cast.lead)
    services.report_return(report=report, by=cast.office, reason="请补充数据")
    message = OutboxMessage.objects.get(recipient=cast.lead)
    wait_until(lambda: OutboxMessage.objects.get(pk=message.pk).attempts >= 1, 60,
               what="a first attempt")
    # once the backoff has passed, a flush makes the second and last attempt
    flush_until(lambda: OutboxMessage.objects.get(pk=message.pk).state == "failed", 60,
                what="the message to be marked failed")
    message.refresh_from_db()
    assert message.attempts == 2 and "451" in message.last_error
    assert smtp.messages == []
    client.force_login(cast.office)
    page = client.get("/notifications/failed/")
    assert page.status_code == 200 and EMAILS["lead"] in page.content.decode()


def test_a_sweep_lost_while_redis_was_down_runs_with_the_next_catch_up(broker, smtp,
                                                                       start_worker):
    """Beat marks the 09:00 entry as run before publishing it: with Redis down then, nothing
    arrives. The first 5-minute catch-up after Redis is back runs the day's sweep, once."""
    today = timezone.localdate()
    SweepRun.objects.filter(day=today).delete()
    cast = build_cast(due_on=today)
    with_emails(cast)
    expected = {EMAILS[u.username] for u in (cast.lead, cast.head, cast.supporting, cast.office,
                                             cast.director, cast.outsider)
                if any(i.recipient_id == u.pk for i in due_items(today))}
    assert EMAILS["lead"] in expected
    midnight, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="0", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Asia/Shanghai")  # the sweep's time has passed today, whatever the hour
    sweep = beat_entry("duban: daily reminder sweep")
    PeriodicTask.objects.filter(pk=sweep.pk).update(crontab=midnight)
    worker = start_worker(worker_env(broker_url=broker.url, smtp_port=smtp.port))

    trigger(beat_entry("duban: reminder sweep catch-up"))
    wait_until(lambda: set(smtp.recipients()) >= expected, 60, what="the late sweep's mail")
    run = wait_until(lambda: SweepRun.objects.filter(day=today).exclude(finished_at=None).first(),
                     30, what="the sweep to record its end")
    assert run.digests == len(expected)
    again = (trigger(beat_entry("duban: reminder sweep catch-up")),
             trigger(beat_entry("duban: outbox flush")))
    wait_until(lambda: worker.ran(*again) and all_sent(), 60, what="the second catch-up")
    assert sorted(smtp.recipients()) == sorted(expected)  # one sweep, one digest each
