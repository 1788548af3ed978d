"""Accessibility in a real Chromium, over the pages a reporter, the office and a leader use:
text contrast (WCAG AA, 4.5:1), the keyboard (skip link, named controls, visible focus) and a
phone-size screen (375 px: no sideways scrolling of the page, a usable navigation).

The scene: seed 001 dispatched, its period fell due twenty days ago (red lights), a second
period starts and falls due tomorrow (yellow lights); 市农业农村局 has a returned report (with an
escalation and a leader's instruction), a verified one (green) and one submitted late, waiting
for review.
"""
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import TaskAgency
from tests.cast import Cast, build_cast
from workflow import services
from workflow.escalation import task_escalate
from workflow.models import Assignment, ProgressReport, ReportingPeriod

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 740}

# Every visible element that holds text of its own: the contrast of its colour against the
# nearest opaque background behind it (semi-transparent layers blended, white at the bottom).
CONTRAST_JS = """
() => {
  const parse = (value) => {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) =>
    [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat([1]);
  const channel = (c) => {
    c /= 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) =>
    0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const ratio = (a, b) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
  const background = (element) => {
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
      const colour = parse(getComputedStyle(node).backgroundColor);
      if (colour && colour[3] > 0) { layers.push(colour); if (colour[3] >= 1) break; }
    }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const css = (c) => `rgb(${c.slice(0, 3).map(Math.round).join(", ")})`;
  const skip = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "OPTION", "TITLE"]);
  const results = [];
  for (const element of document.body.querySelectorAll("*")) {
    if (skip.has(element.tagName)) continue;
    const own = [...element.childNodes].filter((n) => n.nodeType === 3)
      .map((n) => n.textContent).join("").trim();
    if (!own) continue;
    const style = getComputedStyle(element);
    const box = element.getBoundingClientRect();
    if (style.visibility !== "visible" || box.width <= 1 || box.height <= 1) continue;
    const back = background(element);
    const fore = over(parse(style.color), back);
    results.push({
      text: own.slice(0, 40), tag: element.tagName.toLowerCase(),
      cls: element.className && typeof element.className === "string" ? element.className : "",
      color: css(fore), background: css(back), ratio: Math.round(ratio(fore, back) * 100) / 100,
    });
  }
  return results;
}
"""

# Inputs, selects, text areas and meters (not hidden ones) and the name each one gets from a
# <label>, aria-labelledby or aria-label; buttons and links with their text.
NAMES_JS = """
() => {
  const text = (node) => (node ? node.textContent : "").replace(/\\s+/g, " ").trim();
  const controls = [...document.querySelectorAll("input, select, textarea, meter, progress")]
    .filter((c) => c.type !== "hidden" && !c.closest("[aria-hidden=true]"))
    .map((c) => {
      const by = (c.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean)
        .map((id) => text(document.getElementById(id))).join(" ").trim();
      const labels = [...(c.labels || [])].map(text).join(" ").trim();
      const name = by || (c.getAttribute("aria-label") || "").trim() || labels;
      const called = c.name ? `[name=${c.name}]` : "";
      return {control: `${c.tagName.toLowerCase()}#${c.id}${called}`, name};
    });
  const actions = [...document.querySelectorAll("a[href], button")]
    .map((c) => ({control: c.outerHTML.slice(0, 80),
                  name: (c.getAttribute("aria-label") || "").trim() || text(c)}));
  return controls.concat(actions).filter((c) => !c.name).map((c) => c.control);
}
"""

# References that lead nowhere (aria-labelledby, aria-describedby, label for) and ids used twice:
# either leaves a control without its name or its help.
REFERENCES_JS = """
() => {
  const broken = [];
  for (const element of document.querySelectorAll(
      "[aria-labelledby], [aria-describedby], label[for]")) {
    for (const attribute of ["aria-labelledby", "aria-describedby", "for"]) {
      for (const id of (element.getAttribute(attribute) || "").split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) broken.push(`${element.tagName.toLowerCase()}`
          + `#${element.id} ${attribute}="${id}" refers to nothing`);
      }
    }
  }
  const seen = new Map();
  for (const element of document.querySelectorAll("[id]")) {
    seen.set(element.id, (seen.get(element.id) || 0) + 1);
  }
  return broken.concat([...seen].filter(([, n]) => n > 1).map(([id]) => `id "${id}" used twice`));
}
"""

