"""The email outbox: queued with the event, sent once, retried, capped, swept into digests.

No real broker or SMTP server here (tests/e2e/ has those): Celery's publish is replaced by a
recorder, and Django's test runner gives the locmem email backend (mail.outbox).
"""
from __future__ import annotations

import smtplib
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from kombu.exceptions import OperationalError

from notifications import outbox
from notifications.models import OutboxItem, OutboxMessage
from notifications.outbox import message_enqueue, message_id_for, outbox_flush
from notifications.tasks import flush_outbox
from tests.cast import build_cast
from workflow import reminders, services
from workflow.reminders import ReminderItem
from workflow.sweep import reminders_sweep

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

State = OutboxMessage.State
DAY = date(2027, 1, 11)
REAL_DELAY = flush_outbox.delay


@pytest.fixture(autouse=True)
def published(monkeypatch):
    """Every flush_outbox.delay() is recorded instead of reaching a broker."""
    calls = []
    monkeypatch.setattr(flush_outbox, "delay", lambda *a, **kw: calls.append((a, kw)))
    return calls


@pytest.fixture(autouse=True)
def outbox_settings(settings):
    settings.SITE_URL = "https://duban.example.gov.cn"
    settings.OUTBOX_DAILY_CAP = 3
    settings.OUTBOX_MAX_ATTEMPTS = 6
    settings.OUTBOX_LEASE_SECONDS = 300
    settings.OUTBOX_RETRY_BASE_SECONDS = 60


def person(username: str, email: str = "") -> User:
    return User.objects.create_user(username, email=email or f"{username}@example.gov.cn")


def enqueue(user, key="k1", template="instruction", **context):
    context = {"task_title": "推进知识产权强市建设", "plan_title": "试点城市工作方案",
               "agency_name": "市农业农村局", "by_name": "张三", "text": "请加快进度",
               "url": "/tasks/1/", **context}
    return message_enqueue(recipient=user, key=key, template=template, context=context)


def due_now(**filters):
    """Let time pass: make the messages due again."""
    OutboxMessage.objects.filter(**filters).update(next_attempt_at=timezone.now())


# ---- enqueue ----------------------------------------------------------------------------------

def test_enqueueing_a_key_twice_keeps_one_row():
    user = person("lead")
    assert enqueue(user) is not None
    assert enqueue(user) is None
    assert OutboxMessage.objects.count() == 1


def test_a_rolled_back_event_leaves_no_email(published, django_capture_on_commit_callbacks):
    user = person("lead")
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue(user)
            raise RuntimeError("the event failed")
    assert not OutboxMessage.objects.exists()
    assert published == []


