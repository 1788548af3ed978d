"""The agencies' pages: my tasks, the task page with its report and contribution forms, the
attachments, sign-off by the agency head, and "report once" (最多报一次) for a whole period.

Thin views: they read the request, call one service of workflow.services and show its refusal
(WorkflowError, StaleObject) as a message. Every object comes through a selector scoped to the
user, so another agency's task, report, contribution or attachment answers 404.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from agencies.permissions import is_head, may_supervise
from lib.paging import LazyRows, paged
from tasks.models import Indicator, Task, TaskAgency
from tasks.selectors import agency_names

from .. import coordination, selectors, services, visibility
from ..attachments import attachment_add
from ..levels import level_names
from ..models import (
    Assignment,
    Contribution,
    IndicatorValue,
    ProgressReport,
    ReportingPeriod,
)
from ..obligations import OVERDUE, Obligation, due_on_of, ledger, period_owed_by
from ..services import EDITABLE, REPORT_FIELDS, WorkflowError
from .common import back, int_or_none, refused

LEAD, SUPPORTING = TaskAgency.Role.LEAD, TaskAgency.Role.SUPPORTING
State = ProgressReport.State
MY_TASKS_PER_PAGE = 50
REPORT_ONCE_LINKS = 6  # "report once" links on 我的任务, the most overdue periods first
SIGNOFF_PER_PAGE = 50
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "jpg": "image/jpeg",
    "png": "image/png",
    "zip": "application/zip",
}
# The same bounds as IndicatorValue.value, so that a figure that passes here also fits there.
VALUE_FIELD = forms.DecimalField(max_digits=20, decimal_places=4)


# ---- helpers --------------------------------------------------------------------------------

def _profile(user):
    return getattr(user, "profile", None)


def _signoff_first(plan, user) -> bool:
    """Whether the user's reports go to the agency head first (the plan's or the agency's rule,
    as ProgressReport.needs_signoff), for the submit button's words."""
    profile = _profile(user)
    return plan.requires_signoff or (profile is not None and profile.agency.requires_signoff)


def _task_url(task_id: int, period: ReportingPeriod | None = None, anchor: str = "") -> str:
    url = reverse("workflow:task", args=[task_id])
    if period is not None:
        url += f"?period={period.pk}"
    return url + (f"#{anchor}" if anchor else "")


def _period_of(task: Task, raw) -> ReportingPeriod:
    """The period named in the form, which must be one of the task's plan."""
    pk = int_or_none(raw)
    if pk is None:
        raise Http404
    return get_object_or_404(ReportingPeriod, pk=pk, plan_id=task.plan_id)


def _selected_period(periods: list[ReportingPeriod], raw) -> ReportingPeriod | None:
    """?period=<id> if it is one of the plan's periods, else the latest open one (or the latest)."""
    by_id = {p.pk: p for p in periods}
    chosen = by_id.get(int_or_none(raw))
    if chosen is not None:
        return chosen
    open_ = [p for p in periods if not p.is_closed]
    return (open_ or periods or [None])[-1]


def _report_data(post, suffix: str = "") -> dict:
    """The report's fields present in the form (named `progress` or `progress_<task id>`)."""
    data = {name: post[name + suffix].strip() for name in REPORT_FIELDS if name + suffix in post}
    completion = data.get("completion")
    if completion is not None and completion not in ProgressReport.Completion.values:
        raise WorkflowError(_("Choose whether the task is in progress or completed."))
    return data


def _has_content(data: dict) -> bool:
    return any(data.get(name) for name in ("progress", "problems", "next_steps")) or (
        data.get("completion", ProgressReport.Completion.IN_PROGRESS)
        != ProgressReport.Completion.IN_PROGRESS
    )


