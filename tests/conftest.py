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


@pytest.fixture
def english():
    """Tests about what was read, not how it is worded, pin the language (the UI is zh-hans)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
