"""System checks for email: settings that run but would send wrong links or nothing at all."""
from django.conf import settings
from django.core.checks import Warning, register

DEFAULT_SITE_URL = "http://127.0.0.1:8000"


@register("duban")
def check_email_settings(app_configs, **kwargs):
    warnings = []
    if not settings.DEBUG and settings.SITE_URL == DEFAULT_SITE_URL:
        warnings.append(Warning(
            "SITE_URL is the development default while DEBUG is off: links in emails point to "
            "127.0.0.1.",
            hint="Set SITE_URL to the address users open, e.g. https://duban.example.gov.cn.",
            id="duban.W020",
        ))
    if settings.EMAIL_TIMEOUT is None or settings.EMAIL_TIMEOUT >= settings.OUTBOX_LEASE_SECONDS:
        warnings.append(Warning(
            "EMAIL_TIMEOUT is not shorter than OUTBOX_LEASE_SECONDS: a slow send could outlive "
            "its claim, and another worker would send the same email again.",
            hint="Keep EMAIL_TIMEOUT well under OUTBOX_LEASE_SECONDS (defaults 30 and 300).",
            id="duban.W021",
        ))
    if settings.CHANNEL_TIMEOUT >= settings.OUTBOX_LEASE_SECONDS:
        warnings.append(Warning(
            "CHANNEL_TIMEOUT is not shorter than OUTBOX_LEASE_SECONDS: a slow robot or SMS "
            "gateway could outlive the claim, and the message would be sent again.",
            hint="Keep CHANNEL_TIMEOUT well under OUTBOX_LEASE_SECONDS (defaults 10 and 300).",
            id="duban.W022",
        ))
    # An SMS carries the task's link whole (SITE_URL/tasks/<id>/) in 70 characters.
    if len(settings.SITE_URL) > 45:
        warnings.append(Warning(
            "SITE_URL is longer than 45 characters: an SMS (70 characters) has little or no "
            "room left beside the link.",
            hint="Use a short host name for SITE_URL.", id="duban.W023",
        ))
    return warnings
