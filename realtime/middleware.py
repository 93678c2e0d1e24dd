"""Websocket middleware: the session, and the HTTP login rules. A session that lacks the second
factor counts as anonymous, and so does a coordinator whose office requires a second factor that
they have not set up yet."""

import functools
from importlib import import_module

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import is_verified
from django_otp.models import Device

from frontend.accounts import lacks_required_second_factor, needs_second_factor, signed_in_with_provider


def _lacks_second_factor(user, session) -> bool:
    """What django-otp's middleware and ours do for HTTP, for a websocket's session."""
    if session is not None and signed_in_with_provider(session):
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    user.otp_device = device if device is not None and device.user_id == user.pk else None
    user.is_verified = functools.partial(is_verified, user)
    return needs_second_factor(user) or lacks_required_second_factor(user)


class SecondFactorMiddleware(BaseMiddleware):
    """Inside channels' AuthMiddlewareStack, so the user is known; see frontend.accounts for HTTP."""

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        signed_in = user is not None and user.is_authenticated
        if signed_in and await database_sync_to_async(_lacks_second_factor)(user, scope.get("session")):
            scope = {**scope, "user": AnonymousUser()}
        # Not BaseMiddleware's copy of the scope: it changes nothing in it, and every copy stays
        # in memory for as long as the socket is open.
        return await self.inner(scope, receive, send)


class SessionMiddleware(BaseMiddleware):
    """The session named by the websocket's cookie, in the scope as Channels' SessionMiddleware
    puts it there, but without that one's wrapper around every frame sent: the wrapper saves
    sessions on HTTP responses, which a websocket never sends (issue #15: a sixth of a fan-out
    to 2,000 feeds)."""

    async def __call__(self, scope, receive, send):
        store = import_module(settings.SESSION_ENGINE).SessionStore
        session = store(scope["cookies"].get(settings.SESSION_COOKIE_NAME))
        return await self.inner({**scope, "session": session}, receive, send)
