"""Thirty wrong passwords for one admin account at once (issue 10: all were accepted): the
lockout holds under concurrency, on PostgreSQL with one connection per request."""
import os
import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Correct-horse-2026"


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the concurrency tests on PostgreSQL")
        pytest.skip("real concurrent transactions need PostgreSQL (CI runs them)")


def test_thirty_parallel_wrong_admin_logins_lock_the_account_out(settings):
    User.objects.create_superuser("root", password=PASSWORD)
    url = reverse("admin:login")
    barrier = threading.Barrier(30)
    statuses = []

    def attempt():
        try:
            barrier.wait(timeout=20)
            response = Client().post(url, {"username": "root", "password": "wrong"})
            statuses.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(statuses) == 30 and set(statuses) <= {200, 429}, statuses
    # Counted one at a time (axes locks its row): the first LIMIT - 1 get the form again.
    assert statuses.count(200) == settings.AXES_FAILURE_LIMIT - 1, statuses
    # and the right password is refused now, from that address
    assert Client().post(url, {"username": "root", "password": PASSWORD}).status_code == 429
