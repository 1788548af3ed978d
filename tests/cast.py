"""The people of a workflow test, on seed 001 imported, given a period and dispatched.

office / director   office staff and director of 市市场监管局(市知识产权局), the plan's office
lead / head         reporter and head of 市农业农村局, which co-leads the task at line 253
supporting          reporter of 市工业和能源局, a member unit of the leading group: it supports
                    line 253 through the group …领导小组相关成员单位
leader              a leader at 市人民政府 (组长's unit): reads the whole plan
outsider            a reporter of an agency with no task in the plan
"""
import copy
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from unittest import mock

import time_machine
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from guardian.models import GroupObjectPermission

from agencies.models import Agency, LeadingGroup, StaffProfile
from agencies.permissions import plan_grant
from tasks import services as task_services
from tasks.importers import read_plan_file
from tasks.importers.reading import at_line
from tasks.models import Plan, Task
from tests.seeds import seed_bytes, seed_path
from workflow.models import ReportingPeriod
from workflow.services import plan_dispatch, staff_profile_save

Role = StaffProfile.Role
OFFICE = "市市场监管局(市知识产权局)"


@dataclass
class Cast:
    plan: Plan
    period: ReportingPeriod
    task: Task  # led by 市农业农村局 (with the office's agency), supported by 市工业和能源局
    office: User
    director: User
    lead: User
    head: User
    supporting: User
    leader: User
    outsider: User


def person(username: str, agency_name: str, role: str) -> User:
    agency, _ = Agency.objects.get_or_create(name=agency_name)
    user = User.objects.create_user(username, password="pw")
    staff_profile_save(user=user, agency=agency, role=role)
    return user


def built_on_for(due_on: date) -> date:
    """The day the cast is built: today, unless that is less than two weeks before the period
    falls due. Then two weeks before it, so that the assignments (stamped "now" by
    auto_now_add) always precede the due date, whatever day the suite runs on."""
    return min(timezone.localdate(), due_on - timedelta(days=14))


def build_cast(*, requires_signoff: bool = False, due_on: date = date(2099, 1, 10),
               built_on: date | None = None) -> Cast:
    built_on = built_on or built_on_for(due_on)
    if built_on == timezone.localdate():
        return _build_cast(requires_signoff, due_on)
    moment = timezone.make_aware(datetime.combine(built_on, time(10)))
    with time_machine.travel(moment, tick=True):
        return _build_cast(requires_signoff, due_on)


_readings: dict = {}


def _read_once(data: bytes, source_name: str):
    """The seed's reading, parsed once per test process and copied for each cast: hundreds of
    tests build one, and reading the file (in its sandboxed child) was a third of the time.
    The importer's own tests read their files every time. Per language: a reading's words
    (source references, warnings) are in the language active when it was read."""
    key = (data, source_name, translation.get_language())
    if key not in _readings:
        _readings[key] = read_plan_file(data, source_name)
    return copy.deepcopy(_readings[key])


def plan_import(**kwargs):
    with mock.patch.object(task_services, "read_plan_file", _read_once):
        return task_services.plan_import(**kwargs)


def _build_cast(requires_signoff: bool, due_on: date) -> Cast:
    plan = plan_import(data=seed_bytes("001"), source_name=seed_path("001").name).plan
    if requires_signoff:
        Plan.objects.filter(pk=plan.pk).update(requires_signoff=True)
        plan.refresh_from_db()
    period = ReportingPeriod.objects.create(
        plan=plan, label="第4季度", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31),
        due_on=due_on,
    )
    office = person("office", OFFICE, Role.OFFICE_STAFF)
    cast = Cast(
        plan=plan, period=period, task=Task.objects.get(plan=plan, source_ref=at_line(253)),
        office=office,
        director=person("director", OFFICE, Role.OFFICE_DIRECTOR),
        lead=person("lead", "市农业农村局", Role.REPORTER),
        head=person("head", "市农业农村局", Role.HEAD),
        supporting=person("supporting", "市工业和能源局", Role.REPORTER),
        leader=person("leader", "市人民政府", Role.LEADER),
        outsider=person("outsider", "某县人民政府", Role.REPORTER),
    )
    plan_dispatch(plan=plan, by=office)
    cast.plan.refresh_from_db()
    return cast


SECOND_OFFICE = "第二领导小组办公室"


@dataclass
class SecondOffice:
    """Another plan (seed 001 again, one byte apart) under another office: its staff and
    director must see nothing of the first plan."""

    plan: Plan
    period: ReportingPeriod
    task: Task
    office: User
    director: User


def build_second_office() -> SecondOffice:
    plan = plan_import(data=seed_bytes("001") + b"\n", source_name="second-plan.txt").plan
    host, _ = Agency.objects.get_or_create(name=SECOND_OFFICE)
    Plan.objects.filter(pk=plan.pk).update(office_agency=host, title="第二个规划")
    LeadingGroup.objects.filter(plan=plan).update(office_agency=host)
    plan.refresh_from_db()
    # The import granted the plan to the office its text names (the first plan's office):
    # take that back and grant it to the second office instead.
    GroupObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(Plan), object_pk=str(plan.pk)).delete()
    plan_grant(plan)
    period = ReportingPeriod.objects.create(
        plan=plan, label="第4季度", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31),
        due_on=date(2099, 1, 10),
    )
    office = person("office2", SECOND_OFFICE, Role.OFFICE_STAFF)
    second = SecondOffice(
        plan=plan, period=period, task=Task.objects.get(plan=plan, source_ref=at_line(253)),
        office=office, director=person("director2", SECOND_OFFICE, Role.OFFICE_DIRECTOR),
    )
    plan_dispatch(plan=plan, by=office)
    second.plan.refresh_from_db()
    return second
