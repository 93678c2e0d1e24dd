"""A one-to-one call past three people, with Janus: the fourth connection moves everyone from the
mesh into the call's Janus room, later ones enter it at once, and the mesh's signalling stops."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client as HttpClient

from appointments.models import Appointment
from tests.janus import Participant
from tests.realtime.conftest import make_call
from tests.realtime.test_call_consumer import (
    admitted_pair,
    drain,
    join_client,
    join_staff,
    next_of,
    next_presence,
    run,
    staff_of,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("janus_server"),
]


def test_a_fourth_person_moves_the_call_to_janus_and_everyone_follows(janus_server):
    call = make_call()
    user, interpreter, coordinator = staff_of(call)

    async def scenario():
        staff, _, client, _ = await admitted_pair(call, user)
        third = await join_staff(call.room, interpreter)
        assert "janus" not in await next_presence(third, "you")  # three: still the mesh
        await drain(staff)
        await drain(client)

        fourth = await join_staff(call.room, coordinator)
        led = (await next_presence(fourth, "you"))["janus"]
        moved = [(await next_of(socket, "move"))["janus"] for socket in (staff, client, third)]
        passes = [led, *moved]
        assert {issued["room"] for issued in passes} == {led["room"]}
        assert len({issued["participant"] for issued in passes}) == 4
        assert all(issued["everyone"] and not issued["host"] for issued in passes)
        assert sorted(issued["display"] for issued in passes) == [
            "caseworker",
            "caseworker",
            "client",
            "interpreter",
        ]
        for issued in passes:
            joined = await sync_to_async(enter)(issued)
            assert joined["videoroom"] == "joined"

        # The mesh is over: offers are refused; a client's new connection is let into Janus.
        await staff.send_json_to({"type": "offer", "to": "x", "sdp": "v=0"})
        assert (await next_of(staff, "error"))["code"] == "invalid"
        again = await join_client(call)
        await drain(again)
        await staff.send_json_to({"type": "admit"})
        admitted = (await next_of(again, "admit"))["janus"]
        assert admitted["room"] == led["room"]
        for socket in (staff, client, third, fourth, again):
            await socket.disconnect()
        return led["room"]

    def enter(issued):
        return Participant(janus_server, issued["token"]).join(
            issued["room"], issued["display"], issued["participant"]
        )

    room = run(scenario)
    assert Appointment.objects.get(pk=call.appointment.pk).janus_room == room


def test_with_janus_a_one_to_one_page_may_reach_it(janus_server):
    call = make_call()
    page = HttpClient().get(f"/video/{call.reference}/{call.token}/")
    assert janus_server.url.rsplit("/janus", 1)[0] in page["Content-Security-Policy"]
    assert "janus_room.js" in page.text


def test_without_janus_a_one_to_one_page_may_not(settings, janus_server):
    settings.VIDEO_BACKEND = "builtin"
    call = make_call()
    page = HttpClient().get(f"/video/{call.reference}/{call.token}/")
    assert janus_server.url.rsplit("/janus", 1)[0] not in page["Content-Security-Policy"]
    assert "janus_room.js" not in page.text
