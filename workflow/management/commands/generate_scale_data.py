"""A province's worth of plans, agencies, tasks and reports, for benchmarks (issue 12).

    python manage.py generate_scale_data --plans 100 --agencies 300 --tasks-per-plan 200 \
        --periods 12 --seed 1

Deterministic: one random.Random(seed) draws everything, and every date is counted from
--as-of (today by default), so one seed and one day give the same rows. The rows are those the
app itself would have written: plans dispatched through workflow.services.plan_dispatch (its
assignments, object permissions and reminder defaults), people in their agencies' permission
groups as staff_sync puts them, reports in a realistic mix (on time, late, returned then
verified, missing, drafts, waiting for the office) each with the django-fsm-log StateLog rows
of its transitions, indicator values and notifications. Bulk inserts everywhere else, since
going through report_submit/report_verify row by row would take hours at province scale.
"""
from __future__ import annotations

import hashlib
import random
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django_fsm_log.models import StateLog
from guardian.models import GroupObjectPermission

from agencies import permissions
from agencies.models import Agency, StaffProfile
from lib.workdays import add_working_days
from notifications.models import Notification
from tasks.models import Indicator, IndicatorLead, Plan, Section, Task, TaskAgency
from workflow.models import Assignment, IndicatorValue, ProgressReport, ReportingPeriod
from workflow.services import plan_dispatch

Role = StaffProfile.Role
State = ProgressReport.State
PASSWORD = "scale-data-password"  # every generated account; benchmark databases only
PREFIX = "scale-"  # usernames; agencies are named 规模测试单位NNN
BATCH = 2000

VERBS = ["推进", "加快", "深化", "完善", "健全", "实施", "落实", "强化", "优化", "开展"]
OBJECTS = ["知识产权保护体系", "营商环境建设", "数字政府建设", "农村人居环境整治", "科技成果转化",
           "中小企业服务体系", "生态环境治理", "公共文化服务", "医疗卫生服务", "交通基础设施建设",
           "产业园区提质", "人才引进培养", "社会信用体系", "应急管理能力", "乡村振兴示范"]
TAILS = ["工作", "专项行动", "试点", "三年行动", "长效机制"]
UNITS = ["件", "家", "%", "亿元", "个", "人"]


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock(hour)))


def quarters(as_of: date, count: int) -> list[tuple[str, date, date]]:
    """The `count` quarters ending with the one that holds as_of: (label, first, last day)."""
    year, q = as_of.year, (as_of.month - 1) // 3 + 1
    result = []
    for _ in range(count):
        first = date(year, 3 * q - 2, 1)
        last = (date(year + (q == 4), (3 * q) % 12 + 1, 1) - timedelta(days=1))
        result.append((f"{year}年第{q}季度", first, last))
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return result[::-1]