def _indicator_values(post, indicators: dict[int, Indicator]) -> list[tuple[Indicator, Decimal]]:
    """Every non-empty `indicator_<id>` field as a number; a wrong one refuses the whole form."""
    values = []
    for key, raw in post.items():
        if not key.startswith("indicator_") or not raw.strip():
            continue
        indicator = indicators.get(int_or_none(key.removeprefix("indicator_")))
        if indicator is None:
            raise WorkflowError(_("This indicator is not linked to the task."))
        try:
            value = VALUE_FIELD.clean(raw.strip())
        except ValidationError as exc:
            raise WorkflowError(_("%(indicator)s: %(error)s Nothing was saved.") % {
                "indicator": indicator.name, "error": " ".join(exc.messages)}) from None
        values.append((indicator, value))
    return values


def _submitted_message(report: ProgressReport) -> str:
    if report.state == State.AWAITING_SIGNOFF:
        return _("Sent to the agency head for sign-off.")
    return _("Submitted to the office.")


# ---- my tasks -------------------------------------------------------------------------------

@dataclass
class Row:
    assignment: Assignment
    period: ReportingPeriod | None
    report: ProgressReport | None
    contribution: Contribution | None
    obligation: Obligation | None = None  # what the agency owes for this task and period

    @property
    def task(self) -> Task:
        return self.assignment.task

    @property
    def overdue(self) -> bool:
        ob = self.obligation
        return ob is not None and ob.chased and ob.status == OVERDUE

    @property
    def needs_action(self) -> bool:
        return self.obligation is not None and self.obligation.chased

    @property
    def action(self) -> str:
        """The row's button: "report" (write or revise the lead's report), "material" (the
        supporting agency's), "view" otherwise. Read once the page's reports are in."""
        if self.period is None or self.period.is_closed:
            return "view"
        if self.assignment.role == LEAD:
            editable = self.report is None or self.report.state in EDITABLE
            return "report" if editable else "view"
        contributed = self.contribution is not None and self.contribution.submitted_at
        return "view" if contributed else "material"

    def urgency(self) -> tuple:
        """Returned and awaiting sign-off first, then overdue (longest first), then by due
        date; rows that owe nothing now come last."""
        ob = self.obligation
        if ob is None or not ob.chased:
            return (9, 0, date.max)
        state = ob.item.report_state
        rank = (0 if state == State.RETURNED else 1 if state == State.AWAITING_SIGNOFF
                else 2 if ob.status == OVERDUE else 3)
        return (rank, -ob.item.overdue_days, ob.item.due_on)


def my_rows(agency_id: int, assignments, periods_by_plan, today: date, *, role: str,
            chosen: dict[int, ReportingPeriod] | None = None, book=None) -> list[Row]:
    """我的任务's rows, most urgent first: one per obligation the agency is chased for (every
    open period, or the chosen period of each plan), and one per assignment owing nothing now
    (its latest open period, or the chosen one). `book` is the agency's ledger, when the page
    has it already. The rows carry no report yet: `with_reports` reads those of a page."""
    if book is None:
        book = ledger(plan_ids={a.task.plan_id for a in assignments}, on_date=today,
                      agency_id=agency_id, task_ids=[a.task_id for a in assignments],
                      open_periods=True, supporting=role == SUPPORTING)
    owed = defaultdict(list)
    for ob in book.obligations:
        if ob.role == role and ob.chased and (
                chosen is None or ob.plan_id in chosen and ob.period.pk == chosen[ob.plan_id].pk):
            owed[ob.task_id].append(ob)
    rows = []
    for assignment in assignments:
        task = assignment.task
        for ob in owed.get(task.pk, []):
            rows.append(Row(assignment, ob.period, None, None, ob))
        if task.pk in owed:
            continue
        open_ = [p for p in periods_by_plan[task.plan_id]
                 if period_owed_by(p, task.pk, task.reports_once)]
        period = chosen.get(task.plan_id) if chosen is not None else (
            open_[-1] if open_ else None)
        rows.append(Row(assignment, period, None, None))
    return sorted(rows, key=Row.urgency)


