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
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.permissions import may_supervise
from lib.files import safe_name
from workflow.visibility import bulletin_period_or_404

from ..bulletins import bulletin_file, bulletin_generate, bulletin_versions
from ..models import BulletinIssue

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@login_required
@require_GET
def bulletin_list(request, pk: int):
    period = bulletin_period_or_404(request.user, pk)
    return render(request, "supervision/bulletins_list.html", {
        "period": period, "plan": period.plan, "versions": bulletin_versions(period),
        "issue": BulletinIssue.objects.filter(period=period).first(),
        "before_due": period.closed_at is None and timezone.localdate() <= period.due_on,
        "can_generate": may_supervise(period.plan, request.user),
    })


@login_required
@require_POST
def bulletin_generate_view(request, pk: int):
    period = bulletin_period_or_404(request.user, pk)
    if not may_supervise(period.plan, request.user):
        raise PermissionDenied
    bulletin_generate(period=period, by=request.user)
    messages.success(request, _("Bulletin for %(period)s generated.") % {"period": period.label})
    return redirect("supervision:bulletins", pk=period.pk)


@login_required
@require_GET
def bulletin_download(request, pk: int, name: str):
    period = bulletin_period_or_404(request.user, pk)
    stored = bulletin_file(period, name)
    if stored is None:
        raise Http404
    ext = name.rsplit(".", 1)[1]
    # A title may hold "/" (关于A/B的方案): a browser would take what precedes it for folders.
    title = period.plan.title[:40].replace("/", "-").replace("\\", "-")
    filename = safe_name(f"督查通报-{title}-{period.label}-{name}")
    response = FileResponse(default_storage.open(stored, "rb"), as_attachment=True,
                            filename=filename, content_type=CONTENT_TYPES[ext])
    response["X-Content-Type-Options"] = "nosniff"
    return response