# The focused element and how its focus shows.
FOCUS_JS = """
() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  return {
    tag: element.tagName.toLowerCase(), id: element.id, cls: String(element.className || ""),
    text: (element.textContent || "").trim().slice(0, 30),
    outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
    boxShadow: style.boxShadow, inMain: !!element.closest("main"),
    top: element.getBoundingClientRect().top,
  };
}
"""


@dataclass
class Scene:
    cast: Cast
    soon: ReportingPeriod  # due tomorrow: yellow lights
    waiting: ProgressReport  # submitted late, in the review queue


def build_scene() -> Scene:
    cast = build_cast()
    today, now = timezone.localdate(), timezone.now()
    ReportingPeriod.objects.filter(pk=cast.period.pk).update(
        starts_on=today - timedelta(days=90), ends_on=today - timedelta(days=30),
        due_on=today - timedelta(days=20))
    cast.period.refresh_from_db()
    # assigned before the period fell due, so its reports are owed (and red when missing)
    Assignment.objects.filter(task__plan=cast.plan).update(created_at=now - timedelta(days=100))
    tomorrow = today + timedelta(days=1)
    soon = ReportingPeriod.objects.create(  # not started: the first period stays current
        plan=cast.plan, label="专项督查", starts_on=tomorrow, ends_on=tomorrow, due_on=tomorrow)
    led = list(Assignment.objects.filter(
        task__plan=cast.plan, agency=cast.lead.profile.agency, role=TaskAgency.Role.LEAD,
        active=True).select_related("task").order_by("task__order"))
    first, second, third = cast.task, *[a.task for a in led if a.task != cast.task][:2]
    services.assignment_acknowledge(assignment=led[0], by=cast.lead)
    first.indicators.add(cast.plan.indicators.get(seq=3))

    def submitted(task, completion="in_progress"):
        report = services.report_save(task=task, period=cast.period, by=cast.lead, data={
            "progress": "已组织开展地理标志协同运用。", "completion": completion})
        return services.report_submit(report=report, by=cast.lead)

    services.report_return(report=submitted(first), by=cast.office,
                           reason="请补充协同运用的具体品牌。")
    services.indicator_value_set(indicator=cast.plan.indicators.get(seq=3), period=cast.period,
                                 by=cast.lead, value=12)
    task_escalate(task=first, by=cast.office, kind="urge", text="请尽快修改后报送。",
                  period=cast.period)
    services.instruction_create(task=first, by=cast.leader, text="抓紧推进,按期办结。")
    services.report_verify(report=submitted(second, "completed"), by=cast.office)
    return Scene(cast, soon, waiting=submitted(third))


@pytest.fixture
def scene():
    return build_scene()


@pytest.fixture
def phone(login):
    """Like conftest's login, on a 375 × 740 touch screen."""
    return lambda username: login(username, viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)


def pages(scene: Scene) -> list[tuple[str, str]]:
    """(user, path) of every page under review; user "" is nobody (the login page)."""
    cast, plan, period = scene.cast, scene.cast.plan.pk, scene.cast.period.pk
    agency = cast.lead.profile.agency_id
    return [
        ("", reverse("login")),
        ("lead", reverse("workflow:my-tasks")),
        ("lead", reverse("workflow:my-tasks") + f"?period={period}"),
        ("lead", reverse("workflow:my-tasks") + "?tab=supporting"),
        ("lead", reverse("workflow:task", args=[cast.task.pk]) + f"?period={period}"),
        ("office", reverse("supervision:office")),
        ("office", reverse("supervision:plan", args=[plan])),
        ("office", reverse("supervision:tasks", args=[plan])),
        ("office", reverse("supervision:tasks", args=[plan]) + f"?period={scene.soon.pk}"),
        ("office", reverse("supervision:scorecard", args=[agency]) + f"?plan={plan}"),
        ("office", reverse("supervision:assessment", args=[plan])),
        ("office", reverse("supervision:bulletins", args=[period])),
        ("office", reverse("workflow:review")),
        ("office", reverse("workflow:task", args=[scene.waiting.task_id])),
        ("office", reverse("workflow:report", args=[scene.waiting.pk])),
        ("leader", reverse("supervision:office")),
        ("leader", reverse("supervision:plan", args=[plan])),
    ]


def visit(open_as, browser, live_server, scene: Scene):
    """Yield (path, page) for every page under review, one browser context per user."""
    opened = {}
    for user, path in pages(scene):
        if user not in opened:
            if user:
                opened[user] = open_as(user)
            else:
                opened[user] = browser.new_page(locale="zh-CN",
                                                viewport={"width": 1280, "height": 900})
        page = opened[user]
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("load")
        yield path, page
    if "" in opened:
        opened[""].close()


