"""ASGI entry point: HTTP through Django, websockets through Channels (uvicorn serves both in production)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django_asgi_app = get_asgi_application()

from appointments.checks import refuse_console_back_ends  # noqa: E402

refuse_console_back_ends()

from channels.auth import AuthMiddleware  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402

from realtime.middleware import SecondFactorMiddleware, SessionMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            # Channels' AuthMiddlewareStack, with a session middleware that leaves frames alone.
            CookieMiddleware(
                SessionMiddleware(AuthMiddleware(SecondFactorMiddleware(URLRouter(websocket_urlpatterns))))
            )
        ),
    }
)
