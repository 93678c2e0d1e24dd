"""The staff feed: only caseworkers get in; each gets their own events, coordinators the office's too."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth import get_user_model

from appointments.models import Appointment
from appointments.services.booking import cancel_appointment
from realtime.consumers import FORBIDDEN
from tests.factories import CaseworkerFactory, InterpreterFactory, UserFactory
from tests.realtime.conftest import cookie_for, make_call, open_socket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def cancel(appointment):
    cancel_appointment(appointment=appointment, by=Appointment.Party.CLIENT)


def test_anonymous_and_non_staff_are_refused(db):
    interpreter = InterpreterFactory(user=UserFactory()).user
    plain = UserFactory()

    async def scenario():
        socket, connected, code = await open_socket("/ws/staff/")
        assert (connected, code) == (False, FORBIDDEN)
        await socket.disconnect()
        for user in (interpreter, plain):
            socket, connected, code = await open_socket("/ws/staff/", cookie=await cookie_for(user))
            assert (connected, code) == (False, FORBIDDEN)
            await socket.disconnect()

    async_to_sync(scenario)()


def test_caseworker_gets_own_events_coordinator_gets_the_office(db):
    call = make_call()
    mine = get_user_model().objects.get(caseworker=call.appointment.caseworker)
    colleague = CaseworkerFactory(office=call.appointment.topic.office).user
    coordinator = CaseworkerFactory(office=call.appointment.topic.office, is_coordinator=True).user

    async def scenario():
        sockets = []
        for user in (mine, colleague, coordinator):
            socket, connected, _ = await open_socket("/ws/staff/", cookie=await cookie_for(user))
            assert connected
            sockets.append(socket)
        await sync_to_async(cancel)(call.appointment)
        own, other, office = sockets
        event = await own.receive_json_from(timeout=2)
        assert (event["type"], event["op"], event["reference"]) == (
            "appointment",
            "cancelled",
            call.reference,
        )
        assert "Demir" not in str(event)
        assert (await office.receive_json_from(timeout=2))["reference"] == call.reference
        assert await other.receive_nothing(timeout=0.3)
        for socket in sockets:
            await socket.disconnect()

    async_to_sync(scenario)()


def test_feed_answers_pings_and_refuses_anything_else(db):
    call = make_call()
    user = get_user_model().objects.get(caseworker=call.appointment.caseworker)

    async def scenario():
        socket, _, _ = await open_socket("/ws/staff/", cookie=await cookie_for(user))
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from() == {"type": "pong"}
        for frame in ("x" * 10_000, "not json", '{"type": "admit"}'):
            await socket.send_to(text_data=frame)
            assert (await socket.receive_json_from())["code"] == "read_only"
        await socket.disconnect()

    async_to_sync(scenario)()
