"""The office imports a published plan in a real browser — upload, check the preview, confirm —
and dispatches its tasks; nothing is saved before the confirmation."""
import re

import pytest

from agencies.models import StaffProfile
from tasks.models import Plan
from tests.cast import OFFICE, person
from tests.seeds import seed_path
from workflow.models import Assignment

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_office_imports_and_dispatches_seed_001(login, live_server, shoot):
    person("office", OFFICE, StaffProfile.Role.OFFICE_STAFF)
    office = login("office")
    assert office.url.endswith("/plans/")  # no plan yet: the office starts at the plans
    office.goto(f"{live_server.url}/plans/import/")
    office.set_input_files("input[name=file]", str(seed_path("001")))
    shoot(office, "office-00-import")
    office.click("main form button[type=submit]")
    office.wait_for_load_state()
    # seed 001: 21 sections, 43 tasks, 23 indicators, 29 leading-group members (read by hand)
    counts = {kind: office.inner_text(f"#counts [data-count={kind}]").split()[0]
              for kind in ("sections", "tasks", "indicators", "members")}
    assert counts == {"sections": "21", "tasks": "43", "indicators": "23", "members": "29"}
    assert not Plan.objects.exists()  # a preview saves nothing
    shoot(office, "office-00-import-preview")

    office.click(".confirm-form button[type=submit]")
    office.wait_for_load_state()
    plan = Plan.objects.get()
    assert office.url.endswith(f"/plans/{plan.pk}/")
    assert plan.tasks.count() == 43
    # no periods yet: the plan page offers them (quarterly, due 5 working days after)
    office.click("#plan-periods-link")
    office.wait_for_load_state()
    office.select_option("select[name=frequency]", "quarterly")
    office.click("#periods-form button[type=submit]")
    office.wait_for_load_state()
    # seed 001 runs 2022-07-01 – 2025-06-30: twelve quarters
    assert plan.periods.count() == 12
    office.click("#dispatch-form button")
    office.wait_for_load_state()
    # The confirmation announces the assignments; nothing is dispatched before its button.
    plan.refresh_from_db()
    assert plan.state == "draft"
    announced = int(re.search(r"\d+", office.inner_text("#preview-assignments")).group())
    office.click("#dispatch-confirm")
    office.wait_for_load_state()
    plan.refresh_from_db()
    assert Assignment.objects.filter(task__plan=plan).count() == announced
    assert plan.state == "dispatched"
    assert Assignment.objects.filter(task__plan=plan, role="lead").values("task") \
        .distinct().count() == 43
    shoot(office, "office-00-plan-dispatched")
