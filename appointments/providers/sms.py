"""SMS back ends, chosen by settings.SMS_BACKEND: console (default), in-memory (tests), Twilio.

A back end returns the provider's message id or raises `SmsError`, which says
whether trying again later can help. Retries themselves live in one place, the
outbox worker (appointments/services/outbox/worker.py).
"""

import itertools
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
from django.conf import settings
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client as TwilioClient


class SmsError(Exception):
    """Sending failed; `retry` says whether a later attempt may succeed."""

    retry = False

    def __init__(self, reason: str, *, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TemporaryError(SmsError):
    """Rate limit, provider outage, time-out: try again later."""

    retry = True


class Unsubscribed(SmsError):
    """The recipient sent STOP: never try again, and record that consent is gone."""


class NotMobile(SmsError):
    """The number is a landline or cannot take SMS: reach the person another way."""


@dataclass(frozen=True)
class SentSms:
    to: str
    body: str
    message_id: str


class BaseBackend:
    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        """Send one SMS to an E.164 number; return the provider's message id."""
        raise NotImplementedError


_ids = itertools.count(1)


class ConsoleBackend(BaseBackend):
    """Prints each SMS and, when OUTBOX_DIR is set, keeps it there for the /dev/outbox/ page."""

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        message_id = f"console-{datetime.now(UTC):%Y%m%d%H%M%S%f}-{next(_ids)}"
        sys.stdout.write(f"--- SMS to {to} ({message_id}) ---\n{body}\n")
        sys.stdout.flush()
        if settings.OUTBOX_DIR:
            folder = Path(settings.OUTBOX_DIR)
            folder.mkdir(parents=True, exist_ok=True)
            record = {"to": to, "body": body, "id": message_id, "at": datetime.now(UTC).isoformat()}
            (folder / f"{message_id}.sms.json").write_text(json.dumps(record, ensure_ascii=False))
        return message_id


outbox: list[SentSms] = []


class InMemoryBackend(BaseBackend):
    """Keeps each SMS in `outbox`, like Django's locmem e-mail back end."""

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        message_id = f"memory-{next(_ids)}"
        outbox.append(SentSms(to=to, body=body, message_id=message_id))
        return message_id


class _BaseUrlHttpClient(TwilioHttpClient):
    """Sends Twilio's requests to TWILIO_API_BASE instead of api.twilio.com (a local fake in tests)."""

    def __init__(self, base: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        return super().request(method, url.replace("https://api.twilio.com", self.base, 1), *args, **kwargs)


# Twilio error codes: https://www.twilio.com/docs/api/errors
_UNSUBSCRIBED = {21610}
_NOT_MOBILE = {21614, 21635, 30006}
_TEMPORARY = {20429, 30001, 30003, 30008, 30017, 30022}


def classify_twilio_error(code: int | None, status: int | None, reason: str) -> SmsError:
    """Map a Twilio error code (from the API or a status callback) to what we do about it."""
    if code in _UNSUBSCRIBED:
        return Unsubscribed(reason, code=code)
    if code in _NOT_MOBILE:
        return NotMobile(reason, code=code)
    if code in _TEMPORARY or (status is not None and (status == 429 or status >= 500)):
        return TemporaryError(reason, code=code)
    return SmsError(reason, code=code)


def twilio_client() -> TwilioClient:
    """The official client with our credentials and time-out; pointed at TWILIO_API_BASE in tests."""
    http_client = (
        _BaseUrlHttpClient(settings.TWILIO_API_BASE, timeout=settings.TWILIO_TIMEOUT_SECONDS)
        if settings.TWILIO_API_BASE
        else TwilioHttpClient(timeout=settings.TWILIO_TIMEOUT_SECONDS)
    )
    return TwilioClient(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client)


class TwilioBackend(BaseBackend):
    """Twilio's Messages API through the official client."""

    def __init__(self) -> None:
        self.client = twilio_client()

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> str:
        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM}
        )
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, body=body, **sender, **extra)
        except TwilioRestException as exc:
            raise classify_twilio_error(exc.code, exc.status, f"Twilio {exc.status} {exc.code}") from exc
        except (requests.RequestException, TwilioException) as exc:
            raise TemporaryError(f"Twilio unreachable: {type(exc).__name__}") from exc
        return message.sid


def get_backend() -> BaseBackend:
    return import_string(settings.SMS_BACKEND)()


def send_sms(*, to: str, body: str, status_callback: str | None = None) -> str:
    return get_backend().send(to=to, body=body, status_callback=status_callback)
