"""Plan pages: list and detail (the office and leaders), import (upload → preview → confirm:
the office)."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import AgencyGroup, LeadingGroupMember, StaffProfile
from workflow.models import ReportingPeriod
from workflow.selectors import plans_readable_by

from . import selectors
from .forms import PlanUploadForm
from .importers import PlanImportError
from .models import Indicator, Plan, Target, may_supervise
from .permissions import is_office, office_required, plans_reader_required
from .services import plan_import, preview_dict, resolve_plan
from .uploads import (
    PendingUploadMissing,
    pending_upload_delete,
    pending_upload_read,
    pending_upload_save,
)

# The upload waiting for confirmation: {"sha256", "name", "title"}. The file itself stays in
# private storage; the session never holds a path.
PENDING_SESSION_KEY = "plan_import_pending"


@login_required
@require_GET
def home(request):
    """Office staff and leaders start at the dashboard (at the plans while they have none to
    read, so the office can import its first); an agency's staff at its tasks."""
    profile = getattr(request.user, "profile", None)
    role = profile.role if profile is not None else None
    if is_office(request.user) or role == StaffProfile.Role.LEADER:
        if plans_readable_by(request.user).exists():
            return redirect("dashboard:office")
        return redirect("plans:list")
    if role in (StaffProfile.Role.REPORTER, StaffProfile.Role.HEAD):
        return redirect("workflow:my-tasks")
    return render(request, "tasks/portal_pending.html")


@plans_reader_required
@require_GET
def plan_list(request):
    """The plans the user supervises (the office) or reads (leaders); nobody sees every plan."""
    readable = plans_readable_by(request.user).values("pk")
    plans = selectors.plans_for_office().filter(pk__in=readable)
    return render(request, "tasks/plan_list.html", {"plans": plans})


@login_required
@require_GET
def plan_detail(request, pk: int):
    """404 for a plan the user neither supervises nor leads, whoever they are."""
    if not plans_readable_by(request.user).filter(pk=pk).exists():
        raise Http404
    try:
        detail = selectors.plan_detail(pk)
    except Plan.DoesNotExist:
        raise Http404 from None
    plan = detail.plan
    supervise = may_supervise(plan, request.user)
    empty_groups = []
    if supervise and plan.state == Plan.State.DRAFT:
        # A group without members gives no assignment at dispatch: say so before.
        empty_groups = list(AgencyGroup.objects.filter(task_links__task__plan=plan,
                                                       members__isnull=True).distinct())
    return render(request, "tasks/plan_detail.html", {
        "detail": detail, "plan": plan, "can_supervise": supervise,
        "periods": list(ReportingPeriod.objects.filter(plan=plan)),
        "empty_groups": empty_groups, "show_state": plan.state != Plan.State.DRAFT,
    })


@office_required
@require_http_methods(["GET", "POST"])
def plan_import_upload(request):
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload, title = form.cleaned_data["file"], form.cleaned_data["title"] or None
        data = upload.read()
        try:
            resolved = resolve_plan(data=data, source_name=upload.name, title=title)
        except PlanImportError as exc:
            form.add_error("file", _("The file could not be read: %(reason)s") % {"reason": exc})
        else:
            if resolved.existing is None:
                sha256 = pending_upload_save(data=data, source_name=upload.name)
                request.session[PENDING_SESSION_KEY] = {
                    "sha256": sha256, "name": upload.name, "title": title or "",
                }
            context = _preview_context(preview_dict(resolved))
            context.update(existing=resolved.existing, sha256=resolved.sha256, name=upload.name)
            return render(request, "tasks/plan_import_preview.html", context)
    return render(request, "tasks/plan_import.html", {"form": form})


@office_required
@require_POST
def plan_import_confirm(request):
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending:
        messages.error(request, _("There is no uploaded plan waiting to be imported."))
        return redirect("plans:import")
    if request.POST.get("sha256") != pending["sha256"]:
        # A preview from another tab: the session holds a newer upload than this page showed.
        messages.error(request, _("This preview is out of date: upload the file again."))
        return redirect("plans:import")
    sha256, name = pending["sha256"], pending["name"]
    try:
        data = pending_upload_read(sha256=sha256, source_name=name)
        profile = getattr(request.user, "profile", None)
        outcome = plan_import(data=data, source_name=name, title=pending["title"] or None,
                              office_agency_id=profile.agency_id if profile else None)
    except PendingUploadMissing:
        del request.session[PENDING_SESSION_KEY]
        existing = Plan.objects.filter(source_sha256=sha256).first()
        if existing:  # confirmed meanwhile, from another tab or by a colleague
            return redirect("plans:detail", pk=existing.pk)
        messages.error(request, _("The uploaded file %(name)s is gone: upload it again.")
                       % {"name": name})
        return redirect("plans:import")
    except PlanImportError as exc:
        messages.error(request, _("The file could not be read: %(reason)s") % {"reason": exc})
        return redirect("plans:import")
    pending_upload_delete(sha256=sha256, source_name=name)
    del request.session[PENDING_SESSION_KEY]
    plan = outcome.plan
    if outcome.created:
        messages.success(request, _("Imported “%(title)s”.") % {"title": plan.title})
    else:
        messages.info(request, _("This file was already imported as “%(title)s”.")
                      % {"title": plan.title})
    return redirect("plans:detail", pk=plan.pk)


def _preview_context(preview: dict) -> dict:
    """The preview as the page shows it: counts, a section tree, section titles for tasks."""
    titles, roots, nodes = {}, [], {}
    for section in preview["sections"]:
        label = section["number"] or section["title"]
        path = f"{section['parent']} {label}" if section["parent"] else label
        titles[path] = section["title"]
        node = {**section, "children": []}
        nodes[path] = node
        parent = nodes.get(section["parent"]) if section["parent"] else None
        (parent["children"] if parent else roots).append(node)
    tasks = [{**task, "section_title": titles.get(task["section"])} for task in preview["tasks"]]
    comparators, kinds = dict(Target.Comparator.choices), dict(Target.Kind.choices)
    attributes, roles = dict(Indicator.Attribute.choices), dict(LeadingGroupMember.Role.choices)
    indicators = [
        {
            **row,
            "comparator_label": comparators.get(row["comparator"], ""),
            "kind_label": kinds.get(row["target_kind"], ""),
            "attribute_label": attributes.get(row["attribute"], ""),
        }
        for row in preview["indicators"]
    ]
    group = preview["leading_group"]
    members = [
        {**member, "role_label": roles.get(member["role"], member["role"])}
        for member in (group["members"] if group else [])
    ]
    counts = {
        "sections": len(preview["sections"]),
        "tasks": len(tasks),
        "needs_assignment": sum(task["needs_assignment"] for task in tasks),
        "indicators": len(preview["indicators"]),
        "members": len(group["members"]) if group else 0,
        "agencies_matched": len(preview["agencies"]["matched"]),
        "agencies_new": len(preview["agencies"]["new"]),
        "suggestions": len(preview["agencies"]["suggestions"]),
    }
    return {
        "preview": preview, "counts": counts, "section_tree": roots, "tasks": tasks,
        "indicators": indicators, "members": members,
    }
