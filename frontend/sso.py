"""Sign-in with the job centre's OpenID Connect provider: mozilla-django-oidc's views and backend,
with the endpoints from the provider's discovery document and every claim of the ID token checked."""

from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.urls import reverse
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from appointments.services.sso import SignInRefused, sign_in_staff

SIGNED_IN_WITH = "signed_in_with"  # the session's key: "sso" when the provider vouched for the user
SSO = "sso"
DISCOVERY_SECONDS = 3600
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


def sso_enabled() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_RP_CLIENT_ID)


def provider_configuration() -> dict:
    """The provider's discovery document, kept for an hour; it must name the configured issuer."""
    issuer = settings.OIDC_ISSUER
    key = f"oidc-discovery:{issuer}"
    configuration = cache.get(key)
    if configuration is None:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        configuration = response.json()
        if configuration.get("issuer") != issuer:
            raise SuspiciousOperation("The provider's discovery document names another issuer.")
        cache.set(key, configuration, DISCOVERY_SECONDS)
    return configuration


def sso_setting(attr: str, *args):
    """mozilla-django-oidc's settings, with the provider's endpoints from discovery."""
    if attr in _ENDPOINTS:
        return provider_configuration()[_ENDPOINTS[attr]]
    return import_from_settings(attr, *args)


class StaffSignIn(OIDCAuthenticationBackend):
    """Verifies the ID token fully (signature, issuer, audience, expiry, nonce) and maps the claims
    to a user with appointments.services.sso."""

    @staticmethod
    def get_settings(attr, *args):
        return sso_setting(attr, *args)

    def __init__(self, *args, **kwargs):
        # Django makes the back ends for every login, the password login too: nothing here may
        # ask the provider before a sign-in through it (the endpoints below are read when used).
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):
        return sso_setting("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self):
        return sso_setting("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):
        return sso_setting("OIDC_OP_JWKS_ENDPOINT")

    def authenticate(self, request, **kwargs):
        if not sso_enabled() or "nonce" not in kwargs:
            return None  # a password login, or SSO is off
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        """The session's user, as long as they may still sign in (mozilla-django-oidc's own
        get_user would keep a deactivated user's session alive)."""
        user = super().get_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _verify_jws(self, payload, key):
        """mozilla-django-oidc checks signature and nonce only; the issuer, our client id as the
        audience and the token's times are checked here (OpenID Connect Core 3.1.3.7)."""
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"ID token refused: {type(exc).__name__}") from exc

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("The userinfo is of another subject than the ID token.")
        try:
            return sign_in_staff(issuer=settings.OIDC_ISSUER, claims={**payload, **claims})
        except SignInRefused as exc:
            messages.error(self.request, exc.message)
            return None


class _SsoOnly:
    @staticmethod
    def get_settings(attr, *args):
        return sso_setting(attr, *args)

    def dispatch(self, request, *args, **kwargs):
        if not sso_enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class SignInStart(_SsoOnly, OIDCAuthenticationRequestView):
    """To the provider's login, with state, nonce and a PKCE challenge kept in the session."""

    def __init__(self, *args, **kwargs):
        if sso_enabled():
            super().__init__(*args, **kwargs)


class SignInCallback(_SsoOnly, OIDCAuthenticationCallbackView):
    """Back from the provider: the code is exchanged, the user signed in, the session marked."""

    def login_success(self):
        response = super().login_success()
        self.request.session[SIGNED_IN_WITH] = SSO
        return response

    @property
    def success_url(self):
        # frontend.accounts imports this module (logout, the second factor): imported when used.
        from frontend.accounts import landing_url, safe_next_url

        next_url = safe_next_url(self.request, self.request.session.get("oidc_login_next"))
        return next_url or landing_url(self.user)


def provider_logout_url(request, id_token: str | None) -> str | None:
    """The provider's end of the session (RP-initiated logout), back to our login page after."""
    if not sso_enabled() or not id_token:
        return None
    end_session = provider_configuration().get("end_session_endpoint")
    if not end_session:
        return None
    query = {
        "id_token_hint": id_token,
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse("login")),
    }
    return f"{end_session}?{urlencode(query)}"
