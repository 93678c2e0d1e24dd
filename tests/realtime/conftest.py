"""A video appointment starting in five minutes, its people, and websocket helpers for the call tests."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client as HttpClient
from django.utils import timezone

from appointments.models import Appointment, InterpreterRequest, Language
from appointments.providers import voice
from appointments.services.calls import ensure_call_room
from appointments.services.references import new_reference
from appointments.services.tokens import new_token
from backend.asgi import application
from tests.factories import CaseworkerFactory, ClientFactory, InterpreterFactory, TopicFactory, UserFactory

ORIGIN = b"http://testserver"


@dataclass
class Call:
    appointment: Appointment
    token: str
    room: str

    @property
    def reference(self) -> str:
        return self.appointment.reference


def session_cookie(user) -> str:
    """The Cookie header of a logged-in browser session for `user`."""
    browser = HttpClient()
    browser.force_login(user)
    return f"sessionid={browser.cookies['sessionid'].value}"


def make_call(*, topic=None, caseworker=None, mode="video", starts_in=timedelta(minutes=5)) -> Call:
    topic = topic or TopicFactory()
    caseworker = caseworker or CaseworkerFactory(office=topic.office, topics=[topic])
    token, token_hash = new_token()
    start = timezone.now() + starts_in
    appointment = Appointment.objects.create(
        reference=new_reference(),
        manage_token_hash=token_hash,
        client=ClientFactory(),
        caseworker=caseworker,
        topic=topic,
        mode=mode,
        start=start,
        end=start + topic.duration,
        blocked_from=start,
        blocked_until=start + topic.duration,
    )
    return Call(appointment, token, ensure_call_room(appointment))


def assign_interpreter(appointment: Appointment, *, phone: str = "+4915199900001"):
    language, _ = Language.objects.get_or_create(code="ar", defaults={"name": "العربية"})
    interpreter = InterpreterFactory(user=UserFactory(), phone=phone)
    InterpreterRequest.objects.create(
        appointment=appointment,
        language=language,
        status=InterpreterRequest.Status.ACCEPTED,
        interpreter=interpreter,
    )
    return interpreter


@pytest.fixture
def call(db) -> Call:
    return make_call()


@pytest.fixture
def voice_outbox(settings):
    settings.VOICE_BACKEND = "appointments.providers.voice.InMemoryBackend"
    voice.outbox.clear()
    yield voice.outbox
    voice.outbox.clear()


async def open_socket(path: str, *, cookie: str | None = None, origin: bytes = ORIGIN):
    """A communicator and whether the server accepted it (and its close code if not)."""
    headers = [(b"origin", origin)]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


async def cookie_for(user) -> str:
    return await sync_to_async(session_cookie)(user)
