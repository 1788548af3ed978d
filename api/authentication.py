"""`Authorization: Token <key>`, DRF's TokenAuthentication looked up by the key's digest."""
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .models import ApiToken
from .tokens import token_digest


class ApiTokenAuthentication(TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key):
        token = (ApiToken.objects.select_related("user", "user__profile")
                 .filter(digest=token_digest(key)).first())
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token