def test_it_asks_for_a_flush_after_commit(published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(person("lead"))
        assert published == []  # not before the commit
    assert len(published) == 1


def test_people_without_an_email_address_get_no_row():
    user = User.objects.create_user("noemail")
    assert enqueue(user) is None
    assert not OutboxMessage.objects.exists()


def test_the_email_is_rendered_from_templates_with_links():
    message = enqueue(person("lead"))
    assert "推进知识产权强市建设" in message.subject and "\n" not in message.subject
    assert "https://duban.example.gov.cn/tasks/1/" in message.body_text
    assert 'href="https://duban.example.gov.cn/tasks/1/"' in message.body_html
    assert "请加快进度" in message.body_text and "请加快进度" in message.body_html
    assert message.message_id == message_id_for("k1")
    assert message.priority == OutboxMessage.Priority.NORMAL


# ---- flush ------------------------------------------------------------------------------------

def test_the_flush_sends_text_and_html_with_a_message_id_from_the_key():
    key = "instruction|workflow.instruction:7|3"
    enqueue(person("lead"), key=key)
    counts = outbox_flush()
    assert counts["sent"] == 1
    [sent] = mail.outbox
    assert sent.to == ["lead@example.gov.cn"]
    assert sent.extra_headers["Message-ID"] == sent.message()["Message-ID"] == message_id_for(key)
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "请加快进度" in sent.body
    [(html, mimetype)] = sent.alternatives
    assert mimetype == "text/html" and "<blockquote" in html
    row = OutboxMessage.objects.get()
    assert row.state == State.SENT and row.sent_at is not None and row.attempts == 1


def test_the_message_id_is_stable_and_differs_per_key():
    assert message_id_for("a") == message_id_for("a") != message_id_for("b")
    assert message_id_for("a").startswith("<") and message_id_for("a").endswith("@duban>")


def test_a_second_flush_sends_nothing():
    enqueue(person("lead"))
    outbox_flush()
    assert outbox_flush()["sent"] == 0
    assert len(mail.outbox) == 1


def test_a_live_claim_is_left_alone_and_an_expired_one_is_taken():
    enqueue(person("lead"))
    later = timezone.now() + timedelta(minutes=4)
    OutboxMessage.objects.update(state=State.SENDING, lease_until=later, attempts=1)
    assert outbox_flush()["sent"] == 0  # another worker holds it
    assert mail.outbox == []
    OutboxMessage.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    assert outbox_flush()["sent"] == 1  # that worker died: its lease ran out
    row = OutboxMessage.objects.get()
    assert row.state == State.SENT and row.attempts == 2


def test_only_one_of_two_claims_wins():
    message = enqueue(person("lead"))
    assert outbox._claim(message.pk) is not None
    assert outbox._claim(message.pk) is None


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.gov.cn": (550, b"no such user")})


def test_a_failing_server_is_retried_with_backoff_then_failed(settings):
    settings.EMAIL_BACKEND = "tests.test_outbox.BrokenBackend"
    enqueue(person("lead"))
    before = timezone.now()
    assert outbox_flush()["retried"] == 1
    row = OutboxMessage.objects.get()
    assert row.state == State.PENDING and row.attempts == 1
    assert "SMTPServerDisconnected" in row.last_error
    assert before + timedelta(minutes=2) <= row.next_attempt_at <= timezone.now() + timedelta(
        minutes=2)
    assert outbox_flush()["sent"] == 0  # not due yet
    waits = []
    for _attempt in range(2, 7):
        due_now()
        start = timezone.now()
        outbox_flush()
        row.refresh_from_db()
        waits.append(row.next_attempt_at - start)
    assert row.state == State.FAILED and row.attempts == 6
    assert [round(w.total_seconds() / 60) for w in waits[:4]] == [4, 8, 16, 32]
    due_now()
    assert outbox_flush() == {"sent": 0, "retried": 0, "failed": 0, "deferred": 0, "taken": 0}


def test_backoff_is_capped_at_six_hours(settings):
    settings.EMAIL_BACKEND = "tests.test_outbox.BrokenBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 20
    enqueue(person("lead"))
    OutboxMessage.objects.update(attempts=11)
    outbox_flush()
    row = OutboxMessage.objects.get()
    assert row.next_attempt_at - timezone.now() <= timedelta(hours=6)
    assert row.next_attempt_at - timezone.now() > timedelta(hours=5, minutes=59)


def test_a_refused_address_fails_at_once(settings):
    settings.EMAIL_BACKEND = "tests.test_outbox.RefusingBackend"
    enqueue(person("lead"))
    assert outbox_flush()["failed"] == 1
    assert OutboxMessage.objects.get().state == State.FAILED


# ---- the daily cap ----------------------------------------------------------------------------

def test_the_daily_cap_defers_the_fourth_digest_but_not_an_escalation():
    user = person("lead")
    for n in range(3):
        enqueue(user, key=f"digest|{user.pk}|{n}", template="digest", items=[
            {"text": f"第{n}项", "link": "", "kind_label": ""}], total=1, recipient_name="lead")
    assert outbox_flush()["sent"] == 3
    enqueue(user, key=f"digest|{user.pk}|4", template="digest",
            items=[{"text": "第4项", "link": "", "kind_label": ""}], total=1,
            recipient_name="lead")
    enqueue(user, key=f"escalation|9|{user.pk}", template="escalation", kind_label="督办")
    counts = outbox_flush()
    assert counts["sent"] == 1 and counts["deferred"] == 1
    escalation = OutboxMessage.objects.get(kind="escalation")
    assert escalation.state == State.SENT and escalation.priority == OutboxMessage.Priority.URGENT
    held = OutboxMessage.objects.get(key=f"digest|{user.pk}|4")
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert held.state == State.PENDING and held.attempts == 0 and held.is_deferred
    assert held.next_attempt_at == timezone.make_aware(datetime.combine(tomorrow, time(8)))
    assert len(mail.outbox) == 4
    # the next morning it goes out: yesterday's mail does not count
    OutboxMessage.objects.filter(state=State.SENT).update(
        sent_at=timezone.now() - timedelta(days=1))
    due_now(pk=held.pk)
    assert outbox_flush()["sent"] == 1


# ---- the sweep --------------------------------------------------------------------------------

@pytest.fixture
def stub_reminders(monkeypatch):
    """workflow.reminders answering what the test says; escalations recorded."""
    state = {"items": [], "escalations": []}
    monkeypatch.setattr(reminders, "due_items", lambda on_date, work=None: list(state["items"]))
    monkeypatch.setattr(reminders, "DayWork", lambda on_date: None)

    def escalations_apply(on_date, dry_run=False, work=None):
        state["escalations"].append((on_date, dry_run))
        return []

    monkeypatch.setattr(reminders, "escalations_apply", escalations_apply)
    return state


def item(user, kind, obj, stage, urgency, text) -> ReminderItem:
    return ReminderItem(user.pk, kind, obj, 5, stage, urgency, text, f"/{obj.replace(':', '/')}/")


def test_the_sweep_sends_one_digest_per_person_most_urgent_first(stub_reminders):
    lead, head = person("lead"), person("head")
    stub_reminders["items"] = [
        item(lead, "report", "task:1", "before-3", 10, "任务一 due soon"),
        item(lead, "returned", "task:2", "returned#1", 60, "任务二 returned"),
        item(lead, "report", "task:3", "overdue-1", 40, "任务三 overdue"),
        item(head, "signoff", "task:1", "due", 30, "任务一 sign-off"),
    ]
    result = reminders_sweep(DAY)
    assert stub_reminders["escalations"] == [(DAY, False)]
    assert result.messages_created == 2
    assert OutboxMessage.objects.filter(kind="digest").count() == 2
    digest = OutboxMessage.objects.get(recipient=lead)
    text = digest.body_text
    assert text.index("任务二") < text.index("任务三") < text.index("任务一")
    assert "https://duban.example.gov.cn/task/2/" in text
    assert 'href="https://duban.example.gov.cn/task/2/"' in digest.body_html
    assert set(OutboxItem.objects.filter(message=digest).values_list("key", flat=True)) == {
        i.key for i in stub_reminders["items"][:3]}
    outbox_flush()
    assert sorted(m.to[0] for m in mail.outbox) == ["head@example.gov.cn", "lead@example.gov.cn"]


def test_a_second_sweep_creates_nothing(stub_reminders):
    lead = person("lead")
    stub_reminders["items"] = [item(lead, "report", "task:1", "due", 30, "任务一 due")]
    reminders_sweep(DAY)
    again = reminders_sweep(DAY)
    assert again.messages_created == 0 and again.already_sent == 1
    assert OutboxMessage.objects.count() == 1 and OutboxItem.objects.count() == 1
    # a new stage of the same task is a new item: a new digest with only it
    stub_reminders["items"].append(item(lead, "report", "task:1", "overdue-1", 40, "任务一 late"))
    third = reminders_sweep(DAY + timedelta(days=1))
    assert third.messages_created == 1 and [i.stage for i in third.digests[0].items] == [
        "overdue-1"]


def test_the_sweep_asks_for_one_flush(stub_reminders, published,
                                      django_capture_on_commit_callbacks):
    stub_reminders["items"] = [item(person(n), "report", "task:1", "due", 30, "任务一")
                               for n in ("a", "b", "c")]
    with django_capture_on_commit_callbacks(execute=True):
        reminders_sweep(DAY)
    assert len(published) == 1


def test_an_escalation_item_makes_the_digest_urgent(stub_reminders):
    lead = person("lead")
    stub_reminders["items"] = [item(lead, "escalation", "task:1", "tier-2", 72, "督办")]
    reminders_sweep(DAY)
    assert OutboxMessage.objects.get().priority == OutboxMessage.Priority.URGENT


def test_a_dry_run_writes_nothing(stub_reminders):
    lead = person("lead")
    stub_reminders["items"] = [item(lead, "report", "task:1", "due", 30, "任务一 due")]
    result = reminders_sweep(DAY, dry_run=True)
    assert stub_reminders["escalations"] == [(DAY, True)]
    assert [(d.recipient, [i.text for i in d.items]) for d in result.digests] == [
        (lead, ["任务一 due"])]
    assert not OutboxMessage.objects.exists() and not OutboxItem.objects.exists()


def test_people_without_email_are_listed_not_queued(stub_reminders):
    nobody = User.objects.create_user("nobody")
    stub_reminders["items"] = [item(nobody, "report", "task:1", "due", 30, "任务一 due")]
    result = reminders_sweep(DAY)
    assert [d.recipient for d in result.without_email] == [nobody]
    assert not OutboxMessage.objects.exists() and not OutboxItem.objects.exists()


# ---- the command ------------------------------------------------------------------------------

def test_send_reminders_dry_run_names_the_recipients(stub_reminders, capsys):
    lead = person("lead")
    nobody = User.objects.create_user("nobody")
    stub_reminders["items"] = [item(lead, "report", "task:1", "overdue-1", 40, "任务一 late"),
                               item(nobody, "report", "task:1", "due", 30, "任务一 due")]
    call_command("send_reminders", "--date", "2027-01-11", "--dry-run")
    out = capsys.readouterr().out
    assert "lead <lead@example.gov.cn>: 1 item(s)" in out
    assert "nobody <no email>" in out
    assert "[overdue-1] 任务一 late" in out
    assert stub_reminders["escalations"] == [(DAY, True)]
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_send_reminders_sweeps_and_sends(stub_reminders, capsys):
    lead = person("lead")
    stub_reminders["items"] = [item(lead, "report", "task:1", "due", 30, "任务一 due")]
    call_command("send_reminders", "--date", "2027-01-11")
    assert len(mail.outbox) == 1 and "sent 1" in capsys.readouterr().out
    call_command("send_reminders", "--date", "2027-01-11")
    assert len(mail.outbox) == 1


def test_send_reminders_rejects_a_bad_date(stub_reminders):
    with pytest.raises(CommandError, match="2027-13-01"):
        call_command("send_reminders", "--date", "2027-13-01")


# ---- the workflow's notices -------------------------------------------------------------------

def _with_emails(cast):
    for user in (cast.lead, cast.head, cast.supporting):
        user.email = f"{user.username}@example.gov.cn"
        user.save()


def _returned_report(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "已完成调研"})
    services.report_submit(report=report, by=cast.lead)
    return report


