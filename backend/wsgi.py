"""WSGI entry point, for tools that want one; production serves ASGI through uvicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
application = get_wsgi_application()

from appointments.checks import refuse_console_back_ends  # noqa: E402

refuse_console_back_ends()