def with_reports(rows: list[Row], agency_id: int, role: str) -> list[Row]:
    """The rows with their report (and, supporting, the agency's material): two queries at
    most, for the rows of one page."""
    keys = {(row.task.pk, row.period.pk) for row in rows if row.period is not None}
    if not keys:
        return rows
    tasks, periods = {k[0] for k in keys}, {k[1] for k in keys}
    reports = {(r.task_id, r.period_id): r for r in ProgressReport.objects.filter(
        task_id__in=tasks, period_id__in=periods)}
    contributions = {}
    if role == SUPPORTING:
        contributions = {(c.task_id, c.period_id): c for c in Contribution.objects.filter(
            task_id__in=tasks, period_id__in=periods, agency_id=agency_id)}
    for row in rows:
        if row.period is not None:
            key = (row.task.pk, row.period.pk)
            row.report, row.contribution = reports.get(key), contributions.get(key)
    return rows


def _spans(periods: list[ReportingPeriod]) -> dict[tuple, ReportingPeriod]:
    """One period for each span of dates (most recent first): the period filter offers spans,
    not each plan's periods, so that it does not grow with the number of plans."""
    spans = {}
    for period in sorted(periods, key=lambda p: (-p.starts_on.toordinal(), p.ends_on, p.pk)):
        spans.setdefault((period.starts_on, period.ends_on), period)
    return spans


def _report_once(periods, book, *, plan_id, span) -> tuple[list, int]:
    """The periods of "report once" links: those of the agency's lead plans where it owes a
    report now, oldest due first, within the filters; at most REPORT_ONCE_LINKS, and how many
    more there are."""
    owing = defaultdict(int)
    for ob in book.obligations:
        if ob.role == LEAD and ob.chased:
            owing[ob.period.pk] += 1
    found = [p for p in periods if owing[p.pk]
             and (plan_id is None or p.plan_id == plan_id)
             and (span is None or (p.starts_on, p.ends_on) == span)]
    found.sort(key=lambda p: (p.due_on, p.plan_id))
    for period in found:
        period.owing = owing[period.pk]
    return found[:REPORT_ONCE_LINKS], max(0, len(found) - REPORT_ONCE_LINKS)


@login_required
@require_safe
def my_tasks(request):
    """我的任务: what the agency owes in every open period, most urgent first, then its other
    tasks; paged, the order kept across pages. A fixed number of queries whatever the number
    of tasks, and a page whose size does not grow with the number of plans or periods."""
    user = request.user
    profile = _profile(user)
    tab = request.GET.get("tab")
    tab = tab if tab in (LEAD, SUPPORTING) else LEAD
    assignments = list(selectors.my_tasks(user)) if profile is not None else []
    plans = {a.task.plan_id: a.task.plan for a in assignments}
    periods = list(selectors.open_periods(list(plans)).select_related("plan")
                   .order_by("plan_id", "starts_on"))
    periods_by_plan = defaultdict(list)
    for period in periods:
        periods_by_plan[period.plan_id].append(period)

    state = request.GET.get("state")
    state = state if state in Task.State.values else ""
    plan_id = int_or_none(request.GET.get("plan"))
    plan_id = plan_id if plan_id in plans else None
    spans = _spans(periods)
    picked = next((p for p in periods if p.pk == int_or_none(request.GET.get("period"))), None)
    span = (picked.starts_on, picked.ends_on) if picked is not None else None
    chosen = None  # the chosen span's period of each plan
    if span is not None:
        chosen = {p.plan_id: p for p in periods if (p.starts_on, p.ends_on) == span}
    overdue_only = tab == LEAD and request.GET.get("overdue") == "1"
    counts = {LEAD: 0, SUPPORTING: 0}
    for assignment in assignments:
        counts[assignment.role] += 1
    shown = [a for a in assignments if a.role == tab
             and (not state or a.task.state == state)
             and (plan_id is None or a.task.plan_id == plan_id)
             and (chosen is None or a.task.plan_id in chosen)]
    rows, links, more_links = [], [], 0
    if profile is not None and assignments:
        book = ledger(plan_ids=list(plans), on_date=timezone.localdate(),
                      agency_id=profile.agency_id, task_ids=[a.task_id for a in assignments],
                      open_periods=True, supporting=tab == SUPPORTING)
        rows = my_rows(profile.agency_id, shown, periods_by_plan, book.on_date, role=tab,
                       chosen=chosen, book=book)
        links, more_links = _report_once(periods, book, plan_id=plan_id, span=span)
    if overdue_only:
        rows = [row for row in rows if row.overdue]
    agency_id = profile.agency_id if profile is not None else None
    listed = paged(request, LazyRows(rows, lambda part: with_reports(part, agency_id, tab)),
                   MY_TASKS_PER_PAGE)

    return render(request, "workflow/my_tasks.html", {
        "agency": profile.agency if profile is not None else None,
        "tab": tab,
        "counts": counts,
        "rows": listed.rows,
        **listed.context(),
        "action_count": sum(row.needs_action for row in rows),
        "periods": list(spans.values()),
        "plans": sorted(plans.values(), key=lambda p: p.pk),
        "report_once_periods": links,
        "more_report_once": more_links,
        "task_states": Task.State.choices,
        "filters": {"state": state, "period": spans.get(span), "plan": plan_id,
                    "overdue": overdue_only},
        "filtered": bool(state or span or plan_id or overdue_only),
    })


