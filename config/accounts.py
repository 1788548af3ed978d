"""Account pages that Django's own views serve, with duban's limits: the password reset mail
is throttled per email address and per client address (the login lockout is django-axes)."""
import hashlib
import logging

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.shortcuts import render

from lib.security import client_ip, over_limit

log = logging.getLogger("duban.accounts")
HOUR = 3600


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """At most PASSWORD_RESET_PER_IP_PER_HOUR requests from one address (then 429), and
    PASSWORD_RESET_PER_EMAIL_PER_HOUR mails to one address: past that the page answers as if
    it had sent one, so that it tells nobody which addresses have an account."""

    def post(self, request, *args, **kwargs):
        if over_limit(f"reset-ip:{client_ip(request)}",
                      settings.PASSWORD_RESET_PER_IP_PER_HOUR, HOUR):
            log.warning("password reset throttled for an address")
            return render(request, "registration/throttled.html", status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        digest = hashlib.sha256(email.encode()).hexdigest()
        if over_limit(f"reset-email:{digest}", settings.PASSWORD_RESET_PER_EMAIL_PER_HOUR, HOUR):
            log.warning("password reset throttled for an email address")
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


def locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE), on the site's and the
    admin's login pages: 429 and a page saying why and for how long."""
    return render(request, "registration/locked_out.html", {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": settings.AXES_COOLOFF_MINUTES,
    }, status=429)
