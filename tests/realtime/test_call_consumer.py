"""The call room: who gets in, waiting and admitting, relaying only between admitted members, bad frames."""

import json
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.contrib.auth import get_user_model

from appointments.models import Appointment, InterpreterRequest
from appointments.services.calls import ensure_call_room
from realtime.consumers import FORBIDDEN, JOIN_TIMEOUT, ROOM_FULL
from realtime.protocol import MAX_FRAME_BYTES, MAX_FRAMES_PER_WINDOW
from tests.factories import CaseworkerFactory, InterpreterFactory, UserFactory
from tests.realtime.conftest import assign_interpreter, cookie_for, make_call, open_socket

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run(scenario):
    """Run an async scenario from a sync test (database calls come back to this thread)."""
    return async_to_sync(scenario)()


async def join_client(call, **extra):
    socket, connected, _ = await open_socket(f"/ws/calls/{call.room}/")
    assert connected
    await socket.send_json_to({"type": "join", "reference": call.reference, "token": call.token, **extra})
    return socket


async def join_staff(room, user):
    socket, connected, code = await open_socket(f"/ws/calls/{room}/", cookie=await cookie_for(user))
    assert connected, code
    await socket.send_json_to({"type": "join"})
    return socket


async def next_of(socket, kind, *, limit=10):
    """The next frame of the given type, skipping others (presence chatter)."""
    for _ in range(limit):
        frame = await socket.receive_json_from(timeout=2)
        if frame["type"] == kind:
            return frame
    raise AssertionError(f"no {kind} frame")


async def next_presence(socket, op):
    for _ in range(10):
        frame = await next_of(socket, "presence")
        if frame["op"] == op:
            return frame
    raise AssertionError(f"no presence {op} frame")


async def closed(socket):
    for _ in range(10):
        if (await socket.receive_output(timeout=2))["type"] == "websocket.close":
            return True
    return False


async def drain(socket):
    frames = []
    while not await socket.receive_nothing(timeout=0.2):
        frames.append(await socket.receive_json_from())
    return frames


async def until_closed(socket):
    """The frames a socket gets until the server closes it, and the close code (None: still open)."""
    frames = []
    while not await socket.receive_nothing(timeout=0.3):
        output = await socket.receive_output()
        if output["type"] == "websocket.close":
            return frames, output.get("code")
        frames.append(json.loads(output["text"]))
    return frames, None


def caseworker_user(call):
    return get_user_model().objects.get(caseworker=call.appointment.caseworker)


# Who gets in.


def test_client_with_token_waits_and_caseworker_is_admitted_at_once(call):
    user = caseworker_user(call)

    async def scenario():
        client = await join_client(call)
        you = await client.receive_json_from()
        assert you == {
            "type": "presence",
            "op": "you",
            "peer": you["peer"],
            "role": "client",
            "admitted": False,
            "iceServers": [],
        }
        staff = await join_staff(call.room, user)
        me = await staff.receive_json_from()
        assert me["role"] == "caseworker"
        assert me["admitted"] is True
        here = await next_of(staff, "presence")
        assert (here["op"], here["peer"], here["role"], here["admitted"]) == (
            "here",
            you["peer"],
            "client",
            False,
        )
        joined = await next_of(client, "presence")
        assert (joined["op"], joined["role"]) == ("joined", "caseworker")
        await client.disconnect()
        await staff.disconnect()

    run(scenario)


@pytest.mark.parametrize("token", [{}, {"token": "wrong-token-of-sufficient-length"}])
def test_client_with_wrong_or_missing_token_is_refused(call, token):
    async def scenario():
        socket, connected, _ = await open_socket(f"/ws/calls/{call.room}/")
        assert connected
        await socket.send_json_to({"type": "join", "reference": call.reference, **token})
        assert (await socket.receive_json_from())["code"] == "forbidden"
        assert (await socket.receive_output())["code"] == FORBIDDEN
        await socket.disconnect()

    run(scenario)


def test_another_clients_token_does_not_open_this_room(call):
    other = make_call(topic=call.appointment.topic)

    async def scenario():
        socket, _, _ = await open_socket(f"/ws/calls/{call.room}/")
        await socket.send_json_to({"type": "join", "reference": other.reference, "token": other.token})
        assert (await socket.receive_json_from())["code"] == "forbidden"
        await socket.disconnect()

    run(scenario)


