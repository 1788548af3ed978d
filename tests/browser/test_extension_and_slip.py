"""延期申请 and 督办单 in a real browser, as the agency, the office and a leader use them: the
lead asks for more time from the task page, the office refers it to a leader, the leader
accepts with another date and the task page shows the new due date; the office issues a
督办单 with a 督办, the agency opens and acknowledges it."""
import pytest

from tests.cast import build_cast
from workflow.models import ExtensionRequest, SupervisionSlip

pytestmark = pytest.mark.django_db(transaction=True)


def test_extension_asked_referred_and_accepted_by_a_leader(login, live_server, shoot):
    cast = build_cast()  # the period falls due on 2099-01-10
    task_url = f"{live_server.url}/tasks/{cast.task.pk}/?period={cast.period.pk}"

    agency = login("lead")
    agency.goto(task_url)
    agency.click("#extension-ask summary")
    agency.fill("#extension-reason", "需与自然资源部门协调用地指标。")
    agency.fill("#extension-progress", "已完成方案编制。")
    agency.fill("#extension-proposed", "2099-01-20")
    shoot(agency, "agency-06-extension-request", centre="#extension-form")
    agency.click("#extension-send")
    agency.wait_for_load_state()
    assert agency.locator("#extension-requests").count() == 1
    ext = ExtensionRequest.objects.get()
    assert ext.state == ExtensionRequest.State.SUBMITTED

    office = login("office")
    office.click("#extensions-link")
    office.wait_for_load_state()
    office.click(f"#extensions-pending a[href='/extensions/{ext.pk}/']")
    office.wait_for_load_state()
    assert "2099-01-10" in office.inner_text("#extension-effect")
    shoot(office, "office-10-extension-decide", centre="#extension-effect")
    office.click("#extension-refer")
    office.wait_for_load_state()
    ext.refresh_from_db()
    assert ext.state == ExtensionRequest.State.REFERRED

    leader = login("leader")
    leader.click("#extensions-link")
    leader.wait_for_load_state()
    leader.click(f"#extensions-pending a[href='/extensions/{ext.pk}/']")
    leader.wait_for_load_state()
    leader.fill("#extension-new-date", "2099-01-15")
    leader.click("#extension-accept")
    leader.wait_for_load_state()
    assert leader.inner_text("#extension-decided-on") == "2099-01-15"

    agency.goto(task_url)
    assert agency.inner_text("#due-in-force") == "2099-01-15"
    assert agency.locator("#extended-badge").count() == 1


def test_a_slip_issued_with_a_supervision_notice_is_acknowledged(login, live_server, shoot):
    cast = build_cast()
    office = login("office")
    office.goto(f"{live_server.url}/tasks/{cast.task.pk}/?period={cast.period.pk}")
    office.check("#escalate-form input[name=kind][value=supervise]")
    office.fill("#office-escalate-text", "请于本周内报送工作进展。")
    office.check("#office-escalate-slip")
    office.click("#escalate-form button[type=submit]")
    office.wait_for_load_state()
    assert "〔" in office.inner_text("#slip-number")
    slip = SupervisionSlip.objects.get(agency=cast.lead.profile.agency)

    agency = login("lead")
    agency.goto(f"{live_server.url}/tasks/{cast.task.pk}/")
    agency.click(f"#task-slips a[href='/slips/{slip.pk}/']")
    agency.wait_for_load_state()
    shoot(agency, "agency-07-slip", centre="#slip-number")
    agency.click("#slip-ack")
    agency.wait_for_load_state()
    slip.refresh_from_db()
    assert slip.acknowledged_by == cast.lead
    assert "Not yet" not in agency.inner_text("#slip-acknowledged")
