"""Request-level protections that know nothing of the domain: body size, the client's address,
and a counter for throttling. Settings: README, "Security"."""
from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import gettext as _


def client_ip(request) -> str:
    """REMOTE_ADDR, or with PROXY_COUNT proxies in front (each appending to X-Forwarded-For)
    the address the outermost proxy saw. Entries left of that are the client's to forge."""
    hops = settings.PROXY_COUNT
    if hops > 0:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
                     if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


class RequestSizeLimitMiddleware:
    """413 for a body larger than REQUEST_MAX_BYTES, or, from someone not logged in, larger
    than DATA_UPLOAD_MAX_MEMORY_SIZE (a login form is small), before anything reads it.
    Django's own limits count form fields only, and spool uploaded files to disk first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_MAX_BYTES
        if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE and not request.user.is_authenticated:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            return HttpResponse(
                _("The request is too large (%(size)d MB; at most %(limit)d MB).")
                % {"size": length // (1024 * 1024), "limit": limit // (1024 * 1024)},
                status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def over_limit(key: str, limit: int, window: int) -> bool:
    """Count one event under `key` in the current window of `window` seconds (in the default
    cache); True once more than `limit` were counted. limit 0: no limit."""
    if limit <= 0:
        return False
    bucket = f"throttle:{key}:{int(time.time()) // window}"
    cache.add(bucket, 0, timeout=window)
    try:
        count = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.add(bucket, 1, timeout=window)
        count = 1
    return count > limit