def test_text_contrast_meets_wcag_aa_on_every_page(login, browser, live_server, scene):
    task_list = reverse("supervision:tasks", args=[scene.cast.plan.pk])
    lights = {task_list: ("badge--error", "badge--ok"),  # red and green
              f"{task_list}?period={scene.soon.pk}": ("badge--warn",)}  # yellow
    failures, checked = [], 0
    for path, page in visit(login, browser, live_server, scene):
        for badge in lights.get(path, ()):  # the light badges are there to be read
            assert page.locator(f"td.light .{badge}").count() > 0, (path, badge)
        results = page.evaluate(CONTRAST_JS)
        checked += len(results)
        failures += [f"{path}: {r['tag']}.{r['cls']} “{r['text']}” {r['color']} on "
                     f"{r['background']} = {r['ratio']}:1" for r in results if r["ratio"] < 4.5]
    assert checked > 500
    assert not failures, "text below 4.5:1\n" + "\n".join(dict.fromkeys(failures))


def test_the_badges_of_states_and_lights_are_on_the_pages(login, live_server, scene):
    """The contrast test reads these: the lead sees its returned, verified and late reports."""
    page = login("lead")
    page.goto(f"{live_server.url}{reverse('workflow:my-tasks')}?period={scene.cast.period.pk}")
    for css in (".badge--state-returned", ".badge--state-verified", ".badge--state-submitted",
                ".badge--error", ".badge--warn", ".badge--ok"):
        assert page.locator(f"main {css}").count() > 0, css
    task = reverse("workflow:task", args=[scene.cast.task.pk])
    page.goto(f"{live_server.url}{task}?period={scene.cast.period.pk}")
    for css in ("#return-reason", "#instructions figcaption", ".timeline .badge--warn"):
        assert page.locator(css).count() > 0, css


def from_the_top(page) -> None:
    """Put the keyboard at the start of the page, where it is on arrival."""
    page.evaluate("""() => {
      document.body.tabIndex = -1;
      document.body.focus();
      document.body.removeAttribute("tabindex");
    }""")


def test_the_skip_link_is_the_first_tab_stop_and_leads_to_main(login, browser, live_server,
                                                                scene):
    for path, page in visit(login, browser, live_server, scene):
        start = page.evaluate(FOCUS_JS)
        if path == reverse("login"):  # the user name field has the focus on arrival
            assert start and start["id"] == "id_username" and start["inMain"], start
            from_the_top(page)
        else:
            assert start is None, f"{path}: {start} has the focus on arrival"
        page.keyboard.press("Tab")
        first = page.evaluate(FOCUS_JS)
        assert first and first["cls"] == "skip-link", (path, first)
        assert first["top"] >= 0, f"{path}: the focused skip link is off screen"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main", path
        page.keyboard.press("Tab")
        after = page.evaluate(FOCUS_JS)
        assert after and after["inMain"], f"{path}: Tab after the skip link left main: {after}"


def test_every_form_control_and_action_has_an_accessible_name(login, browser, live_server,
                                                              scene):
    unnamed = []
    for path, page in visit(login, browser, live_server, scene):
        unnamed += [f"{path}: no accessible name: {control}"
                    for control in page.evaluate(NAMES_JS)]
        unnamed += [f"{path}: {problem}" for problem in page.evaluate(REFERENCES_JS)]
    assert not unnamed, "\n".join(unnamed)


def test_keyboard_focus_is_always_visible(login, browser, live_server, scene):
    invisible, kinds = [], set()
    for path, page in visit(login, browser, live_server, scene):
        from_the_top(page)
        for _ in range(30):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUS_JS)
            if focused is None:
                break
            kinds.add(focused["tag"])
            shows = ((focused["outline"] != "none" and focused["outlineWidth"] >= 2)
                     or focused["boxShadow"] not in ("none", ""))
            if not shows:
                invisible.append(f"{path}: {focused}")
    assert {"a", "button", "select", "input", "textarea"} <= kinds
    assert not invisible, "focus not visible:\n" + "\n".join(invisible)


