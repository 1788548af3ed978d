"""In a real browser (Debian's Chromium): the office corrects the import preview — leaves a
row out, retypes a lead, gives one lead to two selected rows, adds a co-lead — and confirms;
the saved plan is the corrected preview.

The browser suite (tests/browser) keeps one Playwright for the whole session in the main
thread, and a second sync Playwright cannot start beside it there; this test drives its own
Chromium from a worker thread, with the same launch options.
"""
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from agencies.models import StaffProfile
from tasks.models import ImportCorrection, Plan
from tests.cast import OFFICE, person

CHROMIUM = "/usr/bin/chromium"
BONDED = Path(__file__).resolve().parent.parent / "corpus" / "gov_bonded_zones_opinions.txt"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.django_db(transaction=True)


def in_chromium(scenario):
    """Run scenario(page) in a fresh Chromium on a worker thread; return what it returns."""
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip("Debian's chromium is not installed")

    def run():
        from django.db import connections
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
                try:
                    context = browser.new_context(locale="zh-CN",
                                                  viewport={"width": 1280, "height": 900})
                    return scenario(context.new_page())
                finally:
                    browser.close()
        finally:
            connections.close_all()  # the worker's own connection, or teardown waits on it

    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(run).result()


def plan_saved() -> bool:
    """Asked from the browser's thread: its connection is closed at once, in the same context
    (Playwright's loop gives the thread's code its own context), or teardown waits on it."""
    from django.db import connections

    try:
        return Plan.objects.exists()
    finally:
        connections.close_all()


def row(page, text: str):
    return page.locator("#import-rows tbody tr", has_text=text)


def lead_of(page, text: str) -> str:
    return row(page, text).locator("input[name^=lead-]").input_value()


def test_the_office_corrects_the_preview_and_imports_it(live_server):
    person("office", OFFICE, StaffProfile.Role.OFFICE_STAFF)

    def scenario(page):
        seen = {}
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", "office")
        page.fill("input[name=password]", "pw")
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/plans/import/")
        page.set_input_files("input[name=file]", str(BONDED))
        page.click("main form button[type=submit]")
        page.wait_for_load_state()
        seen["counts"] = (page.inner_text("#counts [data-count=tasks]").split()[0],
                          page.inner_text("#counts [data-count=not_imported]").strip())

        row(page, "释放企业产能").locator("input[name=include]").uncheck()
        row(page, "促进内销便利").locator("input[name^=lead-]").fill("海关总署、商务部")
        for text in ("支持服务外包", "支持医疗设备研发"):
            row(page, text).locator("input[name=select]").check()
        page.fill("#bulk-name", "市场监管总局")
        page.click("button[name=action][value=bulk-lead]")
        page.wait_for_load_state()
        seen["saved before confirming"] = plan_saved()
        seen["excluded still unticked"] = not row(page, "释放企业产能").locator(
            "input[name=include]").is_checked()
        seen["leads after bulk"] = [lead_of(page, text) for text in (
            "促进内销便利", "支持服务外包", "支持医疗设备研发")]

        row(page, "支持期货交割").locator("input[name=select]").check()
        page.fill("#bulk-name", "证监会")
        page.click("button[name=action][value=bulk-colead]")
        page.wait_for_load_state()
        seen["co-leads"] = lead_of(page, "支持期货交割")
        seen["corrections shown"] = page.locator("#corrections").is_visible()

        page.click(".confirm-form button[type=submit]")
        page.wait_for_load_state()
        seen["url"] = page.url
        return seen

    seen = in_chromium(scenario)
    assert seen["counts"] == ("21", "11")
    assert seen["saved before confirming"] is False  # applying changes saves nothing
    assert seen["excluded still unticked"]
    assert seen["leads after bulk"] == ["海关总署、商务部", "市场监管总局", "市场监管总局"]
    assert seen["co-leads"] == "海关总署、证监会" and seen["corrections shown"]

    plan = Plan.objects.get()
    assert seen["url"].endswith(f"/plans/{plan.pk}/")
    assert plan.tasks.count() == 20
    leads = {task.content[:6]: [a.name for a in task.lead_agencies()] for task in plan.tasks.all()}
    assert "释放企业产能" not in leads
    assert leads["促进内销便利"] == ["海关总署", "商务部"]
    assert leads["支持服务外包"] == leads["支持医疗设备"] == ["市场监管总局"]
    assert leads["支持期货交割"] == ["海关总署", "证监会"]
    assert leads["拓展两个市场"] == ["税务总局"]  # untouched rows as read
    kinds = sorted(ImportCorrection.objects.filter(plan=plan).values_list("kind", flat=True))
    assert kinds == ["excluded", "lead", "lead", "lead", "lead", "supporting", "supporting"]
