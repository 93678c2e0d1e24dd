"""The project's ASGI application plus static files, for the web server processes tests start."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

from channels.routing import ProtocolTypeRouter
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from backend.asgi import application as project

application = ProtocolTypeRouter(
    {
        "http": ASGIStaticFilesHandler(project.application_mapping["http"]),
        "websocket": project.application_mapping["websocket"],
    }
)
