"""督办单: a 催办/督办 issued as a numbered slip, coloured by the obligation's state, printed
as a .docx, acknowledged by the agency, listed for the office and counted in the assessment."""
import io
import threading
from datetime import date

import docx
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from supervision.assessment import period_facts
from tests.cast import build_cast
from tests.test_obligations import at, submit, world  # noqa: F401  (the fixture)
from workflow import services
from workflow.errors import WorkflowError
from workflow.escalation import task_escalate
from workflow.models import Escalation, SupervisionSlip
from workflow.slips import _next_number, slip_acknowledge, slip_colour, slips_issue

pytestmark = [pytest.mark.django_db]

Colour = SupervisionSlip.Colour


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _issue(cast, kind="supervise", text="请于本周内报送进展。"):
    response = _client(cast.office).post(reverse("workflow:escalate", args=[cast.task.pk]), {
        "kind": kind, "text": text, "period": cast.period.pk, "slip": "1"})
    assert response.status_code == 302
    return list(SupervisionSlip.objects.filter(task=cast.task).order_by("number"))


def _text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def test_a_slip_is_issued_numbered_printed_and_acknowledged():
    cast = build_cast()
    slips = _issue(cast)
    year = timezone.localdate().year
    assert [s.label for s in slips] == [f"〔{year}〕第{n}号" for n in range(1, len(slips) + 1)]
    slip = next(s for s in slips if s.agency_id == cast.lead.profile.agency_id)
    assert slip.colour == Colour.BLUE  # due in 2099: nothing overdue or returned
    assert slip.escalation.kind == Escalation.Kind.SUPERVISE
    lead = _client(cast.lead)
    response = lead.get(reverse("workflow:slip-docx", args=[slip.pk]))
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    text = _text(document)
    assert slip.label in text and "督办单（蓝色）" in text
    assert cast.plan.office_agency.name in text and cast.task.content[:20] in text
    assert "请于本周内报送进展。" in text and "2099年1月10日" in text
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    # 签收 by the agency, once
    assert lead.post(reverse("workflow:slip-acknowledge", args=[slip.pk])).status_code == 302
    slip.refresh_from_db()
    assert slip.acknowledged_by == cast.lead and slip.acknowledged_at is not None
    first = slip.acknowledged_at
    slip_acknowledge(slip=slip, by=cast.head)
    slip.refresh_from_db()
    assert slip.acknowledged_at == first and slip.acknowledged_by == cast.lead


def test_only_the_agency_addressed_acknowledges():
    cast = build_cast()
    slip = _issue(cast)[0]
    for user in (cast.office, cast.supporting):
        with pytest.raises(WorkflowError):
            slip_acknowledge(slip=slip, by=user)


def test_another_agency_gets_404():
    cast = build_cast()
    slip = next(s for s in _issue(cast) if s.agency_id == cast.lead.profile.agency_id)
    for user in (cast.outsider, cast.supporting):
        client = _client(user)
        for name in ("workflow:slip", "workflow:slip-docx"):
            assert client.get(reverse(name, args=[slip.pk])).status_code == 404
        assert client.post(reverse("workflow:slip-acknowledge",
                                   args=[slip.pk])).status_code == 404
    assert _client(cast.leader).get(reverse("workflow:slip", args=[slip.pk])).status_code == 200


def test_the_office_lists_the_slips_of_a_period_and_numbers_go_on():
    cast = build_cast()
    first = _issue(cast)
    second = _issue(cast, kind="urge", text="请尽快报送。")[len(first):]
    numbers = [s.number for s in first + second]
    assert numbers == list(range(1, len(numbers) + 1))
    page = _client(cast.office).get(reverse("workflow:plan-slips", args=[cast.plan.pk]),
                                    {"period": cast.period.pk})
    assert page.status_code == 200
    for slip in first + second:
        assert slip.label in page.content.decode()
    assert _client(cast.outsider).get(
        reverse("workflow:plan-slips", args=[cast.plan.pk])).status_code == 404


def test_a_slip_for_a_notice_already_sent_and_never_twice(english):
    cast = build_cast()
    escalation = task_escalate(task=cast.task, by=cast.office, kind="urge", text="请报送。",
                               period=cast.period)
    office = _client(cast.office)
    response = office.post(reverse("workflow:slip-issue", args=[escalation.pk]))
    assert response.status_code == 302 and escalation.slips.exists()
    with pytest.raises(WorkflowError, match="already"):
        slips_issue(escalation=escalation, by=cast.office)
    assert _client(cast.lead).post(
        reverse("workflow:slip-issue", args=[escalation.pk])).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_numbers_are_unique_under_concurrency():
    cast = build_cast()
    office = cast.plan.office_agency_id
    got, errors = [], []

    def take():
        try:
            for _ in range(5):
                got.append(_next_number(office, 2031))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(got) == list(range(1, 21))


# ---- the colour rule --------------------------------------------------------------------------

@pytest.mark.dates
def test_the_colour_follows_the_obligation(world):  # noqa: F811
    task, (first, second, _third) = world.tasks[3], world.periods
    world.clock.move_to(at(date(2026, 1, 14)), tick=False)
    blue = _slip(world, task, first)
    world.clock.move_to(at(date(2026, 1, 22)), tick=False)
    red = _slip(world, task, first)
    report = submit(world, task, first, date(2026, 1, 22))
    world.clock.move_to(at(date(2026, 1, 23)), tick=False)
    services.report_return(report=report, by=world.office, reason="请补充数据。")
    returned = _slip(world, task, first)  # returned, and due again at once: overdue wins
    behind = _slip(world, task, second)  # the first period was late: behind pace
    assert (blue.colour, red.colour, returned.colour, behind.colour) == (
        Colour.BLUE, Colour.RED, Colour.RED, Colour.YELLOW)
    facts, _ = period_facts([world.plan_.pk], date(2026, 1, 23))
    assert facts[(world.agencies[2].pk, first.pk)].slips == 3


def _slip(w, task, period):
    escalation = task_escalate(task=task, by=w.office, kind="supervise", text="请报送。",
                               period=period)
    [slip] = slips_issue(escalation=escalation, by=w.office)
    return slip


def test_slip_colour_rule_without_the_database():
    assert slip_colour(None) == Colour.BLUE
    assert slip_colour(None, behind_pace=True) == Colour.YELLOW
