"""延期申请: the lead agency asks before the due date; head, office and leader decide; the
ledger (workflow.obligations rule 11) reads the new date once accepted, and only then."""
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from notifications.models import Notification, OutboxMessage
from supervision.assessment import period_facts
from supervision.models import AssessmentWeights
from tests.cast import build_cast
from tests.test_obligations import at, book, submit, world  # noqa: F401  (the fixture)
from workflow import reminders
from workflow.errors import WorkflowError
from workflow.extensions import (
    extension_accept,
    extension_head_decide,
    extension_refer,
    extension_refuse,
    extension_request,
)
from workflow.models import Assignment, ExtensionRequest, ReportingPeriod
from workflow.obligations import NOT_DUE, ON_TIME, OVERDUE, RED, YELLOW, due_on_of

pytestmark = [pytest.mark.django_db]

State = ExtensionRequest.State
ASKED = date(2099, 1, 20)  # the cast's period falls due on 2099-01-10


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ask(cast, proposed=ASKED, by=None):
    return extension_request(task=cast.task, period=cast.period, by=by or cast.lead,
                             reason="需协调用地指标。", progress="已完成方案编制。",
                             proposed_on=proposed)


def _with_emails(*users):
    for user in users:
        user.email = f"{user.username}@example.gov.cn"
        user.save()


# ---- the decisions --------------------------------------------------------------------------

def test_it_goes_to_the_office_and_is_accepted_with_another_date():
    cast = build_cast()
    _with_emails(cast.office, cast.lead)
    ext = _ask(cast)
    assert ext.state == State.SUBMITTED  # no sign-off in this plan: straight to the office
    assert due_on_of(cast.task, cast.period) == date(2099, 1, 10)  # the original date holds
    assert OutboxMessage.objects.filter(kind="extension", to_email="office@example.gov.cn")
    extension_accept(request=ext, by=cast.office, new_date=date(2099, 1, 15))
    ext.refresh_from_db()
    assert (ext.state, ext.decided_on, ext.decided_by) == (State.ACCEPTED, date(2099, 1, 15),
                                                           cast.office)
    assert due_on_of(cast.task, cast.period) == date(2099, 1, 15)
    told = OutboxMessage.objects.filter(kind="extension", to_email="lead@example.gov.cn")
    assert told.count() == 1 and "2099-01-15" in told.get().body_text
    steps = list(StateLog.objects.for_(ext).order_by("pk").values_list("state", "by"))
    assert steps == [(State.SUBMITTED, cast.lead.pk), (State.ACCEPTED, cast.office.pk)]


def test_it_is_refused_with_a_reason_and_the_date_holds():
    cast = build_cast()
    ext = _ask(cast)
    with pytest.raises(WorkflowError):
        extension_refuse(request=ext, by=cast.office, reason="  ")
    extension_refuse(request=ext, by=cast.office, reason="时间节点不可调整。")
    ext.refresh_from_db()
    assert (ext.state, ext.refusal_reason) == (State.REFUSED, "时间节点不可调整。")
    assert due_on_of(cast.task, cast.period) == date(2099, 1, 10)
    assert Notification.objects.filter(recipient=cast.lead, text__contains="时间节点不可调整")


def test_it_is_referred_to_a_leader_who_decides():
    cast = build_cast()
    ext = _ask(cast)
    extension_refer(request=ext, by=cast.office, note="请领导定夺。")
    ext.refresh_from_db()
    assert ext.state == State.REFERRED
    assert Notification.objects.filter(recipient=cast.leader).exists()
    with pytest.raises(WorkflowError):  # referred: the leader decides now, not the office
        extension_accept(request=ext, by=cast.office, new_date=None)
    extension_accept(request=ext, by=cast.leader, new_date=None)  # the date asked
    ext.refresh_from_db()
    assert (ext.state, ext.decided_on, ext.decided_by) == (State.ACCEPTED, ASKED, cast.leader)
    assert due_on_of(cast.task, cast.period) == ASKED


def test_the_head_approves_first_when_the_plan_asks_for_sign_off():
    cast = build_cast(requires_signoff=True)
    ext = _ask(cast)
    assert ext.state == State.REQUESTED
    assert Notification.objects.filter(recipient=cast.head).exists()
    with pytest.raises(WorkflowError):
        extension_accept(request=ext, by=cast.office, new_date=None)
    extension_head_decide(request=ext, by=cast.head, approve=True)
    ext.refresh_from_db()
    assert ext.state == State.SUBMITTED


