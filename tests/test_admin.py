"""The admin is the office clerk's tool for plans and agencies: every page opens, merges work."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from agencies.models import Agency, AgencyAlias, AgencyMatchSuggestion, LeadingGroupMember
from tasks import services
from tasks.models import Task, TaskAgency
from tests.seeds import seed_bytes, seed_path

pytestmark = pytest.mark.django_db

OUR_APPS = {"agencies", "tasks"}


@pytest.fixture
def clerk(client):
    client.force_login(User.objects.create_superuser("clerk", password="x"))
    services.plan_import(data=seed_bytes("001"), source_name=seed_path("001").name)
    return client


@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label in OUR_APPS],
    ids=lambda m: m._meta.label,
)
def test_every_admin_page_opens(clerk, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert clerk.get(changelist).status_code == 200
    assert clerk.get(changelist, {"q": "市"}).status_code == 200
    first = model.objects.first()
    if first is not None:
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
        assert clerk.get(change).status_code == 200


def test_the_admin_names_the_system_and_both_sites_carry_its_icon(clerk):
    from django.contrib.staticfiles import finders

    html = clerk.get(reverse("admin:index")).content.decode()
    assert "督办系统管理" in html and "Django" not in html.split("<body", 1)[1]
    icon = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'
    assert icon in html
    assert icon in clerk.get(reverse("plans:list")).content.decode()
    assert finders.find("favicon.svg")


def test_confirming_a_near_match_merges_the_agencies(clerk):
    suggestion = AgencyMatchSuggestion.objects.get(
        agency__name="市综合行政执法局", candidate__name="市综合执法局"
    )
    url = reverse("admin:agencies_agencymatchsuggestion_changelist")
    response = clerk.post(url, {"action": "confirm_merge", "_selected_action": [suggestion.pk]})
    assert response.status_code == 302
    kept = Agency.objects.get(name="市综合执法局")
    assert not Agency.objects.filter(name="市综合行政执法局").exists()
    assert AgencyAlias.objects.get(name="市综合行政执法局").agency == kept
    # the leading-group member who worked for the merged spelling now points at the kept one
    assert LeadingGroupMember.objects.get(name="罗向东").agency == kept
    # tasks that named both keep one link
    for task in Task.objects.filter(agencies=kept):
        assert TaskAgency.objects.filter(task=task, agency=kept).count() == 1


def test_rejecting_a_near_match_keeps_both(clerk):
    suggestion = AgencyMatchSuggestion.objects.get(agency__name="市发展改革委")
    url = reverse("admin:agencies_agencymatchsuggestion_changelist")
    clerk.post(url, {"action": "reject", "_selected_action": [suggestion.pk]})
    suggestion.refresh_from_db()
    assert suggestion.status == AgencyMatchSuggestion.Status.REJECTED
    assert Agency.objects.filter(name__in=["市发展改革委", "市发改委"]).count() == 2


def test_editing_a_tasks_leads_keeps_needs_lead_true(clerk):
    task = Task.objects.filter(plan__isnull=False).first()
    TaskAgency.objects.filter(task=task, role=TaskAgency.Role.LEAD).delete()
    services.task_sync_needs_lead(task=task)
    assert Task.objects.get(pk=task.pk).needs_lead is True


@pytest.mark.dates
def test_the_outbox_admin_shows_upcoming_reminders(clerk, time_machine):
    from datetime import date, datetime, time

    from django.utils import timezone

    from agencies.models import Agency
    from lib.workdays import add_working_days
    from tasks.models import Plan
    from workflow.models import ReportingPeriod
    from workflow.services import plan_dispatch, staff_profile_save

    today = date(2026, 11, 26)
    time_machine.move_to(timezone.make_aware(datetime.combine(today, time(10))))
    clerk.force_login(User.objects.get(username="clerk"))  # the session began on another day
    plan = Plan.objects.get()
    office = User.objects.create_user("office-clerk")
    staff_profile_save(user=office, agency=Agency.objects.get(name="市市场监管局(市知识产权局)"),
                       role="office_staff")
    ReportingPeriod.objects.create(plan=plan, label="2026年11月", starts_on=date(2026, 11, 1),
                                   ends_on=date(2026, 11, 30),
                                   due_on=add_working_days(today, 3))
    plan_dispatch(plan=plan, by=office)
    reporter = User.objects.create_user("nongye")
    staff_profile_save(user=reporter, agency=Agency.objects.get(name="市农业农村局"),
                       role="reporter")
    page = clerk.get(reverse("admin:notifications_outboxmessage_changelist"))
    upcoming = page.context["upcoming"]
    assert upcoming[0]["date"] == today and upcoming[0]["people"] >= 1
    assert all(i.stage == "before-3" for i in upcoming[0]["sample"])
