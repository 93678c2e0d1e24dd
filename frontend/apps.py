"""App configuration for the server-rendered pages."""

from django.apps import AppConfig


class FrontendConfig(AppConfig):
    name = "frontend"
