from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from ..services.tokens import api_token_user


class StudioTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` with a personal API token or a login token of /api/auth/token/.

    Both are ``ApiToken`` rows looked up by the key's hash (``services/tokens.py``).
    """

    def authenticate_credentials(self, key):
        user = api_token_user(key)
        if user is None:
            raise exceptions.AuthenticationFailed("invalid or revoked token")
        return user, None