def test_returning_a_report_emails_the_lead_agency_once_per_return():
    cast = build_cast()
    _with_emails(cast)
    report = _returned_report(cast)
    services.report_return(report=report, by=cast.office, reason="数据不完整")
    rows = OutboxMessage.objects.filter(kind="report_returned")
    assert sorted(r.to_email for r in rows) == ["head@example.gov.cn", "lead@example.gov.cn"]
    assert all("数据不完整" in r.body_text for r in rows)
    report.refresh_from_db()
    services.report_submit(report=report, by=cast.lead)
    services.report_return(report=report, by=cast.office, reason="仍不完整")
    assert OutboxMessage.objects.filter(kind="report_returned").count() == 4  # a second event


def test_an_instruction_emails_every_agency_of_the_task():
    cast = build_cast()
    _with_emails(cast)
    services.instruction_create(task=cast.task, by=cast.leader, text="请加快进度")
    recipients = set(OutboxMessage.objects.filter(kind="instruction")
                     .values_list("to_email", flat=True))
    assert {"lead@example.gov.cn", "head@example.gov.cn",
            "supporting@example.gov.cn"} <= recipients
    assert "请加快进度" in OutboxMessage.objects.filter(kind="instruction").first().body_text


def test_a_broker_that_is_down_leaves_the_row_pending(monkeypatch, caplog,
                                                      django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    monkeypatch.setattr(flush_outbox, "delay", down)
    cast = build_cast()
    _with_emails(cast)
    report = _returned_report(cast)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(report=report, by=cast.office, reason="数据不完整")
    report.refresh_from_db()
    assert report.state == report.State.RETURNED
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {State.PENDING}
    assert "broker unreachable" in caplog.text
    assert outbox_flush()["sent"] == 2  # the periodic flush sends them later


@pytest.fixture
def unreachable_broker(monkeypatch):
    """This process's Celery pointed at a port where nothing listens, not eager."""
    from config.celery import app

    saved = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    monkeypatch.setattr(flush_outbox, "delay", REAL_DELAY)  # the real one, not the recorder
    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)
    # Both connection pools are cached on first use; start afresh, and put them back after.
    pools = app._pool, app.amqp._producer_pool
    app._pool = app.amqp._producer_pool = None
    yield
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool, app.amqp._producer_pool = pools
    app.conf.update(**saved)