def test_client_cannot_enter_long_before_the_start_or_a_cancelled_appointment(db):
    early = make_call(starts_in=timedelta(hours=2))
    cancelled = make_call()
    Appointment.objects.filter(pk=cancelled.appointment.pk).update(status=Appointment.Status.CANCELLED)

    async def scenario():
        for call in (early, cancelled):
            socket = await join_client(call)
            assert (await socket.receive_json_from())["code"] == "forbidden"
            await socket.disconnect()

    run(scenario)


def test_stranger_other_caseworker_and_unassigned_interpreter_are_refused(call):
    stranger = UserFactory()
    colleague = CaseworkerFactory(office=call.appointment.topic.office).user
    other_office = CaseworkerFactory(is_coordinator=True).user
    unassigned = InterpreterFactory(user=UserFactory()).user

    async def scenario():
        for user in (stranger, colleague, other_office, unassigned):
            socket, connected, code = await open_socket(
                f"/ws/calls/{call.room}/", cookie=await cookie_for(user)
            )
            assert not connected
            assert code == FORBIDDEN
            await socket.disconnect()

    run(scenario)


def test_coordinator_covering_and_assigned_interpreter_get_in(call):
    coordinator = CaseworkerFactory(office=call.appointment.topic.office, is_coordinator=True).user
    interpreter = assign_interpreter(call.appointment).user

    async def scenario():
        for user, role in ((coordinator, "caseworker"), (interpreter, "interpreter")):
            socket = await join_staff(call.room, user)
            you = await socket.receive_json_from()
            assert (you["role"], you["admitted"]) == (role, True)
            await socket.disconnect()

    run(scenario)


def test_unknown_room_and_foreign_origin_are_refused(call):
    user = caseworker_user(call)

    async def scenario():
        socket, connected, _ = await open_socket("/ws/calls/not-a-room/", cookie=await cookie_for(user))
        assert not connected
        await socket.disconnect()
        socket, connected, _ = await open_socket(f"/ws/calls/{call.room}/", origin=b"https://evil.example")
        assert not connected
        await socket.disconnect()

    run(scenario)


# Waiting, admitting, relaying.


def test_waiting_client_is_admitted_and_only_admitted_members_exchange_signals(call):
    user = caseworker_user(call)

    async def scenario():
        staff = await join_staff(call.room, user)
        staff_peer = (await staff.receive_json_from())["peer"]
        client = await join_client(call)
        client_peer = (await client.receive_json_from())["peer"]
        waiting = await next_of(staff, "waiting")
        assert waiting == {"type": "waiting", "peer": client_peer, "role": "client"}

        # Before admission: the client may not send, and receives nothing relayed.
        await client.send_json_to({"type": "offer", "to": staff_peer, "sdp": "v=0"})
        assert (await next_of(client, "error"))["code"] == "not_admitted"
        await staff.send_json_to({"type": "offer", "to": client_peer, "sdp": "v=0 sneaky"})
        assert all(frame["type"] != "offer" for frame in await drain(client))

        # A client cannot admit themself.
        await client.send_json_to({"type": "admit"})
        assert (await next_of(client, "error"))["code"] == "forbidden"

        await staff.send_json_to({"type": "admit"})
        assert (await next_of(client, "admit"))["peer"] == client_peer
        admitted = await next_of(staff, "presence")
        assert (admitted["op"], admitted["peer"], admitted["admitted"]) == ("admitted", client_peer, True)

        await client.send_json_to({"type": "offer", "to": staff_peer, "sdp": "v=0 offer"})
        assert await next_of(staff, "offer") == {"type": "offer", "from": client_peer, "sdp": "v=0 offer"}
        await staff.send_json_to({"type": "answer", "to": client_peer, "sdp": "v=0 answer"})
        assert await next_of(client, "answer") == {"type": "answer", "from": staff_peer, "sdp": "v=0 answer"}
        candidate = {
            "candidate": "candidate:1 1 udp 1 10.0.0.1 5000 typ host",
            "sdpMid": "0",
            "sdpMLineIndex": 0,
        }
        await staff.send_json_to({"type": "ice-candidate", "to": client_peer, "candidate": candidate})
        relayed = await next_of(client, "ice-candidate")
        assert relayed == {"type": "ice-candidate", "from": staff_peer, "candidate": candidate}
        await client.disconnect()
        await staff.disconnect()

    run(scenario)
    appointment = Appointment.objects.get(pk=call.appointment.pk)
    assert appointment.call_status == "in_progress"
    assert appointment.call_admitted_at is not None


