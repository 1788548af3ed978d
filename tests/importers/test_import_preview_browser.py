"""In a real browser (Debian's Chromium): the office corrects the import preview — leaves a
row out, retypes a lead, gives one lead to two selected rows, adds a co-lead — and confirms;
the saved plan is the corrected preview. Runs with the browser tests' fixtures."""
from pathlib import Path

import pytest

from agencies.models import StaffProfile
from tasks.models import ImportCorrection, Plan
from tests.browser.conftest import browser, login  # noqa: F401 (fixtures)
from tests.cast import OFFICE, person

BONDED = Path(__file__).resolve().parent.parent / "corpus" / "gov_bonded_zones_opinions.txt"

pytestmark = pytest.mark.django_db(transaction=True)


def row(page, text: str):
    return page.locator("#import-rows tbody tr", has_text=text)


def lead_of(page, text: str) -> str:
    return row(page, text).locator("input[name^=lead-]").input_value()


def test_the_office_corrects_the_preview_and_imports_it(login, live_server):  # noqa: F811
    person("office", OFFICE, StaffProfile.Role.OFFICE_STAFF)
    page = login("office")
    page.goto(f"{live_server.url}/plans/import/")
    page.set_input_files("input[name=file]", str(BONDED))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("#counts [data-count=tasks]").split()[0] == "21"
    assert page.inner_text("#counts [data-count=not_imported]").strip() == "11"

    row(page, "释放企业产能").locator("input[name=include]").uncheck()
    row(page, "促进内销便利").locator("input[name^=lead-]").fill("海关总署、商务部")
    for text in ("支持服务外包", "支持医疗设备研发"):
        row(page, text).locator("input[name=select]").check()
    page.fill("#bulk-name", "市场监管总局")
    page.click("button[name=action][value=bulk-lead]")
    page.wait_for_load_state()

    assert not Plan.objects.exists()  # applying changes saves nothing
    assert row(page, "释放企业产能").locator("input[name=include]").is_checked() is False
    assert lead_of(page, "促进内销便利") == "海关总署、商务部"
    for text in ("支持服务外包", "支持医疗设备研发"):
        assert lead_of(page, text) == "市场监管总局"
    row(page, "支持期货交割").locator("input[name=select]").check()
    page.fill("#bulk-name", "证监会")
    page.click("button[name=action][value=bulk-colead]")
    page.wait_for_load_state()
    assert lead_of(page, "支持期货交割") == "海关总署、证监会"
    assert page.locator("#corrections").is_visible()

    page.click(".confirm-form button[type=submit]")
    page.wait_for_load_state()
    plan = Plan.objects.get()
    assert page.url.endswith(f"/plans/{plan.pk}/")
    assert plan.tasks.count() == 20
    leads = {task.content[:6]: [a.name for a in task.lead_agencies()] for task in plan.tasks.all()}
    assert "释放企业产能" not in leads
    assert leads["促进内销便利"] == ["海关总署", "商务部"]
    assert leads["支持服务外包"] == leads["支持医疗设备"] == ["市场监管总局"]
    assert leads["支持期货交割"] == ["海关总署", "证监会"]
    assert leads["拓展两个市场"] == ["税务总局"]  # untouched rows as read
    kinds = sorted(ImportCorrection.objects.filter(plan=plan).values_list("kind", flat=True))
    assert kinds == ["excluded", "lead", "lead", "lead", "lead", "supporting", "supporting"]