def test_a_real_unreachable_broker_does_not_fail_the_caller(unreachable_broker, caplog,
                                                            django_capture_on_commit_callbacks):
    user = person("lead")
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(user)
    message.refresh_from_db()
    assert message.state == State.PENDING
    assert "Connection refused" in caplog.text  # it did try the broker, and said so


# ---- the office's page, the admin, the beat ---------------------------------------------------

def test_the_failed_page_is_for_the_office_only(client):
    cast = build_cast()
    _with_emails(cast)
    enqueue(cast.lead, key="failed-one")
    enqueue(person("stranger"), key="not-ours")
    OutboxMessage.objects.update(state=State.FAILED, last_error="SMTPRecipientsRefused")
    url = reverse("workflow:failed-emails")
    client.force_login(cast.outsider)
    assert client.get(url).status_code == 403
    client.force_login(cast.lead)
    assert client.get(url).status_code == 403
    client.force_login(cast.office)
    page = client.get(url)
    assert page.status_code == 200
    assert [m.key for m in page.context["outbox"]] == ["failed-one"]
    assert "lead@example.gov.cn" in page.content.decode()
    client.logout()
    assert client.get(url).status_code == 302


def test_retry_now_in_the_admin_sends_a_failed_message_again(client):
    admin = User.objects.create_superuser("admin", password="x")
    message = enqueue(person("lead"))
    OutboxMessage.objects.update(state=State.FAILED, attempts=6, last_error="boom")
    client.force_login(admin)
    changelist = reverse("admin:notifications_outboxmessage_changelist")
    assert client.get(changelist).status_code == 200
    assert client.get(reverse("admin:notifications_outboxmessage_change",
                              args=[message.pk])).status_code == 200
    client.post(changelist, {"action": "retry_now", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.state == State.PENDING and message.attempts == 0
    assert outbox_flush()["sent"] == 1


def _beat_entries_migrated():
    """The entries are rows two migrations wrote. A transactional test run earlier on the same
    worker empties every table (its flush reruns no data migration): then replay what the two
    migrations run, which is what is checked."""
    import importlib

    from django.apps import apps

    if not PeriodicTask.objects.filter(name__startswith="duban: ").exists():
        for module in ("notifications.migrations.0003_beat_schedule",
                       "workflow.migrations.0005_beat_schedule"):
            importlib.import_module(module).create_entries(apps, None)


def test_the_beat_entries_are_in_the_database():
    _beat_entries_migrated()
    sweep = PeriodicTask.objects.get(name="duban: daily reminder sweep")
    assert sweep.task == "workflow.tasks.sweep_reminders"
    assert (sweep.crontab.hour, sweep.crontab.minute) == ("9", "0")
    assert str(sweep.crontab.timezone) == "Asia/Shanghai"
    flush = PeriodicTask.objects.get(name="duban: outbox flush")
    assert flush.task == "notifications.tasks.flush_outbox"
    assert (flush.interval.every, flush.interval.period) == (5, "minutes")
    catch_up = PeriodicTask.objects.get(name="duban: reminder sweep catch-up")
    assert catch_up.task == "workflow.tasks.sweep_catch_up"
    assert (catch_up.interval.every, catch_up.expire_seconds) == (5, 300)
    from config.celery import app

    app.loader.import_default_modules()
    for entry in (sweep, flush, catch_up):
        assert entry.task in app.tasks  # each entry names a task the worker knows

def test_the_tasks_run_the_sweep_and_the_flush(stub_reminders):
    from workflow.tasks import sweep_reminders

    lead = person("lead")
    stub_reminders["items"] = [item(lead, "report", "task:1", "due", 30, "任务一 due")]
    summary = sweep_reminders.apply(kwargs={"on_date": "2027-01-11"}).get()
    assert summary["messages"] == 1
    assert flush_outbox.apply().get()["sent"] == 1


@pytest.mark.parametrize("template", ["instruction", "report_returned", "task_assigned",
                                      "extension", "slip"])
def test_a_subject_is_plain_text_not_html_escaped(template):
    """A subject is a header, not HTML: "&" and quotes stay as typed (issue 10); the HTML body
    still escapes them."""
    title = "关于“A&B”<规划>的'任务'"
    subject, text, html = outbox.email_render(template, {
        "task_title": title, "plan_title": "P", "agency_name": "某局", "by_name": "某人",
        "link": "/x", "url": "/x", "text": "t", "reason": "r", "period_label": "第4季度"})
    assert title in subject and "&amp;" not in subject and "&#x27;" not in subject
    assert "&lt;规划&gt;" in html
