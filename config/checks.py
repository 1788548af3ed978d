"""System checks that warn about settings which run but should not in production."""
from django.conf import settings
from django.core.checks import Warning, register

INSECURE_KEY = "dev-only-insecure-key-change-me"


@register("duban")
def check_production_settings(app_configs, **kwargs):
    warnings = []
    if not settings.DEBUG and settings.SECRET_KEY == INSECURE_KEY:
        warnings.append(Warning(
            "SECRET_KEY is the development default while DEBUG is off.",
            hint="Set SECRET_KEY (or SECRET_KEY_FILE) in the environment.",
            id="duban.W001",
        ))
    if "smtp" in settings.EMAIL_BACKEND and settings.EMAIL_HOST in ("", "localhost"):
        warnings.append(Warning(
            "The SMTP backend is on but EMAIL_HOST is not set.",
            hint="Set EMAIL_HOST, EMAIL_PORT and, if needed, EMAIL_HOST_USER/PASSWORD.",
            id="duban.W002",
        ))
    return warnings
