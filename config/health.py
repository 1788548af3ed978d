"""/healthz: is this installation doing its work? For docker-compose and the IT department's
monitoring; no login, nothing secret in the answer.

Checks, each "ok", "down", "stale" or "skipped" (a few queries and one Redis PING in all):

- database: a query answers.
- redis: PING answers at REDIS_URL (skipped without REDIS_URL: tasks run in-process).
- beat: the beat entry "duban: outbox flush" (every 5 minutes) ran within
  HEALTH_BEAT_STALE_SECONDS — beat stopped, or the entry was disabled or deleted in the admin,
  makes it stale. Read from django_celery_beat's table, where beat records each run (it writes
  them back every 3 minutes). Skipped without REDIS_URL: there is no beat then.
- outbox: no email has been due and unsent for longer than HEALTH_OUTBOX_STALE_SECONDS. Due means
  pending with its next attempt time passed, or claimed by a worker whose lease expired; an email
  waiting for a retry or for tomorrow's daily allowance is not late.

The answer is 200 when every check is "ok" or "skipped", else 503. What failed and why goes to
the log (logger duban.health), not into the answer.

`python -m config.health beat` runs the beat check alone and exits 0 or 1: the beat
container's health check.
"""
from __future__ import annotations

import json
import logging
import sys
from datetime import datetime

from django.conf import settings
from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils import timezone

logger = logging.getLogger("duban.health")

PATH = "/healthz"
# The beat entry checked: created by notifications/migrations/0003_beat_schedule.py (FLUSH).
BEAT_ENTRY = "duban: outbox flush"

OK, DOWN, STALE, SKIPPED = "ok", "down", "stale", "skipped"


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("health: the database does not answer", exc_info=True)
        return {"status": DOWN}
    return {"status": OK}


def check_redis() -> dict:
    if not settings.REDIS_URL:
        return {"status": SKIPPED}
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except Exception:
        logger.warning("health: Redis does not answer PING", exc_info=True)
        return {"status": DOWN}
    finally:
        client.close()
    return {"status": OK}


def _age(now: datetime, since: datetime | None) -> int | None:
    return None if since is None else max(0, int((now - since).total_seconds()))


def check_beat(now: datetime) -> dict:
    if not settings.REDIS_URL:
        return {"status": SKIPPED}
    from django_celery_beat.models import PeriodicTask

    row = (PeriodicTask.objects.filter(name=BEAT_ENTRY)
           .values_list("enabled", "last_run_at", "date_changed").first())
    if row is None or not row[0]:
        logger.warning("health: the beat entry %r is missing or disabled", BEAT_ENTRY)
        return {"status": STALE, "age_seconds": None}
    _enabled, last_run_at, date_changed = row
    # Never run yet: count from when the entry was created or last edited.
    age = _age(now, last_run_at or date_changed)
    if age > settings.HEALTH_BEAT_STALE_SECONDS:
        logger.warning("health: beat last ran %r %s s ago", BEAT_ENTRY, age)
        return {"status": STALE, "age_seconds": age}
    return {"status": OK, "age_seconds": age}


def check_outbox(now: datetime) -> dict:
    from django.db.models import Min, Q

    from notifications.models import OutboxMessage

    State = OutboxMessage.State
    # One query over the partial index notifications_outbox_due (pending or sending rows only).
    due = OutboxMessage.objects.filter(state__in=[State.PENDING, State.SENDING]).aggregate(
        pending=Min("next_attempt_at", filter=Q(state=State.PENDING, next_attempt_at__lte=now)),
        claimed=Min("lease_until", filter=Q(state=State.SENDING, lease_until__lte=now)),
    )
    oldest = min((t for t in due.values() if t is not None), default=None)
    age = _age(now, oldest)
    if age is not None and age > settings.HEALTH_OUTBOX_STALE_SECONDS:
        logger.warning("health: an email has been due for %s s and is not sent", age)
        return {"status": STALE, "age_seconds": age}
    return {"status": OK, "age_seconds": age}


def run_checks() -> dict:
    now = timezone.now()
    checks = {"database": check_database(), "redis": check_redis()}
    if checks["database"]["status"] == OK:
        for name, check in (("beat", check_beat), ("outbox", check_outbox)):
            try:
                checks[name] = check(now)
            except Exception:
                logger.warning("health: the %s check failed", name, exc_info=True)
                checks[name] = {"status": DOWN}
    else:
        checks["beat"] = {"status": DOWN} if settings.REDIS_URL else {"status": SKIPPED}
        checks["outbox"] = {"status": DOWN}
    return checks


def healthz(request):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    checks = run_checks()
    healthy = all(c["status"] in (OK, SKIPPED) for c in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "fail", "checks": checks},
                            status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


class HealthzMiddleware:
    """Answers /healthz before anything reads the Host header, so that docker's check
    (127.0.0.1) and a load balancer (the server's address) are not refused by ALLOWED_HOSTS.
    The answer builds no URL from the host, which is what ALLOWED_HOSTS protects."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == PATH:
            return healthz(request)
        return self.get_response(request)


def main(argv: list[str]) -> int:
    """`python -m config.health beat`: exit 0 if the beat check is ok, else 1."""
    if argv != ["beat"]:
        print("usage: python -m config.health beat", file=sys.stderr)
        return 2
    result = check_beat(timezone.now())
    print(json.dumps(result))
    return 0 if result["status"] == OK else 1


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    sys.exit(main(sys.argv[1:]))