def test_the_pages_fit_a_phone_screen(phone, live_server, scene, shoot):
    dashboard = ("office", reverse("supervision:office"))
    task = ("lead", reverse("workflow:task", args=[scene.cast.task.pk])
            + f"?period={scene.cast.period.pk}")
    opened, problems = {}, []
    for user, path in pages(scene):
        if not user:
            continue  # phone() fills in the login page
        if user not in opened:
            opened[user] = phone(user)
        page = opened[user]
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide = page.evaluate(WIDEST_JS, PHONE["width"])
            problems.append(f"{user} {path}: the page is {width}px wide; {wide}")
        problems += [f"{user} {path}: touch target under 24 × 24 px: {target}"
                     for target in page.evaluate(SMALL_TARGETS_JS)]
        problems += [f"{user} {path}: row heading squeezed to {head}"
                     for head in page.evaluate(NARROW_HEADS_JS, 120)]
        if (user, path) == dashboard:  # 我的任务's cards: tests/browser/test_phone_my_tasks.py
            shoot(page, "phone-02-dashboard")
        elif (user, path) == task:
            shoot(page, "phone-03-task")
    assert not problems, "\n".join(problems)


def test_wide_tables_scroll_inside_their_region_on_a_phone(phone, live_server, scene):
    office = phone("office")
    office.goto(f"{live_server.url}{reverse('supervision:tasks', args=[scene.cast.plan.pk])}")
    region = office.locator(".table-wrap").first
    assert region.get_attribute("role") == "region"
    assert region.get_attribute("aria-labelledby") or region.get_attribute("aria-label")
    assert region.get_attribute("tabindex") == "0"  # the keyboard can reach it and scroll it
    width, shown = region.evaluate("r => [r.scrollWidth, r.clientWidth]")
    assert width > shown, "the task table is wider than the phone and scrolls in its region"
    # the task's text keeps a readable column, not two characters a line
    assert office.locator("table.table--tasks tbody th.content").first.bounding_box()[
        "width"] >= 200
    region.focus()
    office.keyboard.press("ArrowRight")
    office.wait_for_function("r => r.scrollLeft > 0", arg=region.element_handle())
    assert office.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize(("user", "link", "lands_on"), [
    ("office", "审核队列", "/review/"),
    ("leader", "方案", "/plans/"),
    ("lead", "我的任务", "/my/"),
])
def test_the_navigation_is_usable_on_a_phone(phone, live_server, scene, user, link, lands_on):
    page = phone(user)
    targets = page.locator(".site-nav a, .site-user a, .site-user button")
    assert targets.count() >= 4
    for i in range(targets.count()):
        box, text = targets.nth(i).bounding_box(), targets.nth(i).inner_text()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], text
        assert box["y"] + box["height"] <= PHONE["height"] / 2, f"{text} is far down: {box}"
    with page.expect_navigation():
        page.get_by_role("navigation", name="主导航").get_by_role("link", name=link).tap()
    assert page.url.endswith(lands_on)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


# The elements that stick out past the right edge of the screen (outside a scrolling region).
WIDEST_JS = """
(limit) => [...document.body.querySelectorAll("*")]
  .filter((e) => e.getBoundingClientRect().right > limit && !e.closest(".table-wrap"))
  .slice(0, 5)
  .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${String(e.className)}`
              + ` right=${Math.round(e.getBoundingClientRect().right)}`)
  .join("; ")
"""

# Controls a finger must hit (not links inside a sentence, which WCAG 2.5.8 exempts) that are
# smaller than 24 × 24 CSS pixels.
SMALL_TARGETS_JS = """
() => [...document.querySelectorAll(
    "main input:not([type=hidden]), main select, main textarea, main button, main .button, "
    + ".site-header a, .site-header button")]
  .filter((c) => c.getClientRects().length)
  .map((c) => [c, c.getBoundingClientRect()])
  .filter(([, box]) => box.width < 24 || box.height < 24)
  .map(([c, box]) => `${c.tagName.toLowerCase()}#${c.id}[${c.type || ""}] `
                     + `${Math.round(box.width)}×${Math.round(box.height)}`)
"""

# Row headings (a task, an agency, a plan, an indicator) narrower than `least` pixels: the text
# then wraps one or two characters a line.
NARROW_HEADS_JS = """
(least) => [...document.querySelectorAll(".table-wrap tbody th")]
  .filter((th) => th.getClientRects().length && th.getBoundingClientRect().width < least)
  .slice(0, 3)
  .map((th) => `${Math.round(th.getBoundingClientRect().width)}px “${th.innerText.slice(0, 12)}”`)
"""
