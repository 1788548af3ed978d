"""Shared test set-up. Nothing here fakes a service: with DATABASE_URL the suite runs on that
database (PostgreSQL in CI, see .ci/run), and code that needs Redis talks to REDIS_URL."""


import pytest
from django.utils import translation


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    broker = "Redis (REDIS_URL)" if settings.REDIS_URL else "none, Celery runs eagerly"
    return [f"duban: database {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}; broker: {broker}"]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Uploads and imported sources go to a temporary directory, not var/private."""
    location = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "base_url": None},
        },
    }
    return location


@pytest.fixture(autouse=True)
def cache_of_its_own(settings):
    """Each test counts its throttles afresh on the real cache (Redis with REDIS_URL) under a
    key prefix of its own: cache.clear() would flush the Redis database the broker uses too."""
    from uuid import uuid4

    prefix = f"test-{uuid4().hex[:12]}"
    settings.CACHES = {name: {**cache, "KEY_PREFIX": f"{prefix}-{name}"}
                       for name, cache in settings.CACHES.items()}


@pytest.fixture
def english():
    """Tests about what was read, not how it is worded, pin the language (the UI is zh-hans)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# ---- the clock ----------------------------------------------------------------------------
# `pytest --clock 2028-12-01` runs the suite as if it were that day (10:00 Asia/Shanghai, the
# clock ticking on from there). CI runs the tests marked `dates` under several clocks, so that a
# test mixing a fixed date with "now" fails in CI on the day it was written, not months later.
# time-machine moves the C-level clock: auto_now_add fields and timezone.now() both follow it.

def pytest_addoption(parser):
    parser.addoption("--clock", metavar="YYYY-MM-DD", default=None,
                     help="run the tests with the clock moved to this day, 10:00 Asia/Shanghai")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "dates: depends on the day it runs; CI runs it again under other clocks")
    day = config.getoption("--clock")
    if day:
        from datetime import date, datetime, time
        from zoneinfo import ZoneInfo

        import time_machine

        moment = datetime.combine(date.fromisoformat(day), time(10, 0),
                                  tzinfo=ZoneInfo("Asia/Shanghai"))
        config._duban_clock = time_machine.travel(moment, tick=True)
        config._duban_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "_duban_clock", None)
    if clock is not None:
        clock.stop()


def pytest_report_collectionfinish(config, start_path, items):
    if config.getoption("--clock"):
        from django.utils import timezone

        return [f"duban: clock moved to {timezone.localtime():%Y-%m-%d %H:%M %Z}"]
    return []


# ---- the working-day calendar ------------------------------------------------------------------
# lib.workdays puts the office's 法定节假日 and 调休 days (workflow.CalendarDay) before the
# package's table. Each test starts from none in memory: a test without the database sees no
# registered day at all; a test with it reads them from its database once, at its start (so
# the first page a test measures does not carry that query), and again only when the service
# changes them (no reload on a timer, which a moved clock could trigger).

@pytest.fixture(autouse=True)
def working_day_calendar(request):
    from lib import workdays
    from workflow.calendar import calendar_days_load

    source, ttl = workdays.extra_days_source()
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = (marker is not None and (marker.kwargs.get("transaction")
                                             or (marker.args and marker.args[0]))) \
        or bool(names & {"transactional_db", "live_server"})
    if marker is not None or names & {"db", "transactional_db", "live_server"}:
        request.getfixturevalue("transactional_db" if transactional else "db")
        workdays.use_extra_days(calendar_days_load, ttl=None)
        workdays.extra_days()
    else:
        workdays.use_extra_days(lambda: {}, ttl=None)
    yield
    workdays.use_extra_days(source, ttl=ttl)
