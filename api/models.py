"""API tokens: one per user, stored as a digest so that the key is shown once and never again."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
        related_name="api_token",
    )
    # SHA-256 of the key (hex). The key itself is printed once by `manage.py api_token` and
    # not kept: a copy of the database or the admin gives no working token.
    digest = models.CharField(_("key digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} ({self.created_at:%Y-%m-%d})"
