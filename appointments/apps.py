"""App configuration for the appointments domain."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from appointments import checks  # noqa: F401 (registers the system checks)
        from appointments.services.slot_cache import watch_availability

        watch_availability()
