"""Rates from settings.API_THROTTLE_USER / API_THROTTLE_ANON, read at each request (so that
a test or a reload sees the current value); an empty rate means no limit.

Counts live in the "throttle" cache (Redis when REDIS_URL is set: shared by every process).
A cache that does not answer lets the request through and logs it: Redis being down must not
take the API down with it, as it does not take the pages down.
"""
import logging

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

log = logging.getLogger("duban.api")


class _SharedCounts:
    @property
    def cache(self):
        return caches["throttle"]

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache's client errors (redis.ConnectionError, timeouts…)
            log.warning("throttle cache unavailable: request not throttled", exc_info=True)
            return True


class UserThrottle(_SharedCounts, UserRateThrottle):
    """Authenticated users, by user; anonymous requests are AnonThrottle's alone (DRF's
    UserRateThrottle would count them by address under the user rate too)."""

    def get_rate(self):
        return settings.API_THROTTLE_USER or None

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class AnonThrottle(_SharedCounts, AnonRateThrottle):
    def get_rate(self):
        return settings.API_THROTTLE_ANON or None