# ---- the task page --------------------------------------------------------------------------

def _timeline(entries: list[dict], reports: list[ProgressReport]) -> list[dict]:
    """The selector's timeline with state labels, for a report's transition its period, who
    acknowledged an assignment (one query for all of them), and runs of assignments merged."""
    report_states, task_states = dict(State.choices), dict(Task.State.choices)
    periods = {report.pk: report.period for report in reports}
    acknowledgers = get_user_model().objects.select_related("profile__agency").in_bulk({
        e["assignment"].acknowledged_by_id for e in entries
        if e["kind"] == "acknowledged" and e["assignment"].acknowledged_by_id})
    result = []
    for entry in entries:
        if entry["kind"] == "assigned":
            # Dispatch assigns every agency at once: one line for a run of assignments.
            if result and result[-1]["kind"] == "assigned":
                result[-1]["assignments"].append(entry["assignment"])
            else:
                result.append({**entry, "assignments": [entry["assignment"]]})
            continue
        if entry["kind"] == "acknowledged":
            entry = {**entry, "by": acknowledgers.get(entry["assignment"].acknowledged_by_id)}
        elif entry["kind"] == "transition":
            log = entry["log"]
            labels = report_states if entry["on_report"] else task_states
            entry = {
                **entry,
                "source": labels.get(log.source_state, log.source_state),
                "target": labels.get(log.state, log.state),
                "period": periods.get(log.object_id) if entry["on_report"] else None,
            }
        result.append(entry)
    return result


def _groups(assignments: list[Assignment]) -> list:
    groups = {a.via_group_id: a.via_group for a in assignments if a.via_group_id}
    return sorted(groups.values(), key=lambda g: g.name)


def _has_contributed(item: dict) -> bool:
    return item["contribution"] is not None and item["contribution"].submitted_at is not None


