"""/healthz (config/health.py): 200 when the database, Redis, beat and the outbox are all right,
503 when one is down or stale; no login, no details. Nothing shared is stopped: Redis "down" is
a closed port, the database "down" a closed port, beat and the outbox "stale" a moved clock.
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config import health
from notifications.models import OutboxMessage
from tests.e2e.conftest import RedisServer, free_port

pytestmark = pytest.mark.django_db

State = OutboxMessage.State


@pytest.fixture
def redis_up(settings):
    """REDIS_URL at a redis-server of this test's own, on a spare port."""
    if not shutil.which("redis-server"):
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port())
    server.start()
    settings.REDIS_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def redis_closed(settings):
    """REDIS_URL at a port nothing listens on."""
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    return settings.REDIS_URL


@pytest.fixture
def flush_entry():
    """The beat entry /healthz reads, as the migration creates it, just run."""
    every_5, _ = IntervalSchedule.objects.get_or_create(every=5, period="minutes")
    entry, _ = PeriodicTask.objects.update_or_create(name=health.BEAT_ENTRY, defaults={
        "task": "notifications.tasks.flush_outbox", "interval": every_5, "enabled": True,
        "last_run_at": timezone.now(),
    })
    return entry


def email(*, state=State.PENDING, key="k1", **fields) -> OutboxMessage:
    user, _ = User.objects.get_or_create(username="clerk", email="clerk@example.gov.cn")
    return OutboxMessage.objects.create(
        key=key, recipient=user, to_email=user.email, kind="digest", subject="督办提醒",
        body_text="…", message_id=f"<{key}@duban>", state=state, **fields)


def healthz(client, **headers):
    response = client.get("/healthz", **headers)
    return response, response.json()


def statuses(body) -> dict:
    return {name: check["status"] for name, check in body["checks"].items()}


# ---- all well ----------------------------------------------------------------------------------

def test_it_answers_200_when_every_check_passes(client, redis_up, flush_entry):
    response, body = healthz(client)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert body["status"] == "ok"
    assert statuses(body) == {"database": "ok", "redis": "ok", "beat": "ok", "outbox": "ok"}
    assert 0 <= body["checks"]["beat"]["age_seconds"] < 60
    assert body["checks"]["outbox"]["age_seconds"] is None  # nothing due


def test_without_redis_there_is_no_broker_and_no_beat_to_check(client, settings):
    settings.REDIS_URL = ""

    response, body = healthz(client)

    assert response.status_code == 200
    assert statuses(body) == {
        "database": "ok", "redis": "skipped", "beat": "skipped", "outbox": "ok"}


def test_it_needs_no_login_and_answers_any_host(client, settings):
    settings.REDIS_URL = ""
    settings.ALLOWED_HOSTS = ["duban.example.gov.cn"]

    response, _ = healthz(client, HTTP_HOST="10.0.0.5:8000")  # docker's check, a load balancer

    assert response.status_code == 200
    # Every other page still refuses a host that is not allowed.
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.5:8000").status_code == 400


def test_it_rejects_post(client, settings):
    settings.REDIS_URL = ""

    assert client.post("/healthz").status_code == 405


def test_it_takes_three_queries(client, redis_up, flush_entry,
                                django_assert_num_queries):
    with django_assert_num_queries(3):  # SELECT 1, the beat entry, the outbox's oldest due
        response, _ = healthz(client)
    assert response.status_code == 200


# ---- Redis -------------------------------------------------------------------------------------

def test_it_fails_when_redis_is_down(client, redis_closed, flush_entry):
    response, body = healthz(client)

    assert response.status_code == 503
    assert body["status"] == "fail"
    assert statuses(body) == {"database": "ok", "redis": "down", "beat": "ok", "outbox": "ok"}


def test_the_answer_tells_nothing_of_the_failure(client, redis_closed, flush_entry):
    response, body = healthz(client)

    text = response.content.decode()
    port = redis_closed.rsplit(":", 1)[1].split("/")[0]
    assert port not in text and "127.0.0.1" not in text and "refused" not in text.lower()
    assert set(body) == {"status", "checks"}
    assert body["checks"]["redis"] == {"status": "down"}


# ---- the database ------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_it_fails_when_the_database_is_down(client, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("an in-memory SQLite test database cannot be disconnected (CI: PostgreSQL)")
    settings.REDIS_URL = ""
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connection.settings_dict, "PORT", str(free_port()))
    try:
        response, body = healthz(client)
    finally:
        connection.close()

    assert response.status_code == 503
    assert statuses(body) == {
        "database": "down", "redis": "skipped", "beat": "skipped", "outbox": "down"}
    assert "port" not in response.content.decode().lower()


# ---- beat --------------------------------------------------------------------------------------

