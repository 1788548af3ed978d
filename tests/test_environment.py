"""The services the suite runs against. In CI (CI=true, set by .ci/run) they must be the real
ones: PostgreSQL behind DATABASE_URL and Redis behind REDIS_URL; a missing one fails the run."""

import os

import pytest
import redis
from django.conf import settings
from django.db import connection

IN_CI = os.environ.get("CI") == "true"


@pytest.mark.skipif(not IN_CI, reason="CI is not 'true': the suite may run on SQLite")
@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    assert connection.vendor == "postgresql", (
        f"CI ran the suite on {connection.vendor}: set DATABASE_URL to a PostgreSQL database"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
    assert version.startswith("PostgreSQL")


def test_redis_answers_ping_at_redis_url():
    if not settings.REDIS_URL:
        if IN_CI:
            pytest.fail("CI=true but REDIS_URL is not set")
        pytest.skip("REDIS_URL is not set: Celery runs eagerly, no Redis needed")
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3, socket_timeout=3)
    try:
        assert client.ping() is True
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis at REDIS_URL does not answer PING: {exc}")
    finally:
        client.close()
