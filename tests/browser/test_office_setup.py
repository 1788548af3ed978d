"""The office sets a plan up without the admin, in a real browser: it names the lead of the
tasks that have none, sets the reporting periods, dispatches, registers a person at an agency
with nobody registered — and that person sets a password from the emailed link, logs in and
finds the agency's tasks."""
import re

import pytest

from agencies.models import Agency, StaffProfile
from notifications.models import OutboxMessage
from tasks.models import Plan, Task, TaskAgency
from tasks.services import plan_import, task_sync_needs_lead
from tests.cast import OFFICE, person
from tests.seeds import seed_bytes, seed_path

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_office_sets_up_a_plan_and_registers_a_person_who_logs_in(
        browser, login, live_server, shoot):
    person("office", OFFICE, StaffProfile.Role.OFFICE_STAFF)
    plan = plan_import(data=seed_bytes("001"), source_name=seed_path("001").name).plan
    leaderless = list(Task.objects.filter(plan=plan).order_by("order")[:2])
    for task in leaderless:
        TaskAgency.objects.filter(task=task, role="lead").delete()
        task_sync_needs_lead(task=task)

    office = login("office")
    office.goto(f"{live_server.url}/plans/{plan.pk}/")
    office.click("#leads-link")
    office.wait_for_load_state()
    for task in leaderless:
        office.check(f"#task-{task.pk}")
    office.fill("#lead", "市财政局")
    shoot(office, "office-setup-leads")
    office.click("#bulk button[type=submit]")
    office.wait_for_load_state()
    assert office.url.endswith(f"/plans/{plan.pk}/")  # nothing left to lead: back to the plan
    assert not Task.objects.filter(plan=plan, needs_lead=True).exists()

    office.click("#plan-periods-link")
    office.wait_for_load_state()
    office.select_option("select[name=frequency]", "half_yearly")
    office.fill("input[name=due_working_days]", "10")
    office.click("#periods-form button[type=submit]")
    office.wait_for_load_state()
    assert plan.periods.count() == 6  # 2022 下半年 … 2025 上半年
    office.click("#dispatch-form button")
    office.wait_for_load_state()
    office.click("#dispatch-confirm")
    office.wait_for_load_state()
    assert Plan.objects.get(pk=plan.pk).state == "dispatched"

    office.goto(f"{live_server.url}/plans/{plan.pk}/contacts/")
    finance = Agency.objects.get(name="市财政局")
    office.click(f"#agencies-without-people a[href='/agencies/{finance.pk}/people/']")
    office.wait_for_load_state()
    office.fill("input[name=name]", "李娜")
    office.fill("input[name=email]", "lina@example.cn")
    office.fill("input[name=phone]", "13900000001")
    office.select_option("select[name=role]", "reporter")
    office.click("#person-form button[type=submit]")
    office.wait_for_load_state()
    assert "李娜" in office.inner_text("#agency-people")
    shoot(office, "office-setup-people")

    message = OutboxMessage.objects.get(to_email="lina@example.cn")
    link = re.search(r"(/accounts/reset/\S+/)", message.body_text).group(1)
    context = browser.new_context(locale="zh-CN")
    newcomer = context.new_page()
    newcomer.goto(f"{live_server.url}{link}")
    newcomer.fill("input[name=new_password1]", "Lina-duban-2026!")
    newcomer.fill("input[name=new_password2]", "Lina-duban-2026!")
    newcomer.click("#password-set button[type=submit]")
    newcomer.wait_for_load_state()
    assert newcomer.locator("#password-set-done").count() == 1
    context.close()

    agency = login("lina@example.cn", "Lina-duban-2026!")
    agency.goto(f"{live_server.url}/my/")
    shown = agency.inner_text("main")
    for task in leaderless:  # the tasks the office gave her agency to lead
        assert task.content[:30] in shown
