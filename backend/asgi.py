"""ASGI entry point: HTTP through Django, websockets through Channels (daphne serves both)."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django_asgi_app = get_asgi_application()

from appointments.checks import refuse_console_back_ends  # noqa: E402

refuse_console_back_ends()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from realtime.middleware import SecondFactorMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(SecondFactorMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)

# The cyclic garbage collector, walking a process that holds thousands of websockets, stalled a
# fan-out for hundreds of milliseconds (p95 568 -> 232 ms to 2,000 dashboards in
# tests/bench/bench_websockets.py): what is loaded at start is frozen out of its walks, and the
# youngest generation is collected after 50,000 new objects instead of 700.
gc.freeze()
gc.set_threshold(50_000, 50, 100)