async def caseworker_and_interpreter(call, user, interpreter):
    """Both in the room, their join chatter read; their sockets and peer ids."""
    staff = await join_staff(call.room, user)
    staff_peer = (await staff.receive_json_from())["peer"]
    third = await join_staff(call.room, interpreter)
    third_peer = (await third.receive_json_from())["peer"]
    await drain(staff)
    return staff, staff_peer, third, third_peer


# The mesh carries three admitted connections at most (appointments/services/mesh_places.py).


def staff_of(call):
    """Three people who may join besides the client: caseworker, interpreter, covering coordinator."""
    interpreter = assign_interpreter(call.appointment).user
    coordinator = CaseworkerFactory(office=call.appointment.topic.office, is_coordinator=True).user
    return caseworker_user(call), interpreter, coordinator


def test_a_fourth_person_cannot_join_a_full_mesh_until_someone_leaves(call):
    user, interpreter, coordinator = staff_of(call)

    async def scenario():
        staff, _, client, _ = await admitted_pair(call, user)
        third = await join_staff(call.room, interpreter)
        assert (await third.receive_json_from())["op"] == "you"
        await drain(staff)
        fourth, connected, _ = await open_socket(
            f"/ws/calls/{call.room}/", cookie=await cookie_for(coordinator)
        )
        assert connected
        await fourth.send_json_to({"type": "join"})
        frames, code = await until_closed(fourth)
        assert [frame.get("code") for frame in frames] == ["room_full"]
        assert code == ROOM_FULL
        # Nobody inside heard of the refused one.
        assert all(frame["type"] != "presence" or frame["op"] != "joined" for frame in await drain(staff))

        await third.send_json_to({"type": "leave"})
        assert await closed(third)
        fourth = await join_staff(call.room, coordinator)
        assert (await fourth.receive_json_from())["op"] == "you"
        for socket in (staff, client, fourth):
            await socket.disconnect()

    run(scenario)


def test_a_client_let_into_a_full_mesh_goes_on_waiting_and_the_caseworker_hears_why(call):
    user, interpreter, coordinator = staff_of(call)

    async def scenario():
        staff, _, client, client_peer = await waiting_pair(call, user)
        others = [await join_staff(call.room, person) for person in (interpreter, coordinator)]
        await drain(staff)
        await drain(client)
        await staff.send_json_to({"type": "admit", "peer": client_peer})
        assert (await next_of(staff, "full")) == {"type": "full", "peer": client_peer}
        frames = await drain(client)
        assert [frame.get("code") for frame in frames if frame["type"] == "error"] == ["room_full"]
        assert all(frame["type"] != "admit" for frame in frames)
        # Signals to the still-waiting client are not relayed.
        await staff.send_json_to({"type": "offer", "to": client_peer, "sdp": "v=0"})
        assert all(frame["type"] != "offer" for frame in await drain(client))

        await others[1].send_json_to({"type": "leave"})
        await staff.send_json_to({"type": "admit", "peer": client_peer})
        assert (await next_of(client, "admit"))["peer"] == client_peer
        for socket in (staff, client, others[0]):
            await socket.disconnect()

    run(scenario)


def test_signals_go_only_to_the_addressed_peer(call):
    user = caseworker_user(call)
    interpreter = assign_interpreter(call.appointment).user

    async def scenario():
        staff, staff_peer, third, _ = await caseworker_and_interpreter(call, user, interpreter)
        await drain(third)
        await third.send_json_to({"type": "offer", "to": "someone-else", "sdp": "v=0"})
        assert await drain(staff) == []
        await third.send_json_to({"type": "offer", "to": staff_peer, "sdp": "v=0"})
        assert (await next_of(staff, "offer"))["sdp"] == "v=0"
        await staff.disconnect()
        await third.disconnect()

    run(scenario)


