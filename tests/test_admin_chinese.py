"""The admin has no English left (issue 11 §4): its pages, its widgets and their JavaScript
catalogue, and the names of our models and fields, as the admin user sees them."""
import html
import json
import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from tests.cast import build_cast

pytestmark = pytest.mark.django_db

OUR_APPS = ["agencies", "tasks", "workflow", "supervision", "notifications", "api"]
CJK = re.compile("[\u3400-\u9fff]")
# What Django's admin and its widgets say when a translation is missing.
WIDGET_WORDS = [
    "Today", "Now", "Yesterday", "Tomorrow", "Midnight", "Noon", "Choose a time", "Choose a Date",
    "Choose a date", "Calendar", "Clock", "Add another", "Show", "Hide", "Filter", "Search",
    "Add link", "Change or view list link", "Model name", "Save and add another",
    "Save and continue editing", "Save as new", "Delete", "History", "View on site", "Home",
    "Log out", "Select all", "Clear selection", "Choose all", "Remove all", "Available",
    "Chosen", "Run the selected action", "Recent actions", "My actions", "Unknown", "Yes", "No",
    "Go", "Show counts", "Hide counts", "Toggle navigation", "Skip to main content",
    "Change password", "Add", "Change", "Save", "Close", "Date", "Time", "Currently",
]
CATALOG_WORDS = ["Today", "Now", "Yesterday", "Tomorrow", "Midnight", "Noon", "6 a.m.",
                 "6 p.m.", "Choose a time", "Choose a Time", "Choose a Date", "Show", "Hide",
                 "Cancel",
                 "Choose all", "Remove all", "Filter", "Available %s", "Chosen %s",
                 "January", "Sunday"]


@pytest.fixture
def admin_client(client):
    build_cast()  # a dispatched plan: every kind of object has a row to open
    client.force_login(User.objects.create_superuser("clerk", password="x",
                                                     last_name="管", first_name="理员"))
    return client


def _visible(page: str) -> str:
    """The text a person reads: text nodes, titles, labels, alt texts and button values;
    the choices of a <select> are data (names of people and agencies), left out."""
    page = re.sub(r"<(script|style|select)\b.*?</\1>", " ", page, flags=re.S)
    attrs = re.findall(r'(?:title|placeholder|aria-label|alt)="([^"]*)"', page)
    attrs += re.findall(r'type="submit"[^>]*value="([^"]*)"', page)
    return html.unescape(re.sub(r"<[^>]*>", " ", page) + " " + " ".join(attrs))


def _pages():
    yield reverse("admin:index")
    for model in admin.site._registry:
        opts = model._meta
        if opts.app_label not in OUR_APPS:
            continue
        prefix = f"admin:{opts.app_label}_{opts.model_name}"
        yield reverse(f"{prefix}_changelist")
        try:
            yield reverse(f"{prefix}_add")
        except NoReverseMatch:
            pass
        first = model.objects.first()
        if first is not None:
            yield reverse(f"{prefix}_change", args=[first.pk])


def test_the_admins_pages_say_nothing_in_english(admin_client):
    found, opened = [], 0
    for url in _pages():
        response = admin_client.get(url)
        if response.status_code != 200:  # read-only models have no add form
            continue
        opened += 1
        text = _visible(response.content.decode())
        found += [f"{url}: {word}" for word in WIDGET_WORDS
                  if re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text)]
    assert opened > 40
    assert not found, "\n".join(found)


def test_the_widgets_javascript_catalogue_is_chinese(admin_client):
    """The calendar and clock of date/time fields, the filter of many-to-many fields and the
    inlines' "Add another" are drawn by JavaScript from the admin's jsi18n catalogue."""
    page = admin_client.get(reverse("admin:tasks_plan_add")).content.decode()
    assert reverse("admin:jsi18n") in page  # the forms load the catalogue
    script = admin_client.get(reverse("admin:jsi18n")).content.decode()
    catalog = json.loads(re.search(r"const newcatalog = (\{.*?\});", script, re.S).group(1))
    untranslated = [w for w in CATALOG_WORDS
                    if not CJK.search(json.dumps(catalog.get(w, ""), ensure_ascii=False))]
    assert not untranslated, untranslated


def test_every_model_and_field_of_ours_has_a_chinese_name():
    missing = []
    with translation.override("zh-hans"):
        for label in OUR_APPS:
            config = apps.get_app_config(label)
            if not CJK.search(str(config.verbose_name)):
                missing.append(f"app {label}")
            for model in config.get_models():
                opts = model._meta
                for name in (opts.verbose_name, opts.verbose_name_plural):
                    if not CJK.search(str(name)):
                        missing.append(f"{opts.label}: {name}")
                for field in opts.get_fields():
                    if hasattr(field, "verbose_name") and not field.auto_created \
                            and not CJK.search(str(field.verbose_name)):
                        missing.append(f"{opts.label}.{field.name}: {field.verbose_name}")
    assert not missing, "\n".join(missing)


def test_the_admin_names_people_and_escalation_levels(client):
    from workflow.escalation import task_escalate

    cast = build_cast()
    User.objects.filter(pk=cast.office.pk).update(last_name="王", first_name="芳")
    cast.office.refresh_from_db()
    task_escalate(task=cast.task, by=cast.office, kind="urge", text="催办。")
    client.force_login(User.objects.create_superuser("clerk", password="x"))
    page = client.get(reverse("admin:workflow_escalation_changelist")).content.decode()
    assert '<td class="field-level_shown">提醒</td>' in page
    assert '<td class="field-by nowrap">王芳</td>' in page or ">王芳<" in page
    assert ">office<" not in page
