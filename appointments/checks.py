"""System checks: settings that would lose messages in production are errors, not surprises.

The console back ends only print (and fill /dev/outbox/): with DEBUG off a client would never get
their code or link. `manage.py check`, `migrate` and every worker command run these checks, and the
web processes (which run no system checks) refuse to start on them; the in-memory back ends stay
allowed, for the tests.
"""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

CONSOLE_SMS_BACKENDS = {"appointments.providers.sms.ConsoleBackend"}
CONSOLE_EMAIL_BACKENDS = {
    "appointments.providers.mail.OutboxEmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register()
def console_back_ends_only_in_debug(app_configs, **kwargs) -> list[Error]:
    if settings.DEBUG:
        return []
    errors = []
    if settings.SMS_BACKEND in CONSOLE_SMS_BACKENDS:
        errors.append(
            Error(
                f"SMS_BACKEND is {settings.SMS_BACKEND} with DEBUG off: SMS would only be printed.",
                hint="Set SMS_BACKEND=appointments.providers.sms.TwilioBackend and the TWILIO_* settings.",
                id="appointments.E001",
            )
        )
    email_backend = settings.MAILERS["default"]["BACKEND"]
    if email_backend in CONSOLE_EMAIL_BACKENDS:
        errors.append(
            Error(
                f"EMAIL_BACKEND is {email_backend} with DEBUG off: e-mails would only be printed.",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST etc.",
                id="appointments.E002",
            )
        )
    return errors


def refuse_console_back_ends() -> None:
    """For the web processes: the ASGI server runs no system checks, so the same errors stop it here."""
    errors = console_back_ends_only_in_debug(None)
    if errors:
        raise ImproperlyConfigured(" ".join(f"{error.msg} {error.hint}" for error in errors))