def test_a_second_connection_with_the_clients_link_waits_again_and_the_caseworker_sees_it(call):
    """Admission is per connection: whoever holds the link later is not let in on the client's admission."""
    user = caseworker_user(call)

    async def scenario():
        staff = await join_staff(call.room, user)
        staff_peer = (await staff.receive_json_from())["peer"]
        client = await join_client(call)
        client_peer = (await client.receive_json_from())["peer"]
        await next_of(staff, "waiting")
        await staff.send_json_to({"type": "admit", "peer": client_peer})
        await next_of(client, "admit")
        await drain(staff)

        feed, connected, _ = await open_socket("/ws/staff/", cookie=await cookie_for(user))
        assert connected
        second = await join_client(call)
        you = await second.receive_json_from()
        assert (you["op"], you["admitted"]) == ("you", False)
        here = await next_of(second, "presence")
        assert (here["op"], here["peer"], here["role"]) == ("here", staff_peer, "caseworker")
        assert await next_of(staff, "waiting") == {"type": "waiting", "peer": you["peer"], "role": "client"}
        assert (await feed.receive_json_from(timeout=2))["op"] == "client_waiting"  # the dashboard too
        await feed.disconnect()
        await second.send_json_to({"type": "offer", "to": staff_peer, "sdp": "v=0"})
        assert (await next_of(second, "error"))["code"] == "not_admitted"
        await staff.send_json_to({"type": "offer", "to": you["peer"], "sdp": "v=0 for the first only"})
        assert all(frame["type"] != "offer" for frame in await drain(second))

        # Admitting one connection by its peer id lets in that one only.
        await staff.send_json_to({"type": "admit", "peer": client_peer})
        assert all(frame["type"] != "admit" for frame in await drain(second))
        await staff.send_json_to({"type": "admit", "peer": you["peer"]})
        assert (await next_of(second, "admit"))["peer"] == you["peer"]
        for socket in (second, client, staff):
            await socket.disconnect()

    run(scenario)


def test_a_reconnecting_client_waits_again(call):
    user = caseworker_user(call)

    async def scenario():
        staff, _, client, _ = await admitted_pair(call, user)
        await client.disconnect()
        await next_presence(staff, "left")

        again = await join_client(call)
        you = await again.receive_json_from()
        assert (you["op"], you["admitted"]) == ("you", False)
        assert (await next_of(staff, "waiting"))["peer"] == you["peer"]
        await again.disconnect()
        await staff.disconnect()

    run(scenario)


def test_hang_up_reaches_the_others_and_ends_the_call_when_the_caseworker_leaves(call):
    user = caseworker_user(call)

    async def scenario():
        staff = await join_staff(call.room, user)
        staff_peer = (await staff.receive_json_from())["peer"]
        client = await join_client(call)
        await client.receive_json_from()
        await staff.send_json_to({"type": "admit"})
        await next_of(client, "admit")
        await staff.send_json_to({"type": "hang-up"})
        assert await next_of(client, "hang-up") == {
            "type": "hang-up",
            "peer": staff_peer,
            "role": "caseworker",
        }
        await staff.send_json_to({"type": "leave"})
        assert await closed(staff)
        assert (await next_presence(client, "left"))["role"] == "caseworker"
        await client.disconnect()

    run(scenario)
    assert Appointment.objects.get(pk=call.appointment.pk).call_status == "ended"


def test_switch_to_phone_tells_the_caseworker_in_the_room_and_on_the_dashboard(call):
    user = caseworker_user(call)

    async def scenario():
        feed, connected, _ = await open_socket("/ws/staff/", cookie=await cookie_for(user))
        assert connected
        staff = await join_staff(call.room, user)
        await staff.receive_json_from()
        client = await join_client(call)
        client_peer = (await client.receive_json_from())["peer"]
        waiting = await feed.receive_json_from(timeout=2)
        assert (waiting["type"], waiting["op"], waiting["room"]) == ("call", "client_waiting", call.room)
        await client.send_json_to({"type": "switch-to-phone"})
        assert await next_of(staff, "switch-to-phone") == {"type": "switch-to-phone", "peer": client_peer}
        event = await feed.receive_json_from(timeout=2)
        assert (event["op"], event["status"], event["reference"]) == (
            "phone_requested",
            "phone_requested",
            call.reference,
        )
        assert "Aylin" not in json.dumps(event)
        await staff.send_json_to({"type": "switch-to-phone"})
        assert (await next_of(staff, "error"))["code"] == "forbidden"
        for socket in (feed, staff, client):
            await socket.disconnect()

    run(scenario)


