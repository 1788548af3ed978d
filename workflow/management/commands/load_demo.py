"""Demo data for the embedded default: seed 001 imported and dispatched, a past period's
history, accounts printed.

Idempotent: the plan is imported once (same sha256) and dispatched once, and the history is
written by the run that dispatches it; the accounts are created or reset to the printed
passwords. Every report of the history goes through the services (workflow.services), as a
person would have sent it, with the clock pinned to the day it happened (time-machine), so the
timestamps, the timeline and what was late are those of the past.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import time_machine
from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from agencies.models import Agency, StaffProfile
from lib.workdays import add_working_days
from supervision.bulletins import bulletin_files, bulletin_generate
from tasks.models import Plan, Task
from tasks.services import plan_import
from workflow.models import Assignment, ProgressReport, ReportingPeriod
from workflow.periods import plan_reminder_defaults
from workflow.services import (
    assignment_acknowledge,
    plan_dispatch,
    report_return,
    report_save,
    report_sign_off,
    report_submit,
    report_verify,
    staff_profile_save,
)

DEMO_PLAN = Path(settings.BASE_DIR) / "seeds" / "001_bd8fbcfcfad85180.txt"
ADMIN_GROUP = "office-admin"
# Object permissions (who may report on which task…) are never given model-wide.
OBJECT_PERMS = ["supervise_plan", "lead_plan", "report_task", "contribute_task", "signoff_task"]
OFFICE = "市市场监管局(市知识产权局)"
# The agency whose reports go to its head first (Agency.requires_signoff).
SIGNOFF_AGENCY = "市农业农村局"
Role = StaffProfile.Role
# (username, password, agency, role): the office sits in the 市场监管局, as 附件1 says; the
# 市场监管局 also leads most of the plan's tasks, reported by its own staff (shichang).
DEMO_USERS = [
    ("office", "duban-office-demo", OFFICE, Role.OFFICE_STAFF),
    ("director", "duban-office-demo", OFFICE, Role.OFFICE_DIRECTOR),
    ("guanli", "duban-admin-demo", OFFICE, Role.OFFICE_STAFF),
    ("shichang", "duban-agency-demo", OFFICE, Role.REPORTER),
    ("nongye", "duban-agency-demo", SIGNOFF_AGENCY, Role.REPORTER),
    ("juzhang", "duban-agency-demo", SIGNOFF_AGENCY, Role.HEAD),
    ("gongxin", "duban-agency-demo", "市工业和能源局", Role.REPORTER),
    ("keji", "duban-agency-demo", "市科技与大数据局", Role.REPORTER),
    ("leader", "duban-leader-demo", "市人民政府", Role.LEADER),
]
# The office administrator: staff of the office who may also open the admin (scoped to the
# office's plans, agencies.admin.OfficeScopedAdmin). Everyone else works on the pages only.
ADMIN_USERS = {"guanli"}
RETURN_REASON = "请补充本月工作的具体成效和数据。"


def demo_period(today: date):
    """The seed's pilot ended in 2025; the demo reports on the current month, due three working
    days from the day the demo is loaded, so that reminders are due at once (before-3)."""
    first = today.replace(day=1)
    last = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return (f"{today.year}年{today.month}月", first, last - timedelta(days=1),
            add_working_days(today, 3))


def past_period(today: date):
    """The history's period: the latest month before the current one whose report was due (5
    working days after it ended) at least 5 working days ago, so that late reports, returns
    and resubmissions all fit between its due date and today."""
    first = today.replace(day=1)
    while True:
        last = first - timedelta(days=1)
        first = last.replace(day=1)
        due = add_working_days(last, 5)
        if add_working_days(due, 5) < today:
            return f"{first.year}年{first.month}月", first, last, due


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class History:
    """What the history wrote, for the command's summary."""
    on_time: int = 0
    late: int = 0
    returned: int = 0
    verified: int = 0
    signed_off: int = 0