class Command(BaseCommand):
    help = ("Generate a province's plans, agencies, tasks, assignments, reports and their logs "
            "for benchmarks. Refuses a database that has plans unless --force.")

    def add_arguments(self, parser):
        parser.add_argument("--plans", type=int, default=10)
        parser.add_argument("--agencies", type=int, default=60)
        parser.add_argument("--tasks-per-plan", type=int, default=200)
        parser.add_argument("--periods", type=int, default=12, help="quarterly periods")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                            help="the day the data leads up to (YYYY-MM-DD; today)")
        parser.add_argument("--force", action="store_true",
                            help="add to a database that already has plans")

    def handle(self, *args, **opts):
        if opts["agencies"] < 2 or opts["plans"] < 1 or opts["tasks_per_plan"] < 1 \
                or opts["periods"] < 1:
            raise CommandError("--agencies must be at least 2; --plans, --tasks-per-plan and "
                               "--periods at least 1.")
        existing = Plan.objects.count()
        if existing and not opts["force"]:
            raise CommandError(f"This database already has {existing} plans: scale data is for "
                               "an empty database. Use --force to add to it anyway.")
        started = time.monotonic()
        self.rng = random.Random(opts["seed"])
        self.as_of = opts["as_of"] or timezone.localdate()
        self.types = {m: ContentType.objects.get_for_model(m)
                      for m in (Plan, Task, ProgressReport)}
        with transaction.atomic():
            self._people(opts["agencies"])
        for n in range(1, opts["plans"] + 1):
            with transaction.atomic():
                made = self._plan(n, opts, existing)
            self.stdout.write(f"plan {n}/{opts['plans']}: {made['tasks']} tasks, "
                              f"{made['reports']} reports ({time.monotonic() - started:.1f} s)")
        # The planner's statistics for the rows just inserted (autovacuum would take them
        # later, or never where it is off): without them PostgreSQL scans whole tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self._counts(time.monotonic() - started)

    # ---- agencies and people -------------------------------------------------------------

    def _people(self, count: int) -> None:
        names = [f"规模测试单位{i:03d}" for i in range(count)]
        names[0] = "规模测试领导小组办公室"  # the office's host agency; it leads tasks too
        Agency.objects.bulk_create(
            [Agency(name=name, short_name=name[-6:], kind=Agency.Kind.DEPARTMENT)
             for name in names], ignore_conflicts=True)
        by_name = dict(Agency.objects.filter(name__in=names).values_list("name", "pk"))
        self.agencies = [by_name[name] for name in names]
        self.office_agency = self.agencies[0]
        people = [(f"{PREFIX}office", self.office_agency, Role.OFFICE_STAFF, "王", "督办"),
                  (f"{PREFIX}director", self.office_agency, Role.OFFICE_DIRECTOR, "李", "主任")]
        for i, agency in enumerate(self.agencies):
            people += [(f"{PREFIX}a{i:03d}-reporter", agency, Role.REPORTER, "张", f"填报{i}"),
                       (f"{PREFIX}a{i:03d}-head", agency, Role.HEAD, "刘", f"局长{i}")]
        password = make_password(PASSWORD)  # hashed once: hashing per user takes minutes
        User.objects.bulk_create(
            [User(username=u, email=f"{u}@scale.duban.invalid", password=password,
                  last_name=last, first_name=first) for u, _a, _r, last, first in people],
            ignore_conflicts=True)
        users = dict(User.objects.filter(username__in=[p[0] for p in people])
                     .values_list("username", "pk"))
        StaffProfile.objects.bulk_create(
            [StaffProfile(user_id=users[u], agency_id=a, role=r) for u, a, r, *_ in people],
            ignore_conflicts=True)
        # The groups staff_sync would put each person in (agency:<id>:staff, …).
        keys = {(a, kind) for _u, a, r, *_ in people for kind in permissions.ROLE_GROUPS[r]}
        groups = permissions._groups(keys)
        Through = User.groups.through
        Through.objects.bulk_create(
            [Through(user_id=users[u], group_id=groups[(a, kind)])
             for u, a, r, *_ in people for kind in permissions.ROLE_GROUPS[r]],
            ignore_conflicts=True)
        self.office = User.objects.get(username=f"{PREFIX}office")
        self.reporter = {a: users[f"{PREFIX}a{i:03d}-reporter"]
                         for i, a in enumerate(self.agencies)}

    # ---- one plan ------------------------------------------------------------------------

    def _plan(self, n: int, opts: dict, existing: int) -> dict:
        rng = self.rng
        periods_spec = quarters(self.as_of, opts["periods"])
        start = periods_spec[0][1]
        plan = Plan.objects.create(
            title=f"规模测试规划{n:03d}", issuer="规模测试人民政府",
            doc_number=f"规测〔{start.year}〕{n}号", issued_on=start - timedelta(days=20),
            period_start=start, period_end=periods_spec[-1][2],
            source_name=f"scale-{opts['seed']}-{n}.txt",
            source_sha256=hashlib.sha256(f"scale:{opts['seed']}:{existing}:{n}".encode())
            .hexdigest(),
            office_agency_id=self.office_agency)
        sections = Section.objects.bulk_create(
            [Section(plan=plan, order=i, number=f"{'一二三四五六七八'[i]}、",
                     title=f"{rng.choice(OBJECTS)}") for i in range(8)])
        tasks = Task.objects.bulk_create(
            [Task(plan=plan, section=sections[i * len(sections) // opts["tasks_per_plan"]],
                  order=i + 1, source_ref=f"第{i + 1}项",
                  content=f"{rng.choice(VERBS)}{rng.choice(OBJECTS)}{rng.choice(TAILS)}"
                          f"（第{n}号规划第{i + 1}项）",
                  deadline_text="持续推进") for i in range(opts["tasks_per_plan"])],
            batch_size=BATCH)
        leads: dict[int, list[int]] = {}
        links = []
        for task in tasks:
            chosen = rng.sample(self.agencies, k=min(len(self.agencies),
                                                     rng.choice([1, 2, 2, 3, 3, 4])))
            co_led = len(chosen) > 1 and rng.random() < 0.15
            leads[task.pk] = chosen[:2 if co_led else 1]
            links += [TaskAgency(task=task, agency_id=a, order=k,
                                 role=TaskAgency.Role.LEAD if a in leads[task.pk]
                                 else TaskAgency.Role.SUPPORTING) for k, a in enumerate(chosen)]
        TaskAgency.objects.bulk_create(links, batch_size=BATCH)
        periods = ReportingPeriod.objects.bulk_create(
            [ReportingPeriod(plan=plan, label=label, starts_on=first, ends_on=last,
                             due_on=add_working_days(last, 5))
             for label, first, last in periods_spec])
        self._dispatch(plan, start)
        indicators = self._indicators(plan, tasks, leads, periods)
        reports = self._reports(tasks, leads, periods)
        return {"tasks": len(tasks), "reports": reports, "indicators": indicators}

    def _dispatch(self, plan: Plan, start: date) -> None:
        """Through the service itself, then moved back to the plan's first day: an assignment
        owes only the periods due after it was made (obligations rule 3)."""
        permissions.plan_grant(plan)  # the office may dispatch (plan_dispatch grants it too)
        plan_dispatch(plan=plan, by=self.office, without_periods=False)
        dispatched = _at(start - timedelta(days=7), 9)
        StateLog.objects.filter(content_type=self.types[Plan], object_id=plan.pk) \
            .update(timestamp=dispatched)
        assignments = list(Assignment.objects.filter(task__plan=plan)
                           .order_by("task__order", "role", "agency_id"))
        for a in assignments:
            a.created_at = dispatched
            if self.rng.random() < 0.9:  # 签收: most agencies acknowledge within days
                a.acknowledged_at = dispatched + timedelta(days=self.rng.randint(1, 5))
                a.acknowledged_by_id = self.reporter[a.agency_id]
        Assignment.objects.bulk_update(
            assignments, ["created_at", "acknowledged_at", "acknowledged_by"], batch_size=BATCH)

    def _indicators(self, plan, tasks, leads, periods) -> int:
        rng = self.rng
        count = max(1, len(tasks) // 20)
        indicators = Indicator.objects.bulk_create(
            [Indicator(plan=plan, order=i, seq=i + 1, category="主要指标",
                       name=f"{rng.choice(OBJECTS)}指标{i + 1}", unit=rng.choice(UNITS),
                       baseline_value=Decimal(rng.randint(10, 500)),
                       attribute=rng.choice(Indicator.Attribute.values)) for i in range(count)])
        linked, lead_rows, values = [], [], []
        Through = Task.indicators.through
        for indicator in indicators:
            task = rng.choice(tasks)
            agency = leads[task.pk][0]
            linked.append(Through(task_id=task.pk, indicator_id=indicator.pk))
            lead_rows.append(IndicatorLead(indicator=indicator, agency_id=agency))
            value = float(indicator.baseline_value)
            for period in periods:
                value *= 1 + rng.uniform(-0.02, 0.08)
                if period.due_on < self.as_of and rng.random() < 0.7:
                    values.append(IndicatorValue(
                        indicator=indicator, period=period, agency_id=agency,
                        value=Decimal(f"{value:.2f}"), entered_by_id=self.reporter[agency]))
        Through.objects.bulk_create(linked)
        IndicatorLead.objects.bulk_create(lead_rows)
        IndicatorValue.objects.bulk_create(values, batch_size=BATCH)
        return len(indicators)

    # ---- reports and their logs ----------------------------------------------------------

    def _reports(self, tasks, leads, periods) -> int:
        """Per task and period one outcome; each report's transitions become StateLog rows
        in the order the services would have written them."""
        rng, as_of = self.rng, self.as_of
        reports, logs, task_logs, notices = [], [], [], []
        task_state = {}
        for task in tasks:
            agency = leads[task.pk][0]
            reporter = self.reporter[agency]
            task_state[task.pk] = Task.State.ASSIGNED
            for period in periods:
                if period.starts_on > as_of:
                    break
                events, report = self._outcome(period, task, agency, reporter)
                if report is None:
                    continue
                reports.append(report)
                logs.append(events)
                if report.submitted_at and task_state[task.pk] == Task.State.ASSIGNED:
                    task_state[task.pk] = Task.State.REPORTING
                    task_logs.append(self._log(task, "start_reporting", Task.State.ASSIGNED,
                                               Task.State.REPORTING, reporter,
                                               report.submitted_at))
                if any(e[0] == "return_for_revision" for e in events):
                    notices.append(Notification(
                        recipient_id=reporter, text=f"报告被退回：{task.content[:40]}",
                        url=f"/tasks/{task.pk}/",
                        read_at=None if rng.random() < 0.5 else _at(as_of, 8)))
                if report.state == State.VERIFIED and rng.random() < 0.03:
                    # 办结: the report claimed completion and the office closed the task.
                    report.completion = ProgressReport.Completion.COMPLETED
                    task_state[task.pk] = Task.State.VERIFIED
                    task_logs.append(self._log(task, "verify", Task.State.REPORTING,
                                               Task.State.VERIFIED, self.office.pk,
                                               events[-1][2]))
                    break
        ProgressReport.objects.bulk_create(reports, batch_size=BATCH)
        rows = [self._log(report, name, source, target, by, at, description)
                for report, events in zip(reports, logs, strict=True)
                for name, (source, target), at, by, description in events]
        StateLog.objects.bulk_create(rows + task_logs, batch_size=BATCH)
        for state in (Task.State.REPORTING, Task.State.VERIFIED):
            Task.objects.filter(pk__in=[pk for pk, s in task_state.items() if s == state]) \
                .update(state=state)
        Notification.objects.bulk_create(notices, batch_size=BATCH)
        return len(reports)

    def _outcome(self, period, task, agency, reporter):
        """(events, report): events are (transition, (source, target), when, by, comment)."""
        rng, as_of, office = self.rng, self.as_of, self.office.pk
        due = period.due_on
        draw = rng.random()
        events = []
        if due >= as_of:  # the current period: some drafts, some already in
            if draw < 0.25:
                at = _at(max(period.starts_on, as_of - timedelta(days=rng.randint(0, 10))))
                events.append(("submit", (State.DRAFT, State.SUBMITTED), at, reporter, None))
            elif draw >= 0.45:
                return [], None
            state = events[-1][1][1] if events else State.DRAFT
            return events, self._report(task, period, agency, reporter, state, events)
        if draw < 0.10:
            return [], None  # missing: overdue
        if draw < 0.65:  # on time
            submitted = due - timedelta(days=rng.randint(0, 12))
        elif draw < 0.82:  # late
            submitted = due + timedelta(days=rng.randint(1, 25))
        else:  # returned, then revised and verified
            submitted = due - timedelta(days=rng.randint(2, 12))
        if submitted > as_of:
            return [], None
        events.append(("submit", (State.DRAFT, State.SUBMITTED), _at(submitted), reporter, None))
        step = submitted + timedelta(days=rng.randint(1, 6))
        if draw >= 0.82 and step <= as_of:
            events.append(("return_for_revision", (State.SUBMITTED, State.RETURNED), _at(step, 15),
                           office, "请补充量化进展和下一步计划。"))
            step += timedelta(days=rng.randint(1, 4))
            if step <= as_of:
                events.append(("submit", (State.RETURNED, State.SUBMITTED), _at(step), reporter,
                               None))
                step += timedelta(days=rng.randint(1, 5))
        if step <= as_of and events[-1][1][1] == State.SUBMITTED:
            events.append(("verify", (State.SUBMITTED, State.VERIFIED), _at(step, 16), office,
                           None))
        return events, self._report(task, period, agency, reporter, events[-1][1][1], events)

    def _report(self, task, period, agency, reporter, state, events):
        submits = [e[2] for e in events if e[0] == "submit"]
        submitted_at = submits[-1] if submits else None  # a return keeps it (report_return)
        return ProgressReport(
            task=task, period=period, agency_id=agency, state=state, created_by_id=reporter,
            progress=f"{period.label}：已完成阶段性工作，{self.rng.choice(VERBS)}相关举措。",
            problems="资金和人员保障仍需加强。", next_steps="下一阶段继续推进。",
            return_reason=next((e[4] for e in events if e[0] == "return_for_revision"), ""),
            submitted_at=submitted_at,
            late=bool(submitted_at and timezone.localtime(submitted_at).date() > period.due_on))

    def _log(self, obj, transition, source, target, by, at, description=None) -> StateLog:
        return StateLog(content_type=self.types[type(obj)], object_id=obj.pk, by_id=by,
                        transition=transition, source_state=source, state=target,
                        timestamp=at, description=description)

    # ---- summary -------------------------------------------------------------------------

    def _counts(self, elapsed: float) -> None:
        by_state = dict(ProgressReport.objects.values_list("state")
                        .annotate(n=Count("pk"))
                        .order_by())
        rows = [("agencies", Agency.objects.count()), ("people", StaffProfile.objects.count()),
                ("plans", Plan.objects.count()), ("tasks", Task.objects.count()),
                ("assignments", Assignment.objects.count()),
                ("object permissions", GroupObjectPermission.objects.count()),
                ("reporting periods", ReportingPeriod.objects.count()),
                ("reports", ProgressReport.objects.count()),
                ("state log rows", StateLog.objects.count()),
                ("indicator values", IndicatorValue.objects.count()),
                ("notifications", Notification.objects.count())]
        for label, n in rows:
            self.stdout.write(f"{label:>20}: {n}")
        self.stdout.write(f"{'reports by state':>20}: " + ", ".join(
            f"{s} {by_state.get(s, 0)}" for s in State.values))
        self.stdout.write(f"{'elapsed':>20}: {elapsed:.1f} s")
        self.stdout.write(f"Accounts: {PREFIX}office, {PREFIX}director, "
                          f"{PREFIX}aNNN-reporter, {PREFIX}aNNN-head; password {PASSWORD}")
