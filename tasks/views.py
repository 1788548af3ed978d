"""Plan pages: list and detail (the office and leaders), import (upload → preview → confirm:
the office)."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.models import Agency, AgencyGroup, LeadingGroupMember
from agencies.permissions import may_supervise, office_required, plans_reader_required

from . import selectors
from .forms import PlanUploadForm
from .importers import PlanImportError
from .importers.corrections import RowEdit, assign_to_rows, names_typed, shown_names
from .importers.reading import CONTEXT, GOAL, NO_NOTE, SAFEGUARDS
from .models import Indicator, Plan, Target
from .services import (
    TaskLinkError,
    canonical_of,
    plan_import,
    preview_dict,
    resolve_plan,
    tasks_agencies_set,
)
from .uploads import (
    PendingUploadMissing,
    pending_upload_delete,
    pending_upload_read,
    pending_upload_save,
)

# The upload waiting for confirmation: {"sha256", "name", "title"}. The file itself stays in
# private storage; the session never holds a path.
PENDING_SESSION_KEY = "plan_import_pending"


@plans_reader_required
@require_GET
def plan_list(request):
    """The plans the user supervises (the office) or reads (leaders); nobody sees every plan."""
    readable = selectors.plans_readable_by(request.user).values("pk")
    plans = selectors.plans_for_office().filter(pk__in=readable)
    return render(request, "tasks/plan_list.html", {"plans": plans})


@login_required
@require_GET
def plan_detail(request, pk: int):
    """404 for a plan the user neither supervises nor leads, whoever they are."""
    selectors.plan_for_user(request.user, pk)
    detail = selectors.plan_detail(pk)
    plan = detail.plan
    supervise = may_supervise(plan, request.user)
    empty_groups = []
    if supervise and plan.state == Plan.State.DRAFT:
        # A group without members gives no assignment at dispatch: say so before.
        empty_groups = list(AgencyGroup.objects.filter(task_links__task__plan=plan,
                                                       members__isnull=True).distinct())
    pending_items = 0
    if supervise and plan.is_container and plan.state == Plan.State.DISPATCHED:
        # 立项: items registered after the container was dispatched wait for their dispatch.
        pending_items = plan.tasks.filter(assignments__isnull=True).count()
    return render(request, "tasks/plan_detail.html", {
        "detail": detail, "plan": plan, "can_supervise": supervise,
        "pending_items": pending_items,
        "periods": list(plan.periods.all()),  # workflow's ReportingPeriod, by its relation
        "empty_groups": empty_groups, "show_state": plan.state != Plan.State.DRAFT,
    })


@login_required
@require_http_methods(["GET", "POST"])
def plan_leads(request, pk: int):
    """待明确牵头单位: the tasks without a lead, and the lead / supporting agencies set for the
    selected ones at once. The plan's office only: 404 for whoever does not read the plan,
    403 for a leader (who reads it but changes nothing)."""
    plan = selectors.plan_for_user(request.user, pk, write=True)
    if request.method == "POST":
        try:
            count = tasks_agencies_set(
                plan=plan, task_ids=[int(k) for k in request.POST.getlist("task") if k.isdigit()],
                lead=list(names_typed(request.POST.get("lead", "")[:500])),
                supporting=list(names_typed(request.POST.get("supporting", "")[:2000])))
        except TaskLinkError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, ngettext(
                "Agencies set for %(count)d task.", "Agencies set for %(count)d tasks.", count)
                % {"count": count})
            if not plan.tasks.filter(needs_lead=True).exists():
                return redirect("plans:detail", pk=plan.pk)
        return redirect("plans:leads", pk=plan.pk)
    return render(request, "tasks/plan_leads.html", {
        "plan": plan, "items": selectors.tasks_needing_lead(plan),
        "agency_names": selectors.agency_names(), "editable": plan.state == Plan.State.DRAFT,
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
            return _render_preview(request, resolved, upload.name)
    return render(request, "tasks/plan_import.html", {"form": form})


@office_required
@require_POST
def plan_import_confirm(request):
    """The preview's form: 'apply' shows the preview again with the office's changes (and a
    lead given to the selected rows); 'confirm' imports exactly what the preview shows."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending:
        messages.error(request, _("There is no uploaded plan waiting to be imported."))
        return redirect("plans:import")
    if request.POST.get("sha256") != pending["sha256"]:
        # A preview from another tab: the session holds a newer upload than this page showed.
        messages.error(request, _("This preview is out of date: upload the file again."))
        return redirect("plans:import")
    sha256, name = pending["sha256"], pending["name"]
    action = request.POST.get("action", "confirm")
    edits = edits_from_form(request.POST)
    try:
        data = pending_upload_read(sha256=sha256, source_name=name)
        if action != "confirm":
            edits = _bulk(request.POST, edits, action)
            resolved = resolve_plan(data=data, source_name=name, title=pending["title"] or None,
                                    edits=edits)
            return _render_preview(request, resolved, name)
        profile = getattr(request.user, "profile", None)
        outcome = plan_import(data=data, source_name=name, title=pending["title"] or None,
                              office_agency_id=profile.agency_id if profile else None,
                              edits=edits, by=request.user)
    except PendingUploadMissing:
        del request.session[PENDING_SESSION_KEY]
        existing = Plan.objects.filter(source_sha256=sha256).first()
        if existing:  # confirmed meanwhile, from another tab or by a colleague
            messages.info(request, _("This file was already imported as “%(title)s”.")
                          % {"title": existing.title})
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
        if outcome.resolved.corrections:
            messages.info(request, ngettext(
                "%(count)d correction to the reading was recorded with the plan.",
                "%(count)d corrections to the reading were recorded with the plan.",
                len(outcome.resolved.corrections)) % {"count": len(outcome.resolved.corrections)})
    else:
        messages.info(request, _("This file was already imported as “%(title)s”.")
                      % {"title": plan.title})
    return redirect("plans:detail", pk=plan.pk)


