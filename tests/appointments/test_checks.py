"""The console back ends are refused with DEBUG off; the in-memory ones (tests) are not."""

from appointments.checks import console_back_ends_only_in_debug


def _ids(errors) -> set[str]:
    return {error.id for error in errors}


def test_console_sms_and_email_are_errors_with_debug_off(settings):
    settings.DEBUG = False
    settings.SMS_BACKEND = "appointments.providers.sms.ConsoleBackend"
    settings.MAILERS = {"default": {"BACKEND": "appointments.providers.mail.OutboxEmailBackend"}}

    assert _ids(console_back_ends_only_in_debug(None)) == {"appointments.E001", "appointments.E002"}


def test_console_back_ends_are_fine_with_debug_on(settings):
    settings.DEBUG = True
    settings.SMS_BACKEND = "appointments.providers.sms.ConsoleBackend"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}

    assert console_back_ends_only_in_debug(None) == []


def test_in_memory_and_real_back_ends_pass_with_debug_off(settings):
    settings.DEBUG = False
    settings.SMS_BACKEND = "appointments.providers.sms.InMemoryBackend"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert console_back_ends_only_in_debug(None) == []

    settings.SMS_BACKEND = "appointments.providers.sms.TwilioBackend"
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
    assert console_back_ends_only_in_debug(None) == []
