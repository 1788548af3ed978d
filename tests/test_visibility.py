"""The visibility rule (workflow/visibility.py), kind by kind and role by role.

Each kind is checked three ways that must agree: the queryset filter, the predicate and the
page or download that answers 404. The regression cases of issue 10 are named as such.
"""
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.urls import reverse

from supervision.indicators import plan_indicators
from tests.cast import build_cast, person
from workflow import services, visibility
from workflow.attachments import attachment_add
from workflow.errors import WorkflowError
from workflow.models import Attachment, Contribution, IndicatorValue, Instruction, ProgressReport

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
DRAFT_TEXT = "草稿里尚未报送的进展"
MATERIAL = "配合单位尚未提交的材料"
ROLES = ["lead", "head", "supporting", "co_supporter", "office", "director", "leader",
         "outsider"]


@pytest.fixture
def cast():
    cast = build_cast(requires_signoff=True)
    # Another supporting agency of the same task (through the leading group's member units).
    cast.co_supporter = person("co-supporter", "市公安局", "reporter")
    return cast


def users(cast) -> dict:
    return {role: getattr(cast, role) for role in ROLES}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def draft(cast, text=DRAFT_TEXT) -> ProgressReport:
    return services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                data={"progress": text})


def attach(owner, by) -> Attachment:
    upload = SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")
    return attachment_add(owner=owner, upload=upload, by=by)


def seen_report(cast, report) -> dict[str, bool]:
    """Per role: queryset, predicate and the 404 lookup agree, and say whether it is seen."""
    seen = {}
    for role, user in users(cast).items():
        in_qs = visibility.reports_visible_to(user).filter(pk=report.pk).exists()
        assert visibility.report_visible_to(user, report) == in_qs, role
        try:
            visibility.report_or_404(user, report.pk)
        except Http404:
            assert not in_qs, role
        else:
            assert in_qs, role
        seen[role] = in_qs
    return seen


def expect(*roles) -> dict:
    return {role: role in roles for role in ROLES}


# ---- reports and their attachments ------------------------------------------------------------

def test_a_report_is_seen_by_its_lead_agency_until_it_is_sent_on(cast):
    report = draft(cast)
    file = attach(report, cast.lead)
    lead_only = expect("lead", "head")
    assert seen_report(cast, report) == lead_only

    services.report_submit(report=report, by=cast.lead)  # sign-off required: to the head first
    report.refresh_from_db()
    assert report.state == "awaiting_signoff"
    assert seen_report(cast, report) == lead_only

    services.report_sign_off(report=report, by=cast.head)
    report.refresh_from_db()
    everyone_on_the_task = expect("lead", "head", "supporting", "co_supporter", "office",
                                  "director", "leader")
    assert seen_report(cast, report) == everyone_on_the_task
    for role, user in users(cast).items():
        assert visibility.attachment_visible_to(user, file) == everyone_on_the_task[role], role

    services.report_return(report=report, by=cast.office, reason="请补充。")
    report.refresh_from_db()
    assert seen_report(cast, report) == everyone_on_the_task  # returned: it was sent on


def test_regression_a_supporting_agency_cannot_open_the_leads_draft_or_its_file(cast):
    report = draft(cast)
    file = attach(report, cast.lead)
    for user in (cast.supporting, cast.co_supporter, cast.outsider):
        client = client_for(user)
        assert client.get(reverse("workflow:report", args=[report.pk])).status_code == 404
        assert client.get(reverse("workflow:attachment", args=[file.pk])).status_code == 404
    lead = client_for(cast.lead)
    assert lead.get(reverse("workflow:attachment", args=[file.pk])).status_code == 200


def test_regression_the_office_director_and_leader_cannot_read_an_unsent_draft(cast):
    report = draft(cast)
    file = attach(report, cast.lead)
    task_page = reverse("workflow:task", args=[cast.task.pk]) + f"?period={cast.period.pk}"
    for user in (cast.office, cast.director, cast.leader):
        client = client_for(user)
        assert client.get(reverse("workflow:report", args=[report.pk])).status_code == 404
        assert client.get(reverse("workflow:attachment", args=[file.pk])).status_code == 404
        page = client.get(task_page)
        assert page.status_code == 200 and DRAFT_TEXT not in page.content.decode()
        assert "材料.pdf" not in page.content.decode()