# Bad frames get an error frame, and the socket stays usable.


BAD_FRAMES = [
    ("not json", "invalid"),
    ("[1, 2]", "invalid"),
    ('{"type": "dance"}', "unknown_type"),
    ('{"type": 7}', "unknown_type"),
    ('{"type": "offer", "to": "x", "sdp": "v=0", "extra": 1}', "invalid"),
    ('{"type": "offer", "to": "x"}', "invalid"),
    ('{"type": "offer", "to": 5, "sdp": "v=0"}', "invalid"),
    ('{"type": "ice-candidate", "to": "x", "candidate": "nope"}', "invalid"),
    ('{"type": "ice-candidate", "to": "x", "candidate": {"candidate": 1}}', "invalid"),
    ('{"type": "join"}', "already_joined"),
    (json.dumps({"type": "offer", "to": "x", "sdp": "a" * MAX_FRAME_BYTES}), "too_large"),
]


def test_malformed_and_oversized_frames_get_error_frames(call):
    user = caseworker_user(call)

    async def scenario():
        staff = await join_staff(call.room, user)
        await staff.receive_json_from()
        for text, code in BAD_FRAMES:
            await staff.send_to(text_data=text)
            assert (await next_of(staff, "error"))["code"] == code, text
        await staff.send_to(bytes_data=b"\x00\x01")
        assert (await next_of(staff, "error"))["code"] == "invalid"
        await staff.send_json_to({"type": "presence"})
        assert await staff.receive_nothing(timeout=0.2)
        await staff.disconnect()

    run(scenario)


def test_a_flood_of_frames_is_cut_off(call):
    async def scenario():
        socket, _, _ = await open_socket(f"/ws/calls/{call.room}/")
        for _ in range(MAX_FRAMES_PER_WINDOW + 1):
            await socket.send_json_to({"type": "presence"})
        codes = [(await socket.receive_json_from())["code"] for _ in range(MAX_FRAMES_PER_WINDOW + 1)]
        assert codes[-1] == "rate_limited"
        assert set(codes[:-1]) == {"not_joined"}
        await socket.disconnect()

    run(scenario)


def test_nothing_but_join_before_joining(call):
    async def scenario():
        socket, _, _ = await open_socket(f"/ws/calls/{call.room}/")
        await socket.send_json_to({"type": "admit"})
        assert (await socket.receive_json_from())["code"] == "not_joined"
        await socket.disconnect()

    run(scenario)


def test_room_id_is_opaque_and_stable(call):
    assert call.reference not in call.room
    assert len(call.room) >= 32
    assert ensure_call_room(Appointment.objects.get(pk=call.appointment.pk)) == call.room


# Sockets that never join, and seats that no longer hold.


def test_a_socket_that_does_not_join_in_time_is_closed(call, settings):
    settings.CALL_JOIN_TIMEOUT_SECONDS = 0.3
    user = caseworker_user(call)

    async def scenario():
        idle, connected, _ = await open_socket(f"/ws/calls/{call.room}/")
        assert connected
        staff_idle, connected, _ = await open_socket(f"/ws/calls/{call.room}/", cookie=await cookie_for(user))
        assert connected
        joined = await join_staff(call.room, user)
        await joined.receive_json_from()
        for socket in (idle, staff_idle):
            output = await socket.receive_output(timeout=2)
            assert output == {"type": "websocket.close", "code": JOIN_TIMEOUT}
        assert await joined.receive_nothing(timeout=0.6)
        await joined.send_json_to({"type": "presence"})
        assert await joined.receive_nothing(timeout=0.2)  # still open and answering (nobody else there)
        for socket in (idle, staff_idle, joined):
            await socket.disconnect()

    run(scenario)


async def waiting_pair(call, user):
    """The caseworker in the room and the client waiting."""
    staff = await join_staff(call.room, user)
    staff_peer = (await staff.receive_json_from())["peer"]
    client = await join_client(call)
    client_peer = (await client.receive_json_from())["peer"]
    await next_of(staff, "waiting")
    return staff, staff_peer, client, client_peer