# ---- the editable preview --------------------------------------------------------------------

def edits_from_form(post) -> dict[int, RowEdit] | None:
    """The preview's rows as posted: 'rows' lists them; a row left out has no name fields.
    None when the form carried no rows (a confirmation of the reading as it is)."""
    keys = [int(k) for k in post.get("rows", "").split(",") if k.strip().isdigit()]
    if not keys:
        return None
    included = set(post.getlist("include"))
    edits = {}
    for key in keys:
        lead, supporting = post.get(f"lead-{key}"), post.get(f"supporting-{key}")
        edits[key] = RowEdit(
            key, str(key) in included,
            None if lead is None else names_typed(lead),
            None if supporting is None else names_typed(supporting),
        )
    return edits


def _bulk(post, edits: dict[int, RowEdit] | None, action: str) -> dict[int, RowEdit] | None:
    """'bulk-lead' / 'bulk-colead': the agency typed above the table for every selected row."""
    names = names_typed(post.get("bulk_name", ""))
    selected = [int(k) for k in post.getlist("select") if k.isdigit()]
    if action not in ("bulk-lead", "bulk-colead") or not names or not selected:
        return edits
    return assign_to_rows(edits or {}, selected, names[0], co_lead=action == "bulk-colead")


def _render_preview(request, resolved, name: str):
    context = _preview_context(preview_dict(resolved))
    context.update(
        existing=resolved.existing, sha256=resolved.sha256, name=name,
        rows=_preview_rows(resolved), corrections=resolved.corrections,
        agency_names=_agency_names(resolved),
    )
    context["counts"]["not_imported"] = len(resolved.reading.not_imported)
    context["editable"] = _editable(len(context["rows"]))
    context["row_keys"] = ",".join(str(row["key"]) for row in context["rows"])
    return render(request, "tasks/plan_import_preview.html", context)


REASONS = {
    NO_NOTE: gettext_lazy("no responsibility note"),
    GOAL: gettext_lazy("a goal"),
    CONTEXT: gettext_lazy("context: background, principles, opening or closing words"),
    SAFEGUARDS: gettext_lazy(
        "保障措施 without a note: offered, not imported unless you include it"),
}


def _preview_rows(resolved) -> list[dict]:
    """Every item of the plan, imported or not, in document order, as the form edits it."""
    reading = resolved.reading
    canonical = canonical_of(resolved.resolution)
    imported = {id(row) for row in reading.tasks}
    titles = {index: section.title for index, section in enumerate(reading.sections)}
    rows = []
    for row in sorted(reading.tasks + reading.not_imported, key=lambda r: r.position):
        lead, supporting = shown_names(row, canonical)
        rows.append({
            "key": row.position, "included": id(row) in imported, "content": row.content,
            "section": reading.section_path(row.section),
            "section_title": titles.get(row.section, ""), "source": row.source,
            "reason": REASONS.get(row.reason, ""), "lead": "、".join(lead),
            "supporting": "、".join(supporting), "needs_lead": not row.lead,
            "note": row.note, "first_is_lead": row.first_is_lead,
            "deadline": row.deadline_text,
        })
    return rows


def _agency_names(resolved) -> list[str]:
    """For the name fields' <datalist>: the agencies duban knows and the document's names."""
    known = list(Agency.objects.order_by("name").values_list("name", flat=True))
    reading = resolved.reading
    own = resolved.resolution.matched() + resolved.resolution.new()
    groups = [g for row in reading.tasks + reading.not_imported for g in row.groups]
    return list(dict.fromkeys(own + groups + known))


def _editable(row_count: int) -> bool:
    """Each row posts up to four fields; Django refuses a form with more than its limit."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    return limit is None or row_count * 4 + 20 <= limit


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
