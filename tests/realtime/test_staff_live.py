"""Live staff pages: whose socket hears which booking or call, and the one-click admit of the call page."""

import json
from datetime import date, time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth import get_user_model

from appointments.services import calls
from tests.factories import CaseworkerFactory, ExtraHoursFactory, OfficeFactory, TopicFactory
from tests.realtime.conftest import assign_interpreter, cookie_for, make_call, open_socket
from tests.scenario import MONDAY_9, book

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def caseworker_with_hours(topic, **fields):
    worker = CaseworkerFactory(office=topic.office, topics=[topic], **fields)
    ExtraHoursFactory(caseworker=worker, date=date(2026, 11, 30), start_time=time(9), end_time=time(12))
    return worker


async def sockets_of(*users):
    sockets = []
    for user in users:
        socket, connected, _ = await open_socket("/ws/staff/", cookie=await cookie_for(user))
        assert connected
        sockets.append(socket)
    return sockets


@pytest.mark.usefixtures("now")
def test_coordinator_hears_a_colleagues_booking_other_caseworkers_do_not(db):
    topic = TopicFactory()
    booked_for = caseworker_with_hours(topic)
    colleague = caseworker_with_hours(topic)
    coordinator = CaseworkerFactory(office=topic.office, is_coordinator=True)
    stranger = CaseworkerFactory(office=OfficeFactory(), is_coordinator=True)

    async def scenario():
        own, office, other, elsewhere = await sockets_of(
            booked_for.user, coordinator.user, colleague.user, stranger.user
        )
        booking = await sync_to_async(book)(topic, MONDAY_9, caseworker=booked_for, by_staff=True)
        appointment = booking.appointment
        for socket in (own, office):
            event = await socket.receive_json_from(timeout=2)
            assert (event["type"], event["op"], event["reference"]) == (
                "appointment",
                "booked",
                appointment.reference,
            )
            assert event["start"].startswith("2026-11-30T09:00")  # local time: staff.js matches shown days
            assert "Demir" not in json.dumps(event)
        assert await other.receive_nothing(timeout=0.3)
        assert await elsewhere.receive_nothing(timeout=0.3)
        for socket in (own, office, other, elsewhere):
            await socket.disconnect()

    async_to_sync(scenario)()


def test_a_waiting_client_reaches_the_caseworker_and_the_coordinator_only(db):
    call = make_call()
    owner = get_user_model().objects.get(caseworker=call.appointment.caseworker)
    office = call.appointment.topic.office
    coordinator = CaseworkerFactory(office=office, is_coordinator=True).user
    colleague = CaseworkerFactory(office=office).user
    seat = calls.client_seat(room=call.room, reference=call.reference, token=call.token)

    async def scenario():
        own, office_socket, other = await sockets_of(owner, coordinator, colleague)
        await sync_to_async(calls.mark_client_waiting)(seat=seat)
        for socket in (own, office_socket):
            event = await socket.receive_json_from(timeout=2)
            assert event == {
                "type": "call",
                "op": "client_waiting",
                "reference": call.reference,
                "room": call.room,
                "status": "waiting",
            }
        assert await other.receive_nothing(timeout=0.3)
        for socket in (own, office_socket, other):
            await socket.disconnect()

    async_to_sync(scenario)()


def call_config(page) -> dict:
    return json.loads(page.text.split('id="call-config" type="application/json">')[1].split("</script>")[0])


def test_admit_on_open_only_for_the_caseworker_who_asks(client):
    call = make_call()
    owner = get_user_model().objects.get(caseworker=call.appointment.caseworker)
    interpreter = assign_interpreter(call.appointment).user
    url = f"/video/raum/{call.room}/"

    client.force_login(owner)
    assert call_config(client.get(f"{url}?admit=1"))["admitOnJoin"] is True
    assert call_config(client.get(url))["admitOnJoin"] is False
    assert call_config(client.get(f"{url}?admit=yes"))["admitOnJoin"] is False
    client.force_login(interpreter)
    assert call_config(client.get(f"{url}?admit=1"))["admitOnJoin"] is False  # only the caseworker admits
    client.force_login(CaseworkerFactory(office=call.appointment.topic.office).user)
    assert client.get(f"{url}?admit=1").status_code == 404  # a plain colleague never gets the room
