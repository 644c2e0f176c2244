from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ..services.tokens import api_token_user, is_api_token


class StudioTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` with a personal API token (``afs_…``) or the login token of /api/auth/token/."""

    def authenticate_credentials(self, key):
        if is_api_token(key):
            user = api_token_user(key)
            if user is None:
                raise exceptions.AuthenticationFailed("invalid or revoked token")
            return user, None
        return super().authenticate_credentials(key)