async def admitted_pair(call, user):
    staff, staff_peer, client, client_peer = await waiting_pair(call, user)
    await staff.send_json_to({"type": "admit", "peer": client_peer})
    await next_of(client, "admit")
    await drain(staff)
    await drain(client)
    return staff, staff_peer, client, client_peer


def moved_by(call, delta: timedelta) -> dict:
    appointment = call.appointment
    return {
        name: getattr(appointment, name) + delta for name in ("start", "end", "blocked_from", "blocked_until")
    }


def move(call, **fields):
    return sync_to_async(Appointment.objects.filter(pk=call.appointment.pk).update)(**fields)


# Cancelled: the caseworker's seat is gone too, so only the client's own signal shows the client's cut.
@pytest.mark.parametrize(
    ("change", "sender"), [("cancelled", "client"), ("moved", "client"), ("moved", "caseworker")]
)
def test_a_client_whose_appointment_was_cancelled_or_moved_is_cut_off_on_the_next_signal(
    call, change, sender
):
    """Checked on relay, on both ends: the client can neither send nor receive once the seat is gone."""
    user = caseworker_user(call)
    fields = (
        {"status": Appointment.Status.CANCELLED}
        if change == "cancelled"
        else moved_by(call, timedelta(days=1))
    )

    async def scenario():
        staff, staff_peer, client, client_peer = await admitted_pair(call, user)
        await move(call, **fields)
        if sender == "client":
            await client.send_json_to({"type": "offer", "to": staff_peer, "sdp": "v=0 after the change"})
        else:
            await staff.send_json_to({"type": "offer", "to": client_peer, "sdp": "v=0 after the change"})
        frames, code = await until_closed(client)
        assert [frame["type"] for frame in frames] == ["error"]
        assert frames[0]["code"] == "forbidden"
        assert code == FORBIDDEN
        assert (await next_presence(staff, "left"))["role"] == "client"
        assert all(frame["type"] != "offer" for frame in await drain(staff))
        await client.disconnect()
        await staff.disconnect()

    run(scenario)


@pytest.mark.parametrize("change", ["cancelled", "handed_over"])
def test_admitting_is_refused_once_the_appointment_is_cancelled_or_handed_over(call, change):
    user = caseworker_user(call)
    fields = (
        {"status": Appointment.Status.CANCELLED}
        if change == "cancelled"
        else {"caseworker": CaseworkerFactory(office=call.appointment.topic.office)}
    )

    async def scenario():
        staff, _, client, client_peer = await waiting_pair(call, user)
        await move(call, **fields)
        await staff.send_json_to({"type": "admit", "peer": client_peer})
        assert (await next_of(staff, "error"))["code"] == "forbidden"
        assert all(frame["type"] != "admit" for frame in await drain(client))
        await client.disconnect()
        await staff.disconnect()

    run(scenario)
    assert Appointment.objects.get(pk=call.appointment.pk).call_admitted_at is None


def test_a_withdrawn_interpreter_can_no_longer_signal_or_be_signalled(call):
    user = caseworker_user(call)
    interpreter = assign_interpreter(call.appointment).user

    async def scenario():
        staff, staff_peer, third, third_peer = await caseworker_and_interpreter(call, user, interpreter)
        await third.send_json_to({"type": "offer", "to": staff_peer, "sdp": "v=0 before"})
        assert (await next_of(staff, "offer"))["sdp"] == "v=0 before"
        await sync_to_async(InterpreterRequest.objects.filter(appointment=call.appointment).update)(
            status=InterpreterRequest.Status.OPEN, interpreter=None
        )
        await staff.send_json_to({"type": "offer", "to": third_peer, "sdp": "v=0 after"})
        frames, code = await until_closed(third)
        assert "offer" not in [frame["type"] for frame in frames]
        assert [frame["code"] for frame in frames if frame["type"] == "error"] == ["forbidden"]
        assert code == FORBIDDEN
        left = await next_presence(staff, "left")
        assert left["peer"] == third_peer
        await third.disconnect()
        await staff.disconnect()

    run(scenario)
