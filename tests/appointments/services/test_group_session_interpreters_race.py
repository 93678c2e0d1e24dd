"""Sessions (and a request) racing for one interpreter's hour on PostgreSQL: exactly one gets them."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection

from appointments.exceptions import ApplicationError
from appointments.models import GroupSessionInterpreter, InterpreterRequest, Language
from appointments.services.group_session_interpreters import assign_group_interpreter
from appointments.services.group_sessions import schedule_group_session
from appointments.services.interpreter_offers import accept_interpreter_request
from tests.appointments.services.test_booking_race import race
from tests.factories import (
    AppointmentFactory,
    CaseworkerFactory,
    InterpreterFactory,
    InterpreterRequestFactory,
    TopicFactory,
)
from tests.scenario import TUESDAY, at

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

SESSIONS = 8


@pytest.fixture
def topic(office):
    return TopicFactory(office=office, group=True, modes=["in_person"], duration=timedelta(minutes=60))


@pytest.fixture
def interpreter():
    return InterpreterFactory(languages=["ar"], modes=["in_person", "video"])


def session_at(topic, clock: str):
    """A session of its own host (hosts are not what races here), in Arabic."""
    return schedule_group_session(
        topic=topic,
        start=at(TUESDAY, clock),
        hosts=[CaseworkerFactory(office=topic.office)],
        capacity=5,
        mode="in_person",
        languages=Language.objects.filter(code="ar"),
    )


def connected_race(attempts) -> Counter:
    """`race`, with every thread connected before any starts: connecting would stagger them."""
    ready = threading.Barrier(len(attempts))

    def connected(attempt):
        def run():
            connection.ensure_connection()
            ready.wait()
            attempt()

        return run

    return race([connected(attempt) for attempt in attempts], losing=(ApplicationError,))


def assigning(session, interpreter):
    arabic = Language.objects.get(code="ar")
    return lambda: assign_group_interpreter(session=session, language=arabic, interpreter=interpreter)


def test_sessions_at_the_same_hour_racing_for_one_interpreter_one_gets_them(topic, interpreter):
    sessions = [session_at(topic, "10:00") for _ in range(SESSIONS)]
    outcomes = connected_race([assigning(session, interpreter) for session in sessions])
    assert outcomes == Counter({"booked": 1, "taken": SESSIONS - 1})
    assert GroupSessionInterpreter.objects.filter(interpreter=interpreter).count() == 1


def test_a_session_and_a_request_racing_for_one_interpreter_one_gets_them(topic, interpreter):
    job = AppointmentFactory(
        topic=topic, mode="in_person", start=at(TUESDAY, "10:30"), interpreter_language="ar"
    )
    request = InterpreterRequestFactory(appointment=job)
    session = session_at(topic, "10:00")

    def accepting():
        accept_interpreter_request(request_id=request.pk, interpreter=interpreter)

    outcomes = connected_race([assigning(session, interpreter), accepting])
    assert outcomes == Counter({"booked": 1, "taken": 1})
    accepted = InterpreterRequest.objects.filter(interpreter=interpreter, status="accepted").count()
    assert accepted + GroupSessionInterpreter.objects.filter(interpreter=interpreter).count() == 1