@login_required
@require_safe
def task_detail(request, pk: int):
    user = request.user
    task = selectors.task_for_user(user, pk)
    page = selectors.task_page(task, user)
    periods = [p for p in task.plan.periods.all()
               if period_owed_by(p, task.pk, task.reports_once)]
    period = _selected_period(periods, request.GET.get("period"))
    report = next((r for r in page["reports"] if period and r.period_id == period.pk), None)
    report_periods = {r.pk: r.period for r in page["reports"]}
    for instruction in page["instructions"]:
        instruction.report_period = report_periods.get(instruction.report_id)
    if report is not None:
        report.task = task  # the transitions' conditions and permissions read it
    may_report = user.has_perm("tasks.report_task", task)
    for r in page["reports"]:
        # A draft stays with the lead agency until it is sent on (workflow.visibility).
        r.shown = r.pk in page["visible_reports"]
    may_contribute = user.has_perm("tasks.contribute_task", task)
    period_open = period is not None and not period.is_closed
    editable = (may_report and period_open
                and (report is None or report.state in EDITABLE))
    transitions = ({t.name for t in report.get_available_user_state_transitions(user)}
                   if report is not None else set())
    may_submit = editable and (report is None or bool({"submit", "request_signoff"}
                                                       & transitions))

    values, locked = {}, set()
    if period is not None and page["indicators"]:
        ids = [i.pk for i in page["indicators"]]
        values = {v.indicator_id: v for v in visibility.indicator_values_visible_to(
            user, IndicatorValue.objects.filter(period=period, indicator__in=ids)
        ).select_related("entered_by", "agency")}
        locked = services.indicators_locked(period=period, indicator_ids=ids)
    kept = _kept_typed(request, task, period) if editable else None
    posted = kept["indicators"] if kept else {}
    indicators = [{"indicator": i, "value": values.get(i.pk), "locked": i.pk in locked,
                   "posted": posted.get(str(i.pk))} for i in page["indicators"]]
    # The report form shows the saved report, or what was typed before a refusal.
    form_fields = {name: getattr(report, name) if report else "" for name in REPORT_FIELDS}
    if kept:
        form_fields.update(kept["fields"])
    form_fields["completion"] = form_fields["completion"] or ProgressReport.Completion.IN_PROGRESS

    profile = _profile(user)
    agency_id = profile.agency_id if profile is not None else None
    contributions = page["contributions"]  # only those the user may read
    own_contribution = next((c for c in contributions if period
                             and c.period_id == period.pk and c.agency_id == agency_id), None)

    # For the lead drafting its report: who has contributed (submitted material) and who not.
    status = selectors.contributions_status(task, period, user, page=page) if editable else []
    # 延期申请 and 督办单 the user may read; the due date in force (an accepted extension's).
    due_in_force = due_on_of(task, period) if period is not None else None
    extensions = list(visibility.extensions_visible_to(user, task.extensions.all())
                      .select_related("period", "agency").order_by("-requested_at"))
    slips = list(visibility.slips_visible_to(user, task.slips.all())
                 .select_related("period", "agency").order_by("-year", "-number"))
    may_ask_extension = (may_report and period_open and due_in_force is not None
                         and timezone.localdate() < due_in_force
                         and (report is None or report.state in EDITABLE))
    may_raise = may_report or may_contribute
    supervise = may_supervise(task.plan, user)
    return render(request, "workflow/task_detail.html", {
        "matters": coordination.matters_of_task(user, task),  # 协调事项
        "may_raise": may_raise,
        "may_register_item": supervise,  # 立项 from a leader's instruction
        "agency_names": agency_names() if may_raise else [],
        "task": task,
        "plan": task.plan,
        "page": page,
        "assignments": page["assignments"],  # the office actions list them for reassignment
        "groups": _groups(page["assignments"]),
        "timeline": _timeline(page["timeline"], page["reports"]),
        "level_names": level_names([task.plan_id]),
        "periods": periods,
        "period": period,
        "period_open": period_open,
        "report": report,
        "indicators": indicators,
        "contributions": contributions,
        "own_contribution": own_contribution,
        "may_report": may_report,
        "may_contribute": may_contribute and period_open,
        "editable": editable,
        "may_submit": may_submit,
        "signoff_first": report.needs_signoff() if report else _signoff_first(task.plan, user),
        "may_sign_off": "sign_off" in transitions,
        "may_send_back": "send_back" in transitions,
        "contribution_status": status,
        "contributed": [item for item in status if _has_contributed(item)],
        "not_contributed": [item for item in status if not _has_contributed(item)],
        "completion_choices": ProgressReport.Completion.choices,
        "form_fields": form_fields,
        "kept": kept is not None,
        "due_in_force": due_in_force,
        "extensions": extensions,
        "slips": slips,
        "may_ask_extension": may_ask_extension,
    })