def test_the_sign_off_steps_stay_inside_the_lead_agency(cast):
    report = draft(cast)
    services.report_submit(report=report, by=cast.lead)
    services.report_send_back(report=report, by=cast.head, reason="负责人退回的理由")
    task_page = reverse("workflow:task", args=[cast.task.pk])
    assert "负责人退回的理由" in client_for(cast.lead).get(task_page).content.decode()
    for user in (cast.office, cast.supporting, cast.leader):
        assert "负责人退回的理由" not in client_for(user).get(task_page).content.decode()


# ---- contributions ----------------------------------------------------------------------------

def seen_contribution(cast, contribution) -> dict[str, bool]:
    seen = {}
    for role, user in users(cast).items():
        in_qs = visibility.contributions_visible_to(user).filter(pk=contribution.pk).exists()
        assert visibility.contribution_visible_to(user, contribution) == in_qs, role
        seen[role] = in_qs
    return seen


def test_a_contribution_is_its_agencys_until_submitted_then_the_leads_and_the_offices(cast):
    contribution = services.contribution_save(task=cast.task, period=cast.period,
                                              by=cast.supporting, text=MATERIAL)
    file = attach(contribution, cast.supporting)
    assert seen_contribution(cast, contribution) == expect("supporting")
    services.contribution_save(task=cast.task, period=cast.period, by=cast.supporting,
                               text=MATERIAL, submit=True)
    sent = expect("supporting", "lead", "head", "office", "director", "leader")
    assert seen_contribution(cast, contribution) == sent
    for role, user in users(cast).items():
        assert visibility.attachment_visible_to(user, file) == sent[role], role


def test_regression_co_supporters_cannot_read_each_others_material(cast):
    contribution = services.contribution_save(task=cast.task, period=cast.period,
                                              by=cast.supporting, text=MATERIAL)
    file = attach(contribution, cast.supporting)
    client = client_for(cast.co_supporter)
    assert client.get(reverse("workflow:attachment", args=[file.pk])).status_code == 404
    page = client.get(reverse("workflow:task", args=[cast.task.pk]))
    assert page.status_code == 200 and MATERIAL not in page.content.decode()
    # nor can it attach files to it
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    url = reverse("workflow:contribution-attach", args=[contribution.pk])
    assert client.post(url, {"file": upload}).status_code == 404
    assert Contribution.objects.get().attachments.count() == 1


# ---- indicator values -------------------------------------------------------------------------

def test_an_indicator_value_follows_its_report(cast):
    indicator = cast.plan.indicators.order_by("order").first()
    cast.task.indicators.add(indicator)
    report = draft(cast)
    value = services.indicator_value_set(indicator=indicator, period=cast.period, by=cast.lead,
                                         value=Decimal("7"))
    lead_only = expect("lead", "head")
    for role, user in users(cast).items():
        assert visibility.indicator_value_visible_to(user, value) == lead_only[role], role
    assert not visibility.indicator_values_sent().exists()
    [row] = [r for r in plan_indicators(cast.plan, cast.period.ends_on)["rows"]
             if r["indicator"] == indicator]
    assert row["value"] is None  # the dashboard does not count a draft's figure

    services.report_submit(report=report, by=cast.lead)
    services.report_sign_off(report=report, by=cast.head)
    sent = expect("lead", "head", "supporting", "co_supporter", "office", "director",
                  "leader")
    for role, user in users(cast).items():
        assert visibility.indicator_value_visible_to(user, value) == sent[role], role
    [row] = [r for r in plan_indicators(cast.plan, cast.period.ends_on)["rows"]
             if r["indicator"] == indicator]
    assert row["value"] == IndicatorValue.objects.get()


# ---- instructions and bulletins ---------------------------------------------------------------

