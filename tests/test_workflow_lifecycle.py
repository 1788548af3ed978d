"""The whole lifecycle on seed 001: dispatch → report → return → resubmit → verify (办结)."""
import pytest
from django_fsm_log.models import StateLog

from agencies.models import AgencyGroup
from tasks.models import Plan, Task, TaskAgency
from tests.cast import build_cast, person
from workflow import services
from workflow.models import Assignment, ProgressReport

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def cast():
    return build_cast()


def states(cast, report):
    report.refresh_from_db()
    cast.task.refresh_from_db()
    return report.state, cast.task.state


def test_dispatch_creates_one_assignment_per_task_and_agency(cast):
    assert cast.plan.state == Plan.State.DISPATCHED
    links = TaskAgency.objects.filter(task__plan=cast.plan).count()
    assert Assignment.objects.filter(task__plan=cast.plan, via_group=None).count() == links
    # line 253's supporting units come from the group of the leading group's member units
    via = Assignment.objects.filter(task=cast.task, via_group__isnull=False)
    group = AgencyGroup.objects.get(name__endswith="领导小组相关成员单位")
    assert set(via.values_list("agency", flat=True)) == (
        set(group.members.values_list("pk", flat=True))
        - set(TaskAgency.objects.filter(task=cast.task).values_list("agency", flat=True))
    )
    assert via.filter(agency__name="市工业和能源局", role="supporting").exists()
    log = StateLog.objects.for_(cast.plan).get()
    assert (log.source_state, log.state, log.by) == ("draft", "dispatched", cast.office)


def test_dispatch_is_refused_while_a_task_needs_a_lead(cast):
    other = person("clerk", "曾都区知识产权局", "office_staff")
    from tasks.services import plan_import
    from tests.seeds import seed_bytes, seed_path

    plan = plan_import(data=seed_bytes("000"), source_name=seed_path("000").name,
                       office_agency_id=other.profile.agency_id).plan
    with pytest.raises(services.WorkflowError, match="12"):
        services.plan_dispatch(plan=plan, by=other)
    plan.refresh_from_db()
    assert plan.state == Plan.State.DRAFT and not Assignment.objects.filter(task__plan=plan)


def test_report_return_resubmit_verify(cast):
    data = {"progress": "已完成地理标志培育。", "completion": "completed"}
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead, data=data)
    assert states(cast, report) == ("draft", "assigned")
    services.report_submit(report=report, by=cast.lead)
    assert states(cast, report) == ("submitted", "reporting")
    services.report_return(report=report, by=cast.office, reason="缺少数据支撑")
    assert states(cast, report) == ("returned", "reporting")
    assert report.return_reason == "缺少数据支撑"
    services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                         data={"progress": "已完成地理标志培育,新增3件。"})
    services.report_submit(report=report, by=cast.lead)
    assert states(cast, report) == ("submitted", "reporting")
    services.report_verify(report=report, by=cast.office, comment="同意办结")
    assert states(cast, report) == ("verified", "verified")
    trail = [(log.source_state, log.state, log.by.username, log.description)
             for log in StateLog.objects.for_(report).order_by("timestamp", "pk")]
    assert trail == [
        ("draft", "submitted", "lead", None),
        ("submitted", "returned", "office", "缺少数据支撑"),
        ("returned", "submitted", "lead", None),
        ("submitted", "verified", "office", "同意办结"),
    ]
    services.task_reopen(task=cast.task, by=cast.office, reason="指标数据需更新")
    assert states(cast, report)[1] == "reporting"
    assert StateLog.objects.for_(cast.task).latest("timestamp").description == "指标数据需更新"


def test_a_report_in_progress_does_not_close_the_task(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "推进中。"})
    services.report_submit(report=report, by=cast.lead)
    services.report_verify(report=report, by=cast.office)
    assert states(cast, report) == ("verified", "reporting")


def test_sign_off_when_the_plan_asks_for_it(db):
    cast = build_cast(requires_signoff=True)
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    services.report_submit(report=report, by=cast.lead)
    assert states(cast, report) == ("awaiting_signoff", "assigned")  # not yet at the office
    with pytest.raises(services.WorkflowError):
        services.report_sign_off(report=report, by=cast.lead)  # a reporter cannot sign
    services.report_send_back(report=report, by=cast.head, reason="请补充问题")
    assert states(cast, report)[0] == "draft"
    services.report_submit(report=report, by=cast.lead)
    services.report_sign_off(report=report, by=cast.head)
    assert states(cast, report) == ("submitted", "reporting")


def test_a_late_submission_is_recorded(db):
    from datetime import date

    cast = build_cast(due_on=date(2020, 1, 1))
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "迟报。"})
    services.report_submit(report=report, by=cast.lead)
    report.refresh_from_db()
    assert report.late is True


@pytest.mark.parametrize("action", ["return", "reopen"])
def test_a_reason_is_required(cast, action):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。", "completion": "completed"})
    services.report_submit(report=report, by=cast.lead)
    if action == "return":
        with pytest.raises(services.WorkflowError):
            services.report_return(report=report, by=cast.office, reason="  ")
        assert states(cast, report)[0] == "submitted"
    else:
        services.report_verify(report=report, by=cast.office)
        with pytest.raises(services.WorkflowError):
            services.task_reopen(task=cast.task, by=cast.office, reason="")
        assert states(cast, report)[1] == "verified"


def test_illegal_transitions_are_refused(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    with pytest.raises(services.WorkflowError):
        services.report_verify(report=report, by=cast.office)  # a draft is not verified
    with pytest.raises(services.WorkflowError):
        services.report_return(report=report, by=cast.office, reason="x")
    with pytest.raises(services.WorkflowError):
        services.task_reopen(task=cast.task, by=cast.office, reason="x")  # not verified
    with pytest.raises(services.WorkflowError):
        services.plan_dispatch(plan=cast.plan, by=cast.office)  # already dispatched
    services.report_submit(report=report, by=cast.lead)
    with pytest.raises(services.WorkflowError):
        services.report_submit(report=report, by=cast.lead)  # twice
    with pytest.raises(services.WorkflowError):
        services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                             data={"progress": "改"})  # submitted: read-only
    assert states(cast, report) == ("submitted", "reporting")


def test_nothing_writes_the_state_field_directly(cast):
    with pytest.raises(AttributeError):
        cast.task.state = Task.State.VERIFIED
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    with pytest.raises(AttributeError):
        report.state = ProgressReport.State.VERIFIED


def test_members_added_to_a_group_after_dispatch_get_assignments(cast):
    group = AgencyGroup.objects.get(name="各县(市、区)人民政府")
    assert not Assignment.objects.filter(via_group=group).exists()  # no members at dispatch
    county = person("county", "红花岗区人民政府", "reporter").profile.agency
    group.members.add(county)
    created = services.plan_assign_group_members(plan=cast.plan, by=cast.office)
    tasks_with_group = cast.plan.tasks.filter(group_links__group=group).count()
    assert created == tasks_with_group > 0
    assert services.plan_assign_group_members(plan=cast.plan, by=cast.office) == 0  # idempotent
    with pytest.raises(services.WorkflowError):
        services.plan_assign_group_members(plan=cast.plan, by=cast.lead)