def test_a_request_on_or_after_the_due_date_is_refused(english):
    cast = build_cast()
    today = timezone.localdate()
    ReportingPeriod.objects.filter(pk=cast.period.pk).update(due_on=today)
    cast.period.refresh_from_db()
    with pytest.raises(WorkflowError, match="before the due date"):
        _ask(cast, proposed=today + timedelta(days=7))
    assert not ExtensionRequest.objects.exists()


@override_settings(EXTENSION_MAX_WORKING_DAYS=5, EXTENSION_MAX_PER_OBLIGATION=1)
def test_the_limits_how_far_and_how_often(english):
    cast = build_cast()
    with pytest.raises(WorkflowError, match="5 working days"):
        _ask(cast, proposed=date(2099, 1, 30))
    ext = _ask(cast, proposed=date(2099, 1, 16))
    with pytest.raises(WorkflowError, match="already waiting"):
        _ask(cast, proposed=date(2099, 1, 16))
    extension_accept(request=ext, by=cast.office, new_date=None)
    with pytest.raises(WorkflowError, match="1 times"):
        _ask(cast, proposed=date(2099, 1, 20))


def test_only_the_lead_agency_asks():
    cast = build_cast()
    for user in (cast.supporting, cast.outsider, cast.office):
        with pytest.raises(WorkflowError):
            _ask(cast, by=user)


# ---- the pages ------------------------------------------------------------------------------

def test_the_agency_asks_from_the_task_page_and_the_office_decides_on_its_page():
    cast = build_cast()
    lead = _client(cast.lead)
    page = lead.get(reverse("workflow:task", args=[cast.task.pk]), {"period": cast.period.pk})
    assert b'id="extension-form"' in page.content
    response = lead.post(reverse("workflow:extension-ask", args=[cast.task.pk]), {
        "period": cast.period.pk, "reason": "需协调。", "progress": "已开展。",
        "proposed_on": "2099-01-20"})
    assert response.status_code == 302
    ext = ExtensionRequest.objects.get()
    office = _client(cast.office)
    listed = office.get(reverse("workflow:extensions"))
    assert reverse("workflow:extension", args=[ext.pk]).encode() in listed.content
    confirm = office.get(reverse("workflow:extension", args=[ext.pk]))
    assert b'id="extension-effect"' in confirm.content and b'id="extension-accept"' in \
        confirm.content
    assert office.get(reverse("workflow:extension-decide", args=[ext.pk])).status_code == 405
    office.post(reverse("workflow:extension-decide", args=[ext.pk]),
                {"action": "accept", "new_date": "2099-01-17"})
    ext.refresh_from_db()
    assert (ext.state, ext.decided_on) == (State.ACCEPTED, date(2099, 1, 17))
    page = lead.get(reverse("workflow:task", args=[cast.task.pk]), {"period": cast.period.pk})
    assert b'id="extended-badge"' in page.content and b"2099-01-17" in page.content
    # the timeline shows the request and the decision
    assert "已开展" not in page.content.decode()  # progress is on the request page, not here
    assert "需协调" in page.content.decode()


def test_the_lead_cannot_decide_its_own_request():
    cast = build_cast()
    ext = _ask(cast)
    response = _client(cast.lead).post(reverse("workflow:extension-decide", args=[ext.pk]),
                                       {"action": "accept"})
    assert response.status_code == 403
    ext.refresh_from_db()
    assert ext.state == State.SUBMITTED


def test_another_agency_gets_404():
    cast = build_cast()
    ext = _ask(cast)
    for user in (cast.outsider, cast.supporting):
        client = _client(user)
        assert client.get(reverse("workflow:extension", args=[ext.pk])).status_code == 404
        assert client.post(reverse("workflow:extension-decide", args=[ext.pk]),
                           {"action": "refuse", "reason": "x"}).status_code == 404


# ---- the ledger before and after (rule 11) ----------------------------------------------------

