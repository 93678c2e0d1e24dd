"""Voice back ends, chosen by settings.VOICE_BACKEND: console (default), in-memory (tests), Twilio.

A back end rings one number and, once answered, fetches the TwiML at `twiml_url`, which
puts the person into the conference named by the appointment's opaque room id.
It returns the provider's call id or raises `VoiceError`.
"""

import itertools
import sys
from dataclasses import dataclass

import requests
from django.conf import settings
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.twiml.voice_response import Dial, VoiceResponse

from appointments.providers.sms import twilio_client
from appointments.services.phones import masked_number


class VoiceError(Exception):
    """Placing a call failed; `code` is the provider's error code when there is one."""

    def __init__(self, reason: str, *, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass(frozen=True)
class PlacedCall:
    to: str
    role: str
    twiml_url: str
    status_callback: str
    call_id: str


def conference_twiml(*, room: str, role: str) -> str:
    """TwiML that puts one party into the room's conference; it ends for all when the caseworker leaves."""
    response = VoiceResponse()
    dial = Dial()
    dial.conference(
        room,
        beep=False,
        start_conference_on_enter=role == "caseworker",
        end_conference_on_exit=role == "caseworker",
    )
    response.append(dial)
    return str(response)


class BaseBackend:
    def call(self, *, to: str, role: str, twiml_url: str, status_callback: str) -> str:
        """Ring an E.164 number; return the provider's call id."""
        raise NotImplementedError

    def hang_up(self, call_id: str) -> None:
        """Stop a call placed a moment ago that is still queued or ringing."""
        raise NotImplementedError


_ids = itertools.count(1)


class ConsoleBackend(BaseBackend):
    """Prints each call it would place (the number masked)."""

    def call(self, *, to: str, role: str, twiml_url: str, status_callback: str) -> str:
        call_id = f"console-call-{next(_ids)}"
        sys.stdout.write(f"--- call {call_id} to {masked_number(to)} as {role}: {twiml_url} ---\n")
        sys.stdout.flush()
        return call_id

    def hang_up(self, call_id: str) -> None:
        sys.stdout.write(f"--- call {call_id} hung up ---\n")
        sys.stdout.flush()


outbox: list[PlacedCall] = []
hung_up: list[str] = []


class InMemoryBackend(BaseBackend):
    """Keeps each call in `outbox`, like Django's locmem e-mail back end."""

    def call(self, *, to: str, role: str, twiml_url: str, status_callback: str) -> str:
        call_id = f"memory-call-{next(_ids)}"
        outbox.append(PlacedCall(to, role, twiml_url, status_callback, call_id))
        return call_id

    def hang_up(self, call_id: str) -> None:
        hung_up.append(call_id)


class TwilioBackend(BaseBackend):
    """Twilio's Calls API through the official client."""

    def __init__(self) -> None:
        self.client = twilio_client()

    def call(self, *, to: str, role: str, twiml_url: str, status_callback: str) -> str:
        try:
            placed = self.client.calls.create(
                to=to,
                from_=settings.TWILIO_VOICE_FROM or settings.TWILIO_FROM,
                url=twiml_url,
                method="POST",
                status_callback=status_callback,
                status_callback_method="POST",
                status_callback_event=["initiated", "ringing", "answered", "completed"],
            )
        except TwilioRestException as exc:
            raise VoiceError(f"Twilio {exc.status} {exc.code}", code=exc.code) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise VoiceError(f"Twilio unreachable: {type(exc).__name__}") from exc
        return placed.sid

    def hang_up(self, call_id: str) -> None:
        # "canceled" ends a queued or ringing call, which is what a leg placed a moment ago is.
        try:
            self.client.calls(call_id).update(status="canceled")
        except TwilioRestException as exc:
            raise VoiceError(f"Twilio {exc.status} {exc.code}", code=exc.code) from exc
        except (requests.RequestException, TwilioException) as exc:
            raise VoiceError(f"Twilio unreachable: {type(exc).__name__}") from exc


def get_backend() -> BaseBackend:
    return import_string(settings.VOICE_BACKEND)()
