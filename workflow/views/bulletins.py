"""督查通报 pages: a period's generated bulletins, generating one, downloading a file.

The office and the plan's leaders see and download; only the office generates. Anyone else
gets 404, as for every object of a plan they cannot read.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tasks.models import may_supervise

from .. import selectors
from ..bulletins import bulletin_file, bulletin_generate, bulletin_versions
from ..models import ReportingPeriod

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _period_for(user, pk: int) -> ReportingPeriod:
    """The period, or 404 unless the user reads its plan whole (office or leader)."""
    period = (ReportingPeriod.objects.select_related("plan")
              .filter(pk=pk, plan__in=selectors.plans_readable_by(user).values("pk")).first())
    if period is None:
        raise Http404
    return period


@login_required
@require_GET
def bulletin_list(request, pk: int):
    period = _period_for(request.user, pk)
    return render(request, "workflow/bulletins_list.html", {
        "period": period, "plan": period.plan, "versions": bulletin_versions(period),
        "can_generate": may_supervise(period.plan, request.user),
    })


@login_required
@require_POST
def bulletin_generate_view(request, pk: int):
    period = _period_for(request.user, pk)
    if not may_supervise(period.plan, request.user):
        raise PermissionDenied
    bulletin_generate(period=period, by=request.user)
    messages.success(request, _("Bulletin for %(period)s generated.") % {"period": period.label})
    return redirect("bulletins:list", pk=period.pk)


@login_required
@require_GET
def bulletin_download(request, pk: int, name: str):
    period = _period_for(request.user, pk)
    stored = bulletin_file(period, name)
    if stored is None:
        raise Http404
    ext = name.rsplit(".", 1)[1]
    filename = f"督查通报-{period.plan.title[:40]}-{period.label}-{name}"
    response = FileResponse(default_storage.open(stored, "rb"), as_attachment=True,
                            filename=filename, content_type=CONTENT_TYPES[ext])
    response["X-Content-Type-Options"] = "nosniff"
    return response
