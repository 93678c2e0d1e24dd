"""The interpreters' feed: offers arrive live, and everyone sees a request taken at once."""

from datetime import UTC, datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.interpreter_offers import accept_interpreter_request
from realtime.consumers import FORBIDDEN
from tests.factories import CaseworkerFactory, InterpreterFactory, TopicFactory, UserFactory, week_of_hours
from tests.realtime.conftest import cookie_for, open_socket
from tests.scenario import THURSDAY_9

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def arabic_interpreter():
    return InterpreterFactory(user=UserFactory(), languages=["ar"])


def book_with_interpreter():
    topic = TopicFactory()
    week_of_hours(CaseworkerFactory(office=topic.office, topics=[topic]))
    return book_appointment(
        topic=topic,
        mode="video",
        start=THURSDAY_9,
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789"),
        interpreter_language="ar",
        booked_by=UserFactory(),
    ).appointment


def test_only_interpreters_get_in(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 6, tzinfo=UTC), tick=False)
    caseworker = CaseworkerFactory().user

    async def scenario():
        for cookie in (None, await cookie_for(caseworker)):
            socket, connected, code = await open_socket("/ws/interpreters/", cookie=cookie)
            assert (connected, code) == (False, FORBIDDEN)
            await socket.disconnect()

    async_to_sync(scenario)()


def test_offer_arrives_and_taken_reaches_everyone(time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 6, tzinfo=UTC), tick=False)
    first, second = arabic_interpreter(), arabic_interpreter()

    async def scenario():
        sockets = []
        for person in (first, second):
            socket, connected, _ = await open_socket(
                "/ws/interpreters/", cookie=await cookie_for(person.user)
            )
            assert connected
            sockets.append(socket)
        appointment = await sync_to_async(book_with_interpreter)()
        for socket in sockets:
            offered = await socket.receive_json_from(timeout=2)
            assert (offered["type"], offered["op"], offered["language"]) == (
                "interpreter_request",
                "offered",
                "ar",
            )
            assert "Demir" not in str(offered)
        request_id = await sync_to_async(lambda: appointment.interpreter_request.pk)()
        await sync_to_async(accept_interpreter_request)(request_id=request_id, interpreter=first)
        for socket in sockets:
            taken = await socket.receive_json_from(timeout=2)
            assert (taken["op"], taken["id"], taken["status"]) == ("taken", request_id, "accepted")
        for socket in sockets:
            await socket.disconnect()

    async_to_sync(scenario)()
