"""SMS back ends: console (default), in-memory (tests); chosen by settings.SMS_BACKEND."""

import itertools
import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    message_id: str


class BaseBackend:
    def send(self, *, to: str, body: str) -> str:
        """Send one SMS to an E.164 number; return the provider's message id."""
        raise NotImplementedError


_ids = itertools.count(1)


class ConsoleBackend(BaseBackend):
    """Prints each SMS to standard output, for development and demos."""

    def send(self, *, to: str, body: str) -> str:
        message_id = f"console-{next(_ids)}"
        sys.stdout.write(f"--- SMS to {to} ({message_id}) ---\n{body}\n")
        sys.stdout.flush()
        return message_id


outbox: list[SentSms] = []


class InMemoryBackend(BaseBackend):
    """Keeps each SMS in `outbox`, like Django's locmem e-mail back end."""

    def send(self, *, to: str, body: str) -> str:
        message_id = f"memory-{next(_ids)}"
        outbox.append(SentSms(to=to, body=body, message_id=message_id))
        return message_id


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, to: str, body: str) -> str:
    return get_backend().send(to=to, body=body)
