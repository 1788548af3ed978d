"""A month of a plan's life, then every page opened by every role.

The period falls due on DUE. Day by day at 09:00 the morning sweep runs (reminders, then the
automatic escalation after 5 working days overdue), and between sweeps people act: the lead
drafts and submits late, the office returns, the lead resubmits, the office verifies; another
task is reassigned after its due date; a third is never reported and gets escalated by the
system, with no user behind it. At the end, each role opens every page it can reach — and the
others' objects — and no page fails; the emails the system wrote name no missing person.
"""
from datetime import date, datetime, time, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency
from notifications.models import OutboxMessage
from notifications.outbox import outbox_flush
from tests.cast import build_cast, person
from workflow import services
from workflow.models import Assignment, Escalation, ProgressReport
from workflow.obligations import ledger
from workflow.sweep import reminders_sweep

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

DUE = date(2026, 11, 16)  # a Monday
LAST_DAY = DUE + timedelta(days=24)
ROLES = ["office", "director", "lead", "head", "supporting", "leader", "outsider"]


def at(day: date, hour: int):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def other_lead_task(cast, exclude):
    """A task of the plan led by one agency that is not the cast's lead."""
    lead_agency = cast.lead.profile.agency
    taken = (Assignment.objects.filter(task__plan=cast.plan, role="lead", active=True)
             .exclude(task__in=exclude).exclude(agency=lead_agency)
             .exclude(agency=cast.office.profile.agency)
             .select_related("task", "agency").order_by("task__order", "pk"))
    return taken.first()


@pytest.fixture
def month(time_machine):
    cast = build_cast(due_on=DUE)
    for role in ROLES:
        user = getattr(cast, role)
        user.email = f"{role}@example.gov.cn"
        user.save(update_fields=["email"])
    late = other_lead_task(cast, [cast.task])  # never reported: escalated by the sweep
    moved = other_lead_task(cast, [cast.task, late.task])  # reassigned after its due date
    newcomer_agency, _ = Agency.objects.get_or_create(name="市数据局")
    newcomer = person("newcomer", "市数据局", "reporter")

    def act_on(day):
        if day == DUE - timedelta(days=3):
            services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                 data={"progress": "已完成前期调研。", "completion": "in_progress"})
        elif day == DUE + timedelta(days=2):
            report = ProgressReport.objects.get(task=cast.task, period=cast.period)
            services.report_submit(report=report, by=cast.lead)
        elif day == DUE + timedelta(days=3):
            report = ProgressReport.objects.get(task=cast.task, period=cast.period)
            services.report_return(report=report, by=cast.office, reason="请补充量化数据。")
        elif day == DUE + timedelta(days=4):
            report = services.report_save(
                task=cast.task, period=cast.period, by=cast.lead,
                data={"progress": "已完成调研,覆盖12个镇街。", "completion": "completed"})
            services.report_submit(report=report, by=cast.lead)
        elif day == DUE + timedelta(days=7):
            services.assignment_reassign(assignment=moved, to_agency=newcomer_agency,
                                         by=cast.office, reason="职能调整。")
        elif day == DUE + timedelta(days=8):
            report = ProgressReport.objects.get(task=cast.task, period=cast.period)
            services.report_verify(report=report, by=cast.office, comment="同意。")

    day = DUE - timedelta(days=10)
    while day <= LAST_DAY:
        time_machine.move_to(at(day, 9))
        reminders_sweep(day)
        outbox_flush()
        time_machine.move_to(at(day, 10))
        act_on(day)
        day += timedelta(days=1)
    return cast, late, moved, newcomer


def test_a_month_then_every_page_as_every_role(month, client):
    """One test, since the month is the costly part: first the state it leaves, then pages."""
    cast, late, moved, newcomer = month
    report = ProgressReport.objects.get(task=cast.task, period=cast.period)
    assert report.state == "verified"
    # the never-reported task was escalated by the system itself, with no user
    escalations = Escalation.objects.filter(task=late.task, period=cast.period)
    assert escalations.exists() and all(e.by_id is None for e in escalations)
    late.task.refresh_from_db()
    assert late.task.escalation_level > 0
    # the ledger: the late task is overdue and chased; the reassigned task's old lead keeps
    # its obligation frozen at the day it was relieved, and the newcomer owes nothing for a
    # period that fell due before it was given the task
    book = ledger(plan_ids=[cast.plan.pk], on_date=LAST_DAY, period_ids=[cast.period.pk])
    assert book.item(late.task_id, cast.period.pk) in book.overdue_items()
    parts = {o.agency_id: o for o in book.leads() if o.task_id == moved.task_id}
    assert parts[moved.agency_id].relieved_on == DUE + timedelta(days=7)
    assert newcomer.profile.agency_id not in parts
    assert book.item(cast.task.pk, cast.period.pk).verified
    # every message went out once, and none names a missing person
    keys = list(OutboxMessage.objects.values_list("key", flat=True))
    assert len(keys) == len(set(keys)) and keys
    assert len(mail.outbox) == OutboxMessage.objects.filter(state="sent").count()
    for message in mail.outbox:
        assert "None" not in message.subject and "None" not in message.body
    every_role_opens_every_page(month, client)


def pages(cast, late, moved):
    report = ProgressReport.objects.get(task=cast.task, period=cast.period)
    agencies = {a.agency_id for a in Assignment.objects.filter(task__plan=cast.plan)[:5]}
    urls = [
        reverse("home"), reverse("workflow:my-tasks"), reverse("workflow:review"),
        reverse("workflow:overdue-all"), reverse("workflow:failed-emails"),
        reverse("workflow:receipts", args=[cast.plan.pk]),
        reverse("workflow:overdue", args=[cast.plan.pk]),
        reverse("workflow:contacts-missing", args=[cast.plan.pk]),
        reverse("workflow:report", args=[report.pk]),
        reverse("supervision:office"), reverse("supervision:all-tasks"),
        reverse("supervision:plan", args=[cast.plan.pk]),
        reverse("supervision:tasks", args=[cast.plan.pk]),
        reverse("supervision:tasks", args=[cast.plan.pk]) + "?light=red",
        reverse("supervision:assessment", args=[cast.plan.pk]),
        reverse("supervision:bulletins", args=[cast.period.pk]),
        reverse("workflow:my-tasks") + "?overdue=1",
    ]
    urls += [reverse("workflow:task", args=[t.pk]) for t in (cast.task, late.task, moved.task)]
    urls += [reverse("supervision:scorecard", args=[pk]) for pk in sorted(agencies)]
    return urls


def every_role_opens_every_page(month, client):
    cast, late, moved, newcomer = month
    answered = {}
    for role in [*ROLES, "newcomer"]:
        user = newcomer if role == "newcomer" else getattr(cast, role)
        client.force_login(user)
        for url in pages(cast, late, moved):
            response = client.get(url)
            answered[(role, url)] = response.status_code
            assert response.status_code in (200, 302, 403, 404), (role, url, response.status_code)
    task_page = reverse("workflow:task", args=[late.task.pk])
    # the escalated task's page, with the system as the timeline's actor, opens for those who
    # may see it and is hidden from an agency with no part in it
    for role in ("office", "director", "leader"):
        assert answered[(role, task_page)] == 200, role
    assert answered[("outsider", task_page)] == 404
    assert answered[("newcomer", reverse("workflow:task", args=[moved.task.pk]))] == 200
    for role in ("office", "director"):
        for name in ("supervision:office", "workflow:overdue-all"):
            assert answered[(role, reverse(name))] == 200, (role, name)
    client.force_login(cast.office)
    assert "督办系统" in client.get(task_page).content.decode()
