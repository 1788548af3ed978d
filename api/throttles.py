"""Rates from settings.API_THROTTLE_USER / API_THROTTLE_ANON, read at each request (so that
a test or a reload sees the current value); an empty rate means no limit."""
from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class UserThrottle(UserRateThrottle):
    def get_rate(self):
        return settings.API_THROTTLE_USER or None


class AnonThrottle(AnonRateThrottle):
    def get_rate(self):
        return settings.API_THROTTLE_ANON or None
