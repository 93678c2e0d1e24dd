"""App configuration for the realtime layer."""

from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "realtime"
