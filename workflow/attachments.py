"""Attachments: the type is read from the content, not trusted from the name.

Allowed: pdf, doc/docx, xls/xlsx, jpg, png, zip. A .docx is a zip holding word/, a .xlsx one
holding xl/; an old .doc/.xls is an OLE2 compound file. The name is reduced to a safe base name.
"""
from __future__ import annotations

from pathlib import PurePath

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from lib.files import safe_name, sniff

from .errors import WorkflowError
from .models import Attachment, Contribution, ProgressReport
from .services import EDITABLE

ALLOWED = {"pdf", "doc", "docx", "xls", "xlsx", "jpg", "png", "zip"}
# What a name's extension may be for each detected kind (.jpeg is a .jpg).
NAMES_FOR = {"pdf": {"pdf"}, "ole2": {"doc", "xls"}, "docx": {"docx"}, "xlsx": {"xlsx"},
             "jpg": {"jpg", "jpeg"}, "png": {"png"}, "zip": {"zip"}}


def check(name: str, data: bytes) -> str:
    """The accepted extension for this upload, or a WorkflowError saying why not."""
    if len(data) > settings.ATTACHMENT_MAX_BYTES:
        raise WorkflowError(_("%(name)s is larger than %(limit)d MB.") % {
            "name": name, "limit": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)})
    if not data:
        raise WorkflowError(_("%(name)s is empty.") % {"name": name})
    ext = PurePath(name).suffix.lower().lstrip(".")
    kind = sniff(data)
    if kind is None or ext not in NAMES_FOR.get(kind, set()):
        raise WorkflowError(_(
            "%(name)s is not an allowed file: upload pdf, doc, docx, xls, xlsx, jpg, png or "
            "zip, with a name that matches its content."
        ) % {"name": name})
    return "jpg" if ext == "jpeg" else ext


def attachment_add(*, owner, upload, by) -> Attachment:
    """Attach an uploaded file to a report or a contribution the user may edit."""
    if isinstance(owner, ProgressReport):
        allowed = by.has_perm("tasks.report_task", owner.task) and owner.state in EDITABLE
        link = {"report": owner}
    elif isinstance(owner, Contribution):
        allowed = by.has_perm("tasks.contribute_task", owner.task) and _same_agency(by, owner)
        link = {"contribution": owner}
    else:
        raise TypeError(owner)
    if not allowed:
        raise WorkflowError(_("You are not allowed to do this."))
    if owner.period.is_closed:  # a closed period's reports and material are read-only
        raise WorkflowError(_("This reporting period is closed."))
    name = safe_name(upload.name)
    quota_check(link, name, 0)  # a full report refuses before the file is read
    data = upload.read(settings.ATTACHMENT_MAX_BYTES + 1)
    ext = check(name, data)
    with transaction.atomic():
        # One upload at a time per report or contribution, so that two at once cannot both
        # pass the quota.
        type(owner).objects.select_for_update().filter(pk=owner.pk).exists()
        quota_check(link, name, len(data))
        attachment = Attachment(name=name, kind=ext, size=len(data), uploaded_by=by, **link)
        attachment.file.save(f"{ext}.{ext}", ContentFile(data), save=False)
        try:
            attachment.save()
        except Exception:
            attachment.file.delete(save=False)
            raise
    return attachment


def quota_check(link: dict, name: str, size: int) -> None:
    """At most ATTACHMENTS_PER_REPORT files and ATTACHMENTS_TOTAL_BYTES in all per report or
    contribution; otherwise a WorkflowError naming the file and the limit."""
    held = Attachment.objects.filter(**link).aggregate(count=Count("pk"), total=Sum("size"))
    if held["count"] >= settings.ATTACHMENTS_PER_REPORT:
        raise WorkflowError(_(
            "%(name)s was not attached: there are already %(count)d attachments here, the "
            "most allowed."
        ) % {"name": name, "count": held["count"]})
    total = (held["total"] or 0) + size
    if total > settings.ATTACHMENTS_TOTAL_BYTES:
        raise WorkflowError(_(
            "%(name)s was not attached: the attachments here would come to %(total).1f MB, "
            "more than the %(limit)d MB allowed in all."
        ) % {"name": name, "total": total / (1024 * 1024),
             "limit": settings.ATTACHMENTS_TOTAL_BYTES // (1024 * 1024)})


def _same_agency(user, contribution) -> bool:
    profile = getattr(user, "profile", None)
    return profile is not None and profile.agency_id == contribution.agency_id