@login_required
@require_POST
def report_save(request, pk: int):
    """Save the draft and the linked indicators' values together; then submit if asked."""
    user = request.user
    task = selectors.task_for_user(user, pk)
    period = _period_of(task, request.POST.get("period"))
    pull = int_or_none(request.POST.get("pull"))
    try:
        data = _report_data(request.POST)
        values = _indicator_values(request.POST, {i.pk: i for i in task.indicators.all()})
        with transaction.atomic():
            if pull is not None:
                data["progress"] = _with_contribution(user, task, period, pull,
                                                      data.get("progress"))
            report = services.report_save(task=task, period=period, by=user, data=data)
            for indicator, value in values:
                services.indicator_value_set(indicator=indicator, period=period, by=user,
                                             value=value)
    except WorkflowError as exc:
        refused(request, exc)
        _keep_typed(request, task, period)
        return redirect(_task_url(task.pk, period, "report"))
    # Files chosen in the form are attached to the draft just saved with what was typed, so
    # that uploading never loses unsaved text ("Upload" saves the draft, then attaches).
    if request.FILES or request.POST.get("action") == "upload":
        _attach(request, report)
    if pull is not None:
        messages.success(request, _("The material was inserted into the progress; the draft "
                                    "is saved."))
        return redirect(_task_url(task.pk, period, "report"))
    if request.POST.get("action") != "submit":
        messages.success(request, _("Draft saved."))
        return redirect(_task_url(task.pk, period, "report"))
    try:
        services.report_submit(report=report, by=user)
    except WorkflowError as exc:
        messages.error(request, _("The draft was saved but not submitted: %(reason)s")
                       % {"reason": exc})
    else:
        messages.success(request, _submitted_message(report))
    return redirect(_task_url(task.pk, period, "report"))


# What the lead typed into a report form that was refused (another save won the race, a wrong
# figure…): kept in the session for the next showing of the form, so that nothing typed is lost.
KEPT_SESSION_KEY = "report_form_kept"


def _keep_typed(request, task: Task, period: ReportingPeriod) -> None:
    post = request.POST
    request.session[KEPT_SESSION_KEY] = {
        "task": task.pk, "period": period.pk,
        "fields": {name: post[name] for name in REPORT_FIELDS if name in post},
        "indicators": {key.removeprefix("indicator_"): value for key, value in post.items()
                       if key.startswith("indicator_")},
    }


def _kept_typed(request, task: Task, period: ReportingPeriod | None) -> dict | None:
    """The form as typed before a refusal, once, for this task and period only."""
    kept = request.session.get(KEPT_SESSION_KEY)
    if not kept or period is None or (kept["task"], kept["period"]) != (task.pk, period.pk):
        return None
    del request.session[KEPT_SESSION_KEY]
    return kept


def _with_contribution(user, task, period, pk: int, progress: str | None) -> str:
    """The progress text with a supporting agency's submitted material appended."""
    contribution = (visibility.contributions_visible_to(user, Contribution.objects.filter(
        pk=pk, task=task, period=period, submitted_at__isnull=False))
        .select_related("agency").first())
    if contribution is None:
        raise WorkflowError(_("This material has not been submitted for this period."))
    if progress is None:
        current = ProgressReport.objects.filter(task=task, period=period).first()
        progress = current.progress if current else ""
    addition = f"【{contribution.agency.name}】{contribution.text.strip()}"
    if addition in progress:
        raise WorkflowError(_("This material is already in the progress text."))
    return f"{progress.rstrip()}\n\n{addition}" if progress.strip() else addition


@login_required
@require_POST
def contribute(request, pk: int):
    user = request.user
    task = selectors.task_for_user(user, pk)
    period = _period_of(task, request.POST.get("period"))
    submit = request.POST.get("action") == "submit"
    try:
        contribution = services.contribution_save(
            task=task, period=period, by=user, text=request.POST.get("text", "").strip(),
            submit=submit)
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Material submitted to the lead agency.") if submit
                         else _("Material saved."))
        # As in the report form: files chosen here are attached to the material just saved.
        if request.FILES or request.POST.get("action") == "upload":
            _attach(request, contribution)
    return redirect(_task_url(task.pk, period, "contribution"))


# ---- attachments ----------------------------------------------------------------------------

def _attach(request, owner) -> None:
    uploads = request.FILES.getlist("file")
    if not uploads:
        messages.error(request, _("Choose a file to upload."))
    for upload in uploads:
        try:
            attachment = attachment_add(owner=owner, upload=upload, by=request.user)
        except WorkflowError as exc:
            reason = str(exc)
            if upload.name not in reason:
                reason = _("%(name)s: %(reason)s") % {"name": upload.name, "reason": reason}
            messages.error(request, reason)
        else:
            messages.success(request, _("Attached %(name)s.") % {"name": attachment.name})


