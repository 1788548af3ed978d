"""Who may do what: every role × every action, on the cast's task and on another plan's.

The services are what pages, the admin and the API call, so the matrix is asserted on them;
the pages' own 404s are tested with the pages.
"""
import pytest

from tasks.services import plan_import
from tests.cast import build_cast, person
from tests.seeds import seed_bytes, seed_path
from workflow import services
from workflow.models import Assignment, ReportingPeriod

pytestmark = pytest.mark.django_db

ROLES = ["office", "director", "lead", "head", "supporting", "leader", "outsider"]


@pytest.fixture
def cast():
    return build_cast()


def submitted(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。", "completion": "completed"})
    return services.report_submit(report=report, by=cast.lead)


def attempt(action) -> bool:
    try:
        action()
    except services.WorkflowError:
        return False
    return True


ACTIONS = {
    "save report": (
        {"lead", "head"},
        lambda c, u: services.report_save(task=c.task, period=c.period, by=u,
                                          data={"progress": "x"}),
    ),
    "verify": (
        {"office", "director"},
        lambda c, u: services.report_verify(report=submitted(c), by=u),
    ),
    "return": (
        {"office", "director"},
        lambda c, u: services.report_return(report=submitted(c), by=u, reason="补充"),
    ),
    "contribute": (
        {"supporting"},
        lambda c, u: services.contribution_save(task=c.task, period=c.period, by=u, text="材料"),
    ),
    "instruct": (
        {"director", "leader"},
        lambda c, u: services.instruction_create(task=c.task, by=u, text="抓紧推进"),
    ),
    "acknowledge": (
        {"lead", "head"},
        lambda c, u: services.assignment_acknowledge(
            assignment=Assignment.objects.get(task=c.task, agency__name="市农业农村局"), by=u),
    ),
    "reassign": (
        {"office", "director"},
        lambda c, u: services.assignment_reassign(
            assignment=Assignment.objects.get(task=c.task, agency__name="市农业农村局"),
            to_agency=c.outsider.profile.agency, by=u, reason="职责调整"),
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_matrix_on_the_casts_task(cast, role, action):
    allowed, run = ACTIONS[action]
    user = getattr(cast, role)
    assert attempt(lambda: run(cast, user)) is (role in allowed)


@pytest.mark.parametrize("role", ROLES)
def test_nobody_acts_on_another_offices_plan(cast, role):
    """Seed 003 under another office: the cast's office and agencies have no part in it."""
    other_office = person("other-office", "济南市槐荫区市场监管局", "office_staff")
    plan = plan_import(data=seed_bytes("003"), source_name=seed_path("003").name,
                       office_agency_id=other_office.profile.agency_id).plan
    task = plan.tasks.exclude(needs_lead=True).first()
    period = ReportingPeriod.objects.create(plan=plan, label="Q4", starts_on="2026-10-01",
                                            ends_on="2026-12-31", due_on="2099-01-01")
    user = getattr(cast, role)
    assert not attempt(lambda: services.report_save(task=task, period=period, by=user,
                                                    data={"progress": "x"}))
    assert not attempt(lambda: services.instruction_create(task=task, by=user, text="x"))
    assert not attempt(lambda: services.contribution_save(task=task, period=period, by=user,
                                                          text="x"))
    assert not user.has_perm("tasks.supervise_plan", plan)


def test_a_reassigned_agency_loses_the_task_and_the_new_one_gets_it(cast):
    services.assignment_reassign(
        assignment=Assignment.objects.get(task=cast.task, agency__name="市农业农村局"),
        to_agency=cast.outsider.profile.agency, by=cast.office, reason="职责调整")
    for user in (cast.lead, cast.outsider):
        user._perm_cache = None  # fresh permission checks, as on the next request
    from django.contrib.auth.models import User

    lead, outsider = User.objects.get(pk=cast.lead.pk), User.objects.get(pk=cast.outsider.pk)
    assert not lead.has_perm("tasks.report_task", cast.task)
    assert outsider.has_perm("tasks.report_task", cast.task)
    old = Assignment.objects.get(task=cast.task, agency__name="市农业农村局")
    assert old.active is False and old.ended_at is not None and old.end_reason == "职责调整"


def test_model_wide_rights_do_not_open_tasks(cast):
    """An admin clerk's model permissions are not object permissions."""
    from django.contrib.auth.models import Permission

    from workflow.selectors import tasks_of_agency_user

    cast.outsider.user_permissions.add(Permission.objects.get(codename="report_task"))
    assert not tasks_of_agency_user(cast.outsider).exists()