@pytest.mark.dates
def test_an_accepted_extension_moves_the_due_date_in_the_ledger(world):  # noqa: F811
    task, first = world.tasks[3], world.periods[0]  # led by C, due 2026-01-20
    reporter = world.reporters[2]
    world.clock.move_to(at(date(2026, 1, 12)), tick=False)
    ext = extension_request(task=task, period=first, by=reporter, reason="原因。",
                            progress="进展。", proposed_on=date(2026, 1, 27))
    # pending: the original date holds everywhere
    [item] = [i for i in book(world, date(2026, 1, 21)).items if i.key == (task.pk, first.pk)]
    assert (item.status, item.light, item.chased, item.extended) == (OVERDUE, RED, True, False)
    extension_accept(request=ext, by=world.office, new_date=date(2026, 1, 29))
    [item] = [i for i in book(world, date(2026, 1, 21)).items if i.key == (task.pk, first.pk)]
    assert (item.status, item.light, item.due_on, item.extended) == (
        NOT_DUE, "none", date(2026, 1, 29), True)
    [item] = [i for i in book(world, date(2026, 1, 26)).items if i.key == (task.pk, first.pk)]
    assert item.light == YELLOW
    # the overdue list and the reminders read the new date too
    assert (task.pk, first.pk) not in {(r["task"].pk, r["period"].pk) for r in
                                       reminders.overdue_rows([world.plan_.pk],
                                                              date(2026, 1, 21))}
    stages = {i.stage for i in reminders.DayWork(date(2026, 1, 29)).items()
              if i.object_key == f"task:{task.pk}" and i.period_id == first.pk}
    assert stages == {"due@20260129"}
    # submitted before the new date: on time; the assessment counts it so, unless told not to
    submit(world, task, first, date(2026, 1, 28))
    [item] = [i for i in book(world, date(2026, 2, 2)).items if i.key == (task.pk, first.pk)]
    assert (item.status, item.late) == (ON_TIME, False)
    agency = world.agencies[2].pk
    facts, _ = period_facts([world.plan_.pk], date(2026, 2, 2))
    assert (facts[(agency, first.pk)].on_time, facts[(agency, first.pk)].extended) == (1, 1)
    AssessmentWeights.objects.create(plan=world.plan_, extended_on_time=False)
    facts, _ = period_facts([world.plan_.pk], date(2026, 2, 2))
    assert (facts[(agency, first.pk)].on_time, facts[(agency, first.pk)].late) == (0, 1)
    assert facts[(agency, first.pk)].overdue_days == [0]


@pytest.mark.dates
def test_a_refused_extension_changes_nothing_in_the_ledger(world):  # noqa: F811
    task, first = world.tasks[3], world.periods[0]
    world.clock.move_to(at(date(2026, 1, 12)), tick=False)
    ext = extension_request(task=task, period=first, by=world.reporters[2], reason="原因。",
                            progress="进展。", proposed_on=date(2026, 1, 27))
    extension_refuse(request=ext, by=world.office, reason="不同意。")
    [item] = [i for i in book(world, date(2026, 1, 21)).items if i.key == (task.pk, first.pk)]
    assert (item.status, item.overdue_days, item.due_on) == (OVERDUE, 1, date(2026, 1, 20))


def test_a_task_deadline_is_extended_on_the_task():
    cast = build_cast()
    type(cast.task).objects.filter(pk=cast.task.pk).update(deadline_on=date(2099, 3, 2))
    cast.task.refresh_from_db()
    ext = extension_request(task=cast.task, period=None, by=cast.lead, reason="原因。",
                            progress="进展。", proposed_on=date(2099, 3, 16))
    assert due_on_of(cast.task, None) == date(2099, 3, 2)
    extension_accept(request=ext, by=cast.office, new_date=None)
    cast.task.refresh_from_db()
    assert cast.task.deadline_on == date(2099, 3, 16) == due_on_of(cast.task, None)
    assert ext.original_due_on == date(2099, 3, 2)  # the original is kept on the request


def test_the_pending_list_reads_in_a_constant_number_of_queries():
    cast = build_cast()
    office = _client(cast.office)
    tasks = [a.task for a in Assignment.objects.filter(
        agency=cast.lead.profile.agency, role="lead", active=True).select_related("task")[:3]]
    extension_request(task=tasks[0], period=cast.period, by=cast.lead, reason="原因。",
                      progress="进展。", proposed_on=ASKED)
    office.get(reverse("workflow:extensions"))  # warm the session and the calendar
    with CaptureQueriesContext(connection) as one:
        assert office.get(reverse("workflow:extensions")).status_code == 200
    for task in tasks[1:]:
        extension_request(task=task, period=cast.period, by=cast.lead, reason="原因。",
                          progress="进展。", proposed_on=ASKED)
    with CaptureQueriesContext(connection) as three:
        page = office.get(reverse("workflow:extensions"))
    assert page.content.decode().count("/extensions/") >= 3
    assert len(three.captured_queries) == len(one.captured_queries)
