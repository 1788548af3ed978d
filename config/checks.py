"""System checks that warn about settings which run but should not in production."""
from django.conf import settings
from django.core.checks import Warning, register


@register("duban")
def check_production_settings(app_configs, **kwargs):
    # DEBUG off with the development SECRET_KEY is not a warning (it was duban.W001): the
    # settings refuse to load (config/settings.py).
    warnings = []
    if "smtp" in settings.EMAIL_BACKEND and settings.EMAIL_HOST in ("", "localhost"):
        warnings.append(Warning(
            "The SMTP backend is on but EMAIL_HOST is not set.",
            hint="Set EMAIL_HOST, EMAIL_PORT and, if needed, EMAIL_HOST_USER/PASSWORD.",
            id="duban.W002",
        ))
    return warnings