@login_required
@require_POST
def report_attach(request, pk: int):
    report = selectors.report_for_user(request.user, pk)
    _attach(request, report)
    return redirect(_task_url(report.task_id, report.period, "report"))


@login_required
@require_POST
def contribution_attach(request, pk: int):
    profile = _profile(request.user)
    if profile is None:
        raise Http404
    # Read by the rule, written only by its own agency (the lead reads it but adds nothing).
    contribution = visibility.contribution_or_404(
        request.user, pk, Contribution.objects.select_related("task", "period")
        .filter(agency_id=profile.agency_id))
    _attach(request, contribution)
    return redirect(_task_url(contribution.task_id, contribution.period, "contribution"))


@login_required
@require_safe
def attachment_download(request, pk: int):
    # 404 unless the user reads the report or contribution it hangs on (workflow.visibility)
    attachment = visibility.attachment_or_404(request.user, pk)
    response = FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
        content_type=CONTENT_TYPES.get(attachment.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---- acknowledgement and sign-off -----------------------------------------------------------

@login_required
@require_POST
def acknowledge(request, pk: int):
    profile = _profile(request.user)
    if profile is None:
        raise Http404
    assignment = get_object_or_404(Assignment.objects.select_related("task"), pk=pk,
                                   agency_id=profile.agency_id)
    if assignment.acknowledged_at is not None:
        messages.info(request, _("This task was already acknowledged."))
    else:
        try:
            services.assignment_acknowledge(assignment=assignment, by=request.user)
        except WorkflowError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Acknowledged: %(task)s") % {"task": assignment.task})
    return back(request, reverse("workflow:my-tasks"))


@login_required
@require_safe
def signoff_queue(request):
    """待审签: the agency head's reports awaiting sign-off; agency heads only."""
    if not is_head(request.user):
        raise PermissionDenied
    listed = paged(request, selectors.signoff_queue(request.user), SIGNOFF_PER_PAGE)
    return render(request, "workflow/signoff_queue.html", {
        "reports": listed.rows, **listed.context()})


@login_required
@require_POST
def sign_off(request, pk: int):
    report = selectors.report_for_user(request.user, pk)
    try:
        services.report_sign_off(report=report, by=request.user)
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Signed off and submitted to the office."))
    return redirect(_task_url(report.task_id, report.period, "report"))


@login_required
@require_POST
def send_back(request, pk: int):
    report = selectors.report_for_user(request.user, pk)
    try:
        services.report_send_back(report=report, by=request.user,
                                  reason=request.POST.get("reason", ""))
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Sent back to the reporter."))
    return redirect(_task_url(report.task_id, report.period, "report"))


# ---- report once (最多报一次) ----------------------------------------------------------------

@dataclass
class OnceRow:
    task: Task
    report: ProgressReport | None
    fields: dict  # what the form shows: the saved report, or what was just posted

    @property
    def editable(self) -> bool:
        return self.report is None or self.report.state in EDITABLE


def _once_rows(tasks, reports, post=None) -> list[OnceRow]:
    rows = []
    for task in tasks:
        report = reports.get(task.pk)
        fields = {name: getattr(report, name) if report else "" for name in REPORT_FIELDS}
        if not fields["completion"]:
            fields["completion"] = ProgressReport.Completion.IN_PROGRESS
        if post is not None:
            fields.update({n: post[f"{n}_{task.pk}"] for n in REPORT_FIELDS
                           if f"{n}_{task.pk}" in post})
        rows.append(OnceRow(task, report, fields))
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def report_once(request, pk: int):
    """All of the agency's reports for one period on one page, each indicator entered once."""
    user = request.user
    if _profile(user) is None:
        raise Http404
    period = get_object_or_404(
        ReportingPeriod.objects.select_related("plan"), pk=pk,
        plan__in=selectors.my_tasks(user).values("task__plan"),
    )
    tasks = [a.task for a in selectors.my_tasks(user, role=LEAD).filter(task__plan=period.plan_id)
             if period_owed_by(period, a.task_id, a.task.reports_once)]  # obligations rule 12
    task_ids = [t.pk for t in tasks]
    reports = {r.task_id: r for r in visibility.reports_visible_to(user, ProgressReport.objects
               .filter(period=period, task_id__in=task_ids)).prefetch_related("attachments")}
    indicators = list(
        Indicator.objects.filter(tasks__in=task_ids).distinct().select_related("target")
        .prefetch_related(Prefetch("tasks", queryset=Task.objects.filter(pk__in=task_ids),
                                   to_attr="linked_here"))
    )
    post = None
    if request.method == "POST":
        outcome = _save_once(request, period, tasks, reports, indicators)
        if outcome is not None:
            return outcome
        post = request.POST  # refused: show the page again with what was typed
    values = {v.indicator_id: v for v in visibility.indicator_values_visible_to(
        user, IndicatorValue.objects.filter(period=period, indicator__in=[i.pk for i in indicators])
    ).select_related("entered_by", "agency")}
    locked = services.indicators_locked(period=period, indicator_ids=[i.pk for i in indicators])
    indicator_rows = [{
        "indicator": i, "value": values.get(i.pk), "locked": i.pk in locked,
        "posted": post.get(f"indicator_{i.pk}") if post is not None else None,
    } for i in indicators]
    rows = _once_rows(tasks, reports, post)
    return render(request, "workflow/report_once.html", {
        "period": period,
        "plan": period.plan,
        "rows": rows,
        "indicator_rows": indicator_rows,
        "editable": not period.is_closed and any(row.editable for row in rows),
        "completion_choices": ProgressReport.Completion.choices,
        "signoff_first": _signoff_first(period.plan, user),
    })


def _save_once(request, period, tasks, reports, indicators):
    """Save every editable report and every indicator value in one transaction; then, if asked,
    submit the drafts whose progress is written. None when refused (the page shows again)."""
    user = request.user
    try:
        entries = []
        for task in tasks:
            report = reports.get(task.pk)
            if report is not None and report.state not in EDITABLE:
                continue
            data = _report_data(request.POST, f"_{task.pk}")
            if report is None and not _has_content(data):
                continue  # nothing written for it: no empty draft
            entries.append((task, data))
        values = _indicator_values(request.POST, {i.pk: i for i in indicators})
        with transaction.atomic():
            saved = [services.report_save(task=task, period=period, by=user, data=data)
                     for task, data in entries]
            for indicator, value in values:
                services.indicator_value_set(indicator=indicator, period=period, by=user,
                                             value=value)
    except WorkflowError as exc:
        refused(request, exc)
        return None
    messages.success(request, " ".join([
        ngettext("Saved %(count)d report.", "Saved %(count)d reports.", len(saved))
        % {"count": len(saved)},
        ngettext("Saved %(count)d indicator value.", "Saved %(count)d indicator values.",
                 len(values)) % {"count": len(values)},
    ]))
    if request.POST.get("action") == "submit":
        _submit_complete(request, [r for r in saved if r.progress.strip()])
    return redirect("workflow:report-once", pk=period.pk)


def _submit_complete(request, drafts: list[ProgressReport]) -> None:
    done = 0
    for report in drafts:
        try:
            services.report_submit(report=report, by=request.user)
        except WorkflowError as exc:
            messages.error(request, _("%(task)s: %(reason)s") % {"task": report.task,
                                                                 "reason": exc})
        else:
            done += 1
    if done and drafts[0].needs_signoff():
        messages.success(request, ngettext(
            "Sent %(count)d report to the agency head for sign-off.",
            "Sent %(count)d reports to the agency head for sign-off.", done) % {"count": done})
    elif done:
        messages.success(request, ngettext("Submitted %(count)d report.",
                                           "Submitted %(count)d reports.", done)
                         % {"count": done})
    elif not drafts:
        messages.info(request, _("No draft has its progress written: nothing was submitted."))