class Command(BaseCommand):
    help = ("Import and dispatch seed 001 with a past period's history, and create demo "
            "accounts for the office and agencies.")

    def handle(self, *args, **options):
        today = timezone.localdate()
        past = past_period(today)
        dispatch_at = _at(past[1], 9)
        with time_machine.travel(dispatch_at, tick=False):  # imported before the history
            outcome = plan_import(data=DEMO_PLAN.read_bytes(), source_name=DEMO_PLAN.name)
        plan = outcome.plan
        verb = "imported" if outcome.created else "already imported"
        self.stdout.write(f"Plan {verb}: #{plan.pk} {plan.title}")
        with transaction.atomic():
            admin_group = self._admin_group()
            for username, password, agency_name, role in DEMO_USERS:
                self._account(username, password, agency_name, role, admin_group)
            self._demo_addresses()  # before the history, whose returns are mailed
            Agency.objects.filter(name=SIGNOFF_AGENCY).update(requires_signoff=True)
            periods = {}
            for key, (label, starts, ends, due) in (("past", past),
                                                    ("current", demo_period(today))):
                periods[key], _ = ReportingPeriod.objects.get_or_create(
                    plan=plan, label=label, defaults={"starts_on": starts, "ends_on": ends,
                                                      "due_on": due})
            # A plan imported before reminders existed gets their defaults (each part once).
            plan_reminder_defaults(plan)
        if plan.state == Plan.State.DRAFT:
            users = {u.username: u for u in User.objects.filter(
                username__in=[row[0] for row in DEMO_USERS])}
            with transaction.atomic():
                with time_machine.travel(dispatch_at, tick=False):
                    dispatched = plan_dispatch(plan=plan, by=users["office"])
                history = self._history(plan, periods["past"], users)
                self._current(plan, periods["current"], users)
            self.stdout.write(f"Plan dispatched: {dispatched.assignments} assignments")
            self.stdout.write(
                f"History of {periods['past'].label}: {history.on_time} reports on time, "
                f"{history.late} late, {history.returned} returned, {history.verified} "
                f"verified, {history.signed_off} signed off by the agency head; the rest "
                "missing")
        if not bulletin_files(periods["past"]):
            bulletin_generate(period=periods["past"], by=User.objects.get(username="office"))
        self.stdout.write(f"\nDemo accounts ({settings.SITE_URL}/):")
        for username, password, agency_name, role in DEMO_USERS:
            admin = ", admin" if username in ADMIN_USERS else ""
            self.stdout.write(f"  {username:8} / {password:18} {agency_name} ({role}{admin})")
        self._demo_mail()

    # ---- the history ------------------------------------------------------------------------

    @staticmethod
    def _led_by(plan: Plan, agency_name: str, *, alone: bool) -> list[Task]:
        """The plan's tasks this agency leads (alone: without a co-lead), in the plan's order."""
        tasks = (Task.objects.filter(plan=plan, assignments__agency__name=agency_name,
                                     assignments__role="lead", assignments__active=True)
                 .annotate(leads=Count("agency_links", filter=Q(agency_links__role="lead"))))
        return list((tasks.filter(leads=1) if alone else tasks).order_by("order"))

    def _history(self, plan: Plan, period: ReportingPeriod, users: dict) -> History:
        """The past period as it happened: the agencies acknowledged their tasks; on time,
        late, returned (one of them resubmitted), verified, signed off by the head; the rest
        missing. Each step at its own moment around the due date."""
        due, done = period.due_on, History()
        office, reporter = users["office"], users["shichang"]

        def day(n: int) -> date:
            return add_working_days(due, n)

        def step(moment: datetime, action) -> None:
            with time_machine.travel(moment, tick=False):
                action()

        ack_at = _at(period.starts_on + timedelta(days=1), 10)
        for assignment in Assignment.objects.filter(
                task__plan=plan, agency__name__in=[OFFICE, SIGNOFF_AGENCY], active=True):
            by = reporter if assignment.agency.name == OFFICE else users["nongye"]
            step(ack_at, lambda a=assignment, by=by: assignment_acknowledge(assignment=a, by=by))

        def send(task: Task, moment: datetime, progress: str, *, by=reporter,
                 completion: str = ProgressReport.Completion.IN_PROGRESS) -> ProgressReport:
            holder = {}

            def act():
                holder["report"] = report_save(task=task, period=period, by=by, data={
                    "progress": progress, "completion": completion,
                    "problems": "部分数据仍在统计中。", "next_steps": "按计划继续推进。"})
                report_submit(report=holder["report"], by=by)
            step(moment, act)
            return holder["report"]

        def verify(report: ProgressReport, moment: datetime) -> None:
            step(moment, lambda: report_verify(report=report, by=office))
            done.verified += 1

        tasks = self._led_by(plan, OFFICE, alone=True)
        # On time and verified; the first claims completion, which closes its task (办结).
        for n, task in enumerate(tasks[:4]):
            completion = (ProgressReport.Completion.COMPLETED if n == 0
                          else ProgressReport.Completion.IN_PROGRESS)
            report = send(task, _at(day(-2), 10, n), "本月工作已按计划完成，相关材料已归档。",
                          completion=completion)
            done.on_time += 1
            verify(report, _at(day(-1), 15, n))
        # Late, waiting for the office in its review queue.
        for n, task in enumerate(tasks[4:6]):
            send(task, _at(day(2), 10, n), "本月工作已推进，报送有所延迟。")
            done.late += 1
        # Late, then verified.
        report = send(tasks[6], _at(day(1), 14), "本月工作已完成，因统计口径调整报送延迟。")
        done.late += 1
        verify(report, _at(day(3), 10))
        # Returned: one left for the agency to revise, one revised, sent again (late) and
        # verified.
        for n, task in enumerate(tasks[7:9]):
            report = send(task, _at(day(-1), 10, n), "本月工作已推进。")
            step(_at(day(1), 11, n),
                 lambda r=report: report_return(report=r, by=office, reason=RETURN_REASON))
            done.returned += 1
        report = send(tasks[8], _at(day(3), 9),
                      "本月新增专利质押融资2笔，金额1200万元，已补充成效数据。")
        verify(report, _at(day(4), 16))
        # The 农业农村局's reports go to its head first: sent, signed off in time, verified.
        farm = self._led_by(plan, SIGNOFF_AGENCY, alone=False)[:1]
        for task in farm:
            report = send(task, _at(day(-2), 9, 30), "本月新认定农产品地理标志1件。",
                          by=users["nongye"])
            step(_at(day(-1), 17),
                 lambda r=report: report_sign_off(report=r, by=users["juzhang"]))
            done.signed_off += 1
            done.on_time += 1
            report.refresh_from_db()
            verify(report, _at(day(0), 10))
        return done

    def _current(self, plan: Plan, period: ReportingPeriod, users: dict) -> None:
        """This month: two reports already in (green), one awaiting the 农业农村局 head's
        sign-off (待审签), the rest due in three working days (yellow)."""
        reporter = users["shichang"]
        for task in self._led_by(plan, OFFICE, alone=True)[9:11]:
            report = report_save(task=task, period=period, by=reporter, data={
                "progress": "本月工作已按计划推进，已完成阶段目标。"})
            report_submit(report=report, by=reporter)
        for task in self._led_by(plan, SIGNOFF_AGENCY, alone=False)[1:2]:
            report = report_save(task=task, period=period, by=users["nongye"], data={
                "progress": "本月开展农产品品牌培育培训1场。"})
            report_submit(report=report, by=users["nongye"])

    # ---- accounts ---------------------------------------------------------------------------

    @staticmethod
    def _demo_addresses() -> None:
        """Demo accounts get an address under .invalid (never deliverable) so that reminders are
        queued for them; an address set in the admin is kept."""
        for username, *_rest in DEMO_USERS:
            User.objects.filter(username=username, email="").update(
                email=f"{username}@demo.duban.invalid")

    def _demo_mail(self) -> None:
        """In DEBUG without EMAIL_BACKEND the emails are written as files under var/mail
        (settings), their links starting with SITE_URL (`make run` sets it to the address it
        serves on)."""
        where = (f"files in {settings.EMAIL_FILE_PATH}" if "filebased" in settings.EMAIL_BACKEND
                 else settings.EMAIL_BACKEND)
        self.stdout.write(f"\nEmails go to {where}, their links to {settings.SITE_URL}. "
                          "Reminders: python manage.py send_reminders [--date YYYY-MM-DD] "
                          "[--dry-run]")

    @staticmethod
    def _admin_group() -> Group:
        """Office staff manage plans and agencies in the admin (model permissions only)."""
        group, _ = Group.objects.get_or_create(name=ADMIN_GROUP)
        # … and the agencies' and people's robots and phones (notifications.ChannelEndpoint).
        group.permissions.set(
            Permission.objects.filter(
                Q(content_type__app_label__in=["agencies", "tasks", "workflow"])
                | Q(content_type__app_label="notifications", content_type__model="channelendpoint"))
            .exclude(codename__in=OBJECT_PERMS)
        )
        return group

    @staticmethod
    def _account(username, password, agency_name, role, admin_group) -> None:
        agency = Agency.objects.get(name=agency_name)
        user, _ = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.is_staff = username in ADMIN_USERS
        user.save()
        if user.is_staff:
            user.groups.add(admin_group)
        else:
            user.groups.remove(admin_group)
        staff_profile_save(user=user, agency=agency, role=role)