def test_an_instruction_is_seen_with_its_task_and_its_report(cast):
    on_task = services.instruction_create(task=cast.task, by=cast.leader, text="抓紧推进。")
    everyone_on_the_task = expect("lead", "head", "supporting", "co_supporter", "office",
                                  "director", "leader")
    for role, user in users(cast).items():
        assert visibility.instruction_visible_to(user, on_task) == everyone_on_the_task[role]
    report = draft(cast)
    with pytest.raises(WorkflowError):  # a draft cannot carry an instruction: no one may read it
        services.instruction_create(task=cast.task, by=cast.leader, text="对草稿的批示",
                                    report=report)
    assert not Instruction.objects.filter(report=report).exists()
    # Were one written on a report still inside the agency, only the agency would see it.
    hidden = Instruction.objects.create(task=cast.task, report=report, author=cast.leader,
                                        text="x")
    for role, user in users(cast).items():
        assert visibility.instruction_visible_to(user, hidden) == (role in ("lead", "head"))


def test_bulletins_are_the_offices_and_the_leaders(cast):
    for role, user in users(cast).items():
        assert visibility.bulletin_visible_to(user, cast.period) == (
            role in ("office", "director", "leader")), role
    response = client_for(cast.supporting).get(
        reverse("supervision:bulletins", args=[cast.period.pk]))
    assert response.status_code == 404


def test_anonymous_sees_nothing(cast):
    from django.contrib.auth.models import AnonymousUser

    report = draft(cast)
    anonymous = AnonymousUser()
    assert not visibility.report_visible_to(anonymous, report)
    assert not visibility.contributions_visible_to(anonymous).exists()
    assert not visibility.attachments_visible_to(anonymous).exists()
    assert not visibility.indicator_values_visible_to(anonymous).exists()
    assert not visibility.instructions_visible_to(anonymous).exists()
    assert not visibility.bulletin_periods_visible_to(anonymous).exists()


# ---- the admin, scoped to the office ---------------------------------------------------------

def admin_clerk(user) -> Client:
    """An office user as the demo makes them: staff, with every model permission of our apps
    and of users (which the scope must not honour)."""
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.filter(
        content_type__app_label__in=["agencies", "tasks", "workflow", "supervision",
                                     "notifications", "auth"]))
    return client_for(user)


def test_regression_the_second_office_cannot_read_or_change_the_first_plan_in_the_admin(cast):
    from tests.cast import build_second_office

    second = build_second_office()
    report = draft(cast)
    services.report_submit(report=report, by=cast.lead)
    services.report_sign_off(report=report, by=cast.head)
    client = admin_clerk(second.office)
    for name, obj in [("tasks_task", cast.task), ("tasks_plan", cast.plan),
                      ("workflow_progressreport", report),
                      ("workflow_reportingperiod", cast.period)]:
        change = reverse(f"admin:{name}_change", args=[obj.pk])
        assert client.get(change).status_code == 404, name
        listing = client.get(reverse(f"admin:{name}_changelist"))
        assert listing.status_code == 200
        shown = {row.pk for row in listing.context["cl"].result_list}
        assert obj.pk not in shown, name
    # its own plan's task opens, and only its own plans are offered
    form = client.get(reverse("admin:tasks_task_change", args=[second.task.pk]))
    assert form.status_code == 200
    assert set(form.context["adminform"].form.fields["plan"].queryset) == {second.plan}
    # an edit of the first plan's task is refused, and nothing changes
    before = cast.task.content
    client.post(reverse("admin:tasks_task_change", args=[cast.task.pk]), {"content": "改了"})
    cast.task.refresh_from_db()
    assert cast.task.content == before


