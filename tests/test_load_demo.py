"""`manage.py load_demo`: idempotent, and on first start the pages show real colours — a past
period with late, returned, verified and missing reports, a head whose agency signs off, an
office administrator who alone opens the admin, and emails linking to SITE_URL."""
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from agencies.models import Agency
from notifications.models import Notification, OutboxMessage
from supervision.assessment import period_facts
from supervision.bulletins import bulletin_files
from tasks.models import Plan
from workflow.management.commands.load_demo import DEMO_USERS, OFFICE, SIGNOFF_AGENCY
from workflow.models import Assignment, ProgressReport, ReportingPeriod

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
PASSWORDS = {username: password for username, password, *_ in DEMO_USERS}


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    return out.getvalue()


def counts() -> dict:
    return {model.__name__: model.objects.count() for model in (
        User, Plan, ReportingPeriod, Assignment, ProgressReport, StateLog, Notification,
        OutboxMessage)}


def logged_in(username: str) -> Client:
    """Through the login page, with the password load_demo prints."""
    client = Client()
    response = client.post(reverse("login"), {"username": username,
                                              "password": PASSWORDS[username]})
    assert response.status_code == 302, username
    return client


def test_load_demo_twice_changes_nothing_the_second_time(private_storage):
    printed = load_demo()
    first = counts()
    past = ReportingPeriod.objects.order_by("starts_on").first()
    assert first["ProgressReport"] > 10 and first["ReportingPeriod"] == 2
    bulletins = bulletin_files(past)
    assert len(bulletins) == 2
    printed_again = load_demo()
    assert counts() == first
    assert bulletin_files(past) == bulletins
    for username, password, *_ in DEMO_USERS:  # the accounts are printed, each time
        assert f"{username}" in printed_again and password in printed
    logged_in("office")  # the passwords are reset to the printed ones


def test_first_start_shows_red_yellow_green_and_a_history(private_storage, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    printed = load_demo()
    assert "http://127.0.0.1:8123/" in printed
    plan = Plan.objects.get()
    past, current = ReportingPeriod.objects.filter(plan=plan).order_by("starts_on")
    today = timezone.localdate()
    assert not past.is_closed and past.ends_on < current.starts_on and past.due_on < today

    office = logged_in("office")
    page = office.get(reverse("supervision:plan", args=[plan.pk])).content.decode()
    for light in ("red", "yellow", "green"):
        count = page.split(f'id="light-{light}">', 1)[1].split("<", 1)[0]
        assert int(count) > 0, light
    overdue = office.get(reverse("workflow:overdue", args=[plan.pk]))
    assert overdue.status_code == 200 and past.label in overdue.content.decode()

    reports = ProgressReport.objects.filter(period=past)
    states = {state: reports.filter(state=state).count() for state in
              ("submitted", "returned", "verified")}
    assert all(states.values()), states
    assert reports.filter(late=True).exists() and reports.filter(late=False).exists()
    # Every timestamp is of the days around the past period's due date, not of today.
    assert all(past.ends_on < timezone.localtime(r.submitted_at).date() < today
               for r in reports)

    facts, _periods = period_facts([plan.pk])
    market = facts[(Agency.objects.get(name=OFFICE).pk, past.pk)]
    assert market.late > 0 and market.returns > 0 and market.missing > 0
    assessment = office.get(reverse("supervision:assessment", args=[plan.pk]),
                            {"period": past.pk})
    assert f'id="agency-{Agency.objects.get(name=OFFICE).pk}"' in assessment.content.decode()
    assert len(bulletin_files(past)) == 2  # its bulletin, .xlsx and .docx
    bulletins = office.get(reverse("supervision:bulletins", args=[past.pk])).content.decode()
    assert ".docx" in bulletins

    # The head of the agency that signs off: one report waits in 待审签, and was told.
    assert Agency.objects.get(name=SIGNOFF_AGENCY).requires_signoff
    head = logged_in("juzhang")
    queue = head.get(reverse("workflow:signoff-queue")).content.decode()
    waiting = ProgressReport.objects.get(state="awaiting_signoff")
    assert waiting.period == current and f"/tasks/{waiting.task_id}/" in queue
    assert Notification.objects.filter(recipient__username="juzhang").exists()
    signed = StateLog.objects.filter(transition="sign_off", by__username="juzhang")
    assert signed.count() == 1

    # The office administrator alone opens the admin, scoped to the office.
    assert logged_in("guanli").get(reverse("admin:index")).status_code == 200
    assert office.get(reverse("admin:index")).status_code == 302  # to the admin's login

    # The returns were mailed, linking to the address the server runs on.
    returned = OutboxMessage.objects.filter(kind="report_returned")
    assert returned.exists()
    assert all("http://127.0.0.1:8123/tasks/" in m.body_text for m in returned)
