"""Small helpers every workflow view module uses."""
from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from ..errors import WorkflowError


def back(request, default: str):
    """Redirect to the form's `next` when it is a page of this site, else to `default`."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def refused(request, exc: WorkflowError) -> None:
    """A refused change is said on the page it came from, not raised."""
    messages.error(request, str(exc))


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