def test_beat_is_stale_once_the_flush_has_not_run_for_15_minutes(
        client, redis_up, flush_entry, time_machine):
    ran = flush_entry.last_run_at

    time_machine.move_to(ran + timedelta(minutes=14), tick=False)
    response, body = healthz(client)
    assert response.status_code == 200
    assert body["checks"]["beat"] == {"status": "ok", "age_seconds": 14 * 60}

    time_machine.move_to(ran + timedelta(minutes=16), tick=False)
    response, body = healthz(client)
    assert response.status_code == 503
    assert body["checks"]["beat"] == {"status": "stale", "age_seconds": 16 * 60}
    assert statuses(body)["redis"] == "ok"


def test_the_stale_age_is_a_setting(client, redis_up, flush_entry, settings, time_machine):
    settings.HEALTH_BEAT_STALE_SECONDS = 60
    time_machine.move_to(flush_entry.last_run_at + timedelta(minutes=2), tick=False)

    assert healthz(client)[1]["checks"]["beat"]["status"] == "stale"


def test_a_flush_entry_that_never_ran_counts_from_its_creation(
        client, redis_up, flush_entry, time_machine):
    PeriodicTask.objects.filter(pk=flush_entry.pk).update(last_run_at=None)
    created = PeriodicTask.objects.get(pk=flush_entry.pk).date_changed

    time_machine.move_to(created + timedelta(minutes=10), tick=False)
    assert healthz(client)[1]["checks"]["beat"]["status"] == "ok"
    time_machine.move_to(created + timedelta(minutes=20), tick=False)
    assert healthz(client)[1]["checks"]["beat"]["status"] == "stale"


def test_a_disabled_or_deleted_flush_entry_is_stale(client, redis_up, flush_entry):
    PeriodicTask.objects.filter(pk=flush_entry.pk).update(enabled=False)
    response, body = healthz(client)
    assert response.status_code == 503
    assert body["checks"]["beat"] == {"status": "stale", "age_seconds": None}

    PeriodicTask.objects.filter(pk=flush_entry.pk).delete()
    assert healthz(client)[1]["checks"]["beat"]["status"] == "stale"


def test_the_entry_checked_is_the_one_the_migration_creates():
    migration = importlib.import_module("notifications.migrations.0003_beat_schedule")

    assert migration.FLUSH == health.BEAT_ENTRY


def test_the_beat_containers_check_exits_0_when_fresh_and_1_when_stale(
        redis_up, flush_entry, time_machine, capsys):
    assert health.main(["beat"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "ok"

    time_machine.move_to(flush_entry.last_run_at + timedelta(minutes=16), tick=False)
    assert health.main(["beat"]) == 1
    assert json.loads(capsys.readouterr().out)["status"] == "stale"


# ---- the outbox --------------------------------------------------------------------------------

def test_the_outbox_is_stale_once_an_email_is_due_for_30_minutes(
        client, redis_up, flush_entry, time_machine):
    due = timezone.now()
    email(next_attempt_at=due)
    PeriodicTask.objects.filter(pk=flush_entry.pk).update(last_run_at=due + timedelta(hours=1))

    time_machine.move_to(due + timedelta(minutes=29), tick=False)
    response, body = healthz(client)
    assert response.status_code == 200
    assert body["checks"]["outbox"] == {"status": "ok", "age_seconds": 29 * 60}

    time_machine.move_to(due + timedelta(minutes=31), tick=False)
    response, body = healthz(client)
    assert response.status_code == 503
    assert body["checks"]["outbox"] == {"status": "stale", "age_seconds": 31 * 60}
    assert statuses(body) == {"database": "ok", "redis": "ok", "beat": "ok", "outbox": "stale"}


def test_an_email_waiting_for_a_retry_or_for_tomorrow_is_not_late(client, settings):
    settings.REDIS_URL = ""
    now = timezone.now()
    email(key="retry", next_attempt_at=now + timedelta(hours=2), attempts=3)
    email(key="tomorrow", next_attempt_at=now + timedelta(hours=20))
    OutboxMessage.objects.update(created_at=now - timedelta(days=2))

    response, body = healthz(client)

    assert response.status_code == 200
    assert body["checks"]["outbox"] == {"status": "ok", "age_seconds": None}


def test_a_claim_whose_lease_expired_long_ago_is_late(client, settings):
    settings.REDIS_URL = ""
    now = timezone.now()
    email(state=State.SENDING, next_attempt_at=now - timedelta(hours=1),
          lease_until=now - timedelta(minutes=40))

    response, body = healthz(client)

    assert response.status_code == 503
    assert body["checks"]["outbox"] == {"status": "stale", "age_seconds": 40 * 60}


def test_sent_and_failed_emails_are_not_late(client, settings):
    settings.REDIS_URL = ""
    long_ago = timezone.now() - timedelta(days=3)
    email(key="sent", state=State.SENT, next_attempt_at=long_ago, sent_at=long_ago)
    email(key="failed", state=State.FAILED, next_attempt_at=long_ago)
    email(key="live-claim", state=State.SENDING, next_attempt_at=long_ago,
          lease_until=timezone.now() + timedelta(minutes=4))

    response, body = healthz(client)

    assert response.status_code == 200
    assert body["checks"]["outbox"]["age_seconds"] is None
