"""立项: the office registers an item outside a plan (workflow.adhoc), from scratch or from a
leader's instruction on a task page (the form comes prefilled)."""
from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agencies.permissions import may_supervise, office_required
from tasks.importers.corrections import names_typed
from tasks.selectors import agency_names

from .. import adhoc, visibility
from ..errors import WorkflowError
from ..forms import ONCE, ItemForm
from ..models import Instruction
from .common import int_or_none


def _instruction(user, raw) -> Instruction | None:
    """The instruction to register as an item: 404 unless the office supervises its plan."""
    pk = int_or_none(raw)
    if pk is None:
        return None
    instruction = get_object_or_404(
        Instruction.objects.select_related("task__plan", "author"), pk=pk)
    if not (may_supervise(instruction.task.plan, user)
            and visibility.instruction_visible_to(user, instruction)):
        raise Http404
    return instruction


@office_required
@require_http_methods(["GET", "POST"])
def item_new(request):
    """The register form; saved, the item waits in its container to be dispatched."""
    source = request.POST if request.method == "POST" else request.GET
    instruction = _instruction(request.user, source.get("instruction"))
    if request.method == "POST":
        form = ItemForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                task = adhoc.item_register(
                    by=request.user, kind=data["kind"], title=data["title"],
                    lead=list(names_typed(data["lead"])),
                    supporting=list(names_typed(data["supporting"])),
                    doc_number=data["doc_number"], asked_by=data["asked_by"],
                    deadline_on=data["deadline_on"], reports_once=data["rhythm"] == ONCE,
                    instruction=instruction)
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _(
                    "Item registered in %(plan)s. Dispatch it to the agencies from here.")
                    % {"plan": task.plan.title})
                return redirect("plans:detail", pk=task.plan_id)
    else:
        initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") else {}
        if instruction is not None:
            prefill = adhoc.initial_from_instruction(instruction)
            initial = {"kind": prefill.kind, "title": prefill.title,
                       "asked_by": prefill.asked_by, "lead": prefill.lead,
                       "supporting": prefill.supporting, "instruction": instruction.pk}
        form = ItemForm(initial=initial)
    return render(request, "workflow/item_new.html", {
        "form": form, "instruction": instruction, "agency_names": agency_names()})