def test_regression_no_office_user_changes_their_own_or_anyones_profile(cast):
    from agencies.models import StaffProfile

    client = admin_clerk(cast.office)
    profile = StaffProfile.objects.get(user=cast.office)
    url = reverse("admin:agencies_staffprofile_change", args=[profile.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"user": cast.office.pk, "agency": profile.agency_id,
                                 "role": "office_director"})
    assert response.status_code == 403
    assert StaffProfile.objects.get(pk=profile.pk).role == "office_staff"
    assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
    # a superuser edits others' profiles, never their own
    from django.contrib.auth.models import User

    root = User.objects.create_superuser("root", password="x")
    from workflow.services import staff_profile_save

    own = staff_profile_save(user=root, agency=profile.agency, role="office_staff")
    su = client_for(root)
    su.post(reverse("admin:agencies_staffprofile_change", args=[own.pk]),
            {"user": root.pk, "agency": profile.agency_id, "role": "office_director"})
    assert StaffProfile.objects.get(pk=own.pk).role == "office_staff"
    su.post(url, {"user": cast.office.pk, "agency": profile.agency_id, "role": "office_director"})
    assert StaffProfile.objects.get(pk=profile.pk).role == "office_director"


def test_the_office_reads_no_draft_in_the_admin(cast):
    report = draft(cast)
    file = attach(report, cast.lead)
    contribution = services.contribution_save(task=cast.task, period=cast.period,
                                              by=cast.supporting, text=MATERIAL)
    client = admin_clerk(cast.office)
    assert client.get(reverse("admin:workflow_progressreport_change",
                              args=[report.pk])).status_code == 404
    assert client.get(reverse("admin:workflow_contribution_change",
                              args=[contribution.pk])).status_code == 404
    listing = client.get(reverse("admin:workflow_progressreport_changelist"), {"q": "草稿"})
    assert report.pk not in {r.pk for r in listing.context["cl"].result_list}
    services.report_submit(report=report, by=cast.lead)
    services.report_sign_off(report=report, by=cast.head)
    page = client.get(reverse("admin:workflow_progressreport_change", args=[report.pk]))
    assert page.status_code == 200 and file.name in page.content.decode()


def test_every_admin_is_office_scoped_or_superuser_only():
    from django.contrib import admin

    from agencies.admin import OfficeScopedAdmin, SuperuserOnlyAdmin

    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, (OfficeScopedAdmin, SuperuserOnlyAdmin)), model
        if isinstance(model_admin, OfficeScopedAdmin) and model_admin.plan_path is None:
            # not a plan's object: the directory, which says itself what it shows
            assert type(model_admin).scoped is not OfficeScopedAdmin.scoped, model


def test_a_drafts_completion_claim_stays_with_the_lead_too(cast):
    import re

    from django.utils import translation

    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": DRAFT_TEXT, "completion": "completed"})
    with translation.override("zh-hans"):
        claimed = str(ProgressReport.Completion.COMPLETED.label)
    task_page = reverse("workflow:task", args=[cast.task.pk])

    def report_row(user) -> str:
        body = client_for(user).get(task_page).content.decode()
        return re.search(rf'<tr id="report-{report.pk}">.*?</tr>', body, re.S).group(0)

    assert claimed in report_row(cast.lead)
    for user in (cast.office, cast.supporting, cast.leader):
        assert claimed not in report_row(user)


def test_a_users_sets_are_read_when_used_not_when_first_built(cast):
    """tasks.selectors builds each user's sets once per user object (a page asks for them ten
    times): a grant or a revocation made since is still seen by the same object, even after a
    set was read whole."""
    from guardian.shortcuts import remove_perm

    from agencies.permissions import REPORT_TASK, grant, group_for
    from tasks.selectors import tasks_visible_to
    from workflow.visibility import lead_tasks

    user, task = cast.outsider, cast.task
    agency_id = user.profile.agency_id
    assert not tasks_visible_to(user).filter(pk=task.pk).exists()
    assert list(lead_tasks(user)) == []  # read whole: must not freeze what follows
    grant([(REPORT_TASK, agency_id, "staff", task)])
    assert tasks_visible_to(user).filter(pk=task.pk).exists()
    assert list(lead_tasks(user)) == [task]
    remove_perm(REPORT_TASK, group_for(agency_id, "staff"), task)
    assert not tasks_visible_to(user).filter(pk=task.pk).exists()
    assert list(lead_tasks(user)) == []
