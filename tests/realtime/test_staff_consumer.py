"""The staff feed: only caseworkers get in; each gets their own events, coordinators the office's too."""

import asyncio

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from appointments.events import caseworker_group
from appointments.models import Appointment, Caseworker
from appointments.services.booking import cancel_appointment
from realtime import consumers
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


def _verified_cookie(user, device) -> str:
    """A browser session that entered the code of `device`, as the login's code step leaves it."""
    browser = HttpClient()
    browser.force_login(user)
    session = browser.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return f"sessionid={session.session_key}"


def test_a_session_without_the_second_factor_gets_no_feed(db):
    user = CaseworkerFactory().user
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)

    async def scenario():
        socket, connected, code = await open_socket("/ws/staff/", cookie=await cookie_for(user))
        assert (connected, code) == (False, FORBIDDEN)
        await socket.disconnect()
        socket, connected, _ = await open_socket(
            "/ws/staff/", cookie=await sync_to_async(_verified_cookie)(user, device)
        )
        assert connected
        await socket.disconnect()

    async_to_sync(scenario)()


def test_a_coordinator_who_must_set_up_the_second_factor_gets_no_feed(db):
    coordinator = CaseworkerFactory(is_coordinator=True, office__coordinators_need_second_factor=True)

    async def scenario():
        socket, connected, code = await open_socket("/ws/staff/", cookie=await cookie_for(coordinator.user))
        assert (connected, code) == (False, FORBIDDEN)
        await socket.disconnect()
        device = await sync_to_async(TOTPDevice.objects.create)(
            user=coordinator.user, name="p", confirmed=True
        )
        socket, connected, _ = await open_socket(
            "/ws/staff/", cookie=await sync_to_async(_verified_cookie)(coordinator.user, device)
        )
        assert connected
        await socket.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("change", ["log_out", "deactivate", "no_longer_coordinator"])
def test_the_feed_closes_once_its_user_may_no_longer_follow_it(db, monkeypatch, change):
    monkeypatch.setattr(consumers, "FEED_RECHECK_SECONDS", 0)
    call = make_call()
    coordinator = CaseworkerFactory(office=call.appointment.topic.office, is_coordinator=True)

    def lose_access(cookie):
        if change == "log_out":
            Session.objects.filter(session_key=cookie.removeprefix("sessionid=")).delete()
        elif change == "deactivate":
            get_user_model().objects.filter(pk=coordinator.user_id).update(is_active=False)
        else:
            Caseworker.objects.filter(pk=coordinator.pk).update(is_coordinator=False)

    async def scenario():
        cookie = await cookie_for(coordinator.user)
        socket, connected, _ = await open_socket("/ws/staff/", cookie=cookie)
        assert connected
        await sync_to_async(lose_access)(cookie)
        await sync_to_async(cancel)(call.appointment)
        assert await socket.receive_output(timeout=2) == {"type": "websocket.close", "code": FORBIDDEN}

    async_to_sync(scenario)()


def test_a_feed_whose_user_keeps_access_goes_on(db, monkeypatch):
    monkeypatch.setattr(consumers, "FEED_RECHECK_SECONDS", 0)
    call = make_call()
    user = get_user_model().objects.get(caseworker=call.appointment.caseworker)

    async def scenario():
        socket, connected, _ = await open_socket("/ws/staff/", cookie=await cookie_for(user))
        assert connected
        await sync_to_async(cancel)(call.appointment)
        assert (await socket.receive_json_from(timeout=2))["reference"] == call.reference
        await socket.disconnect()

    async_to_sync(scenario)()


def test_feeds_forward_the_frame_as_rendered_and_leave_their_groups_on_disconnect(db):
    """Each dashboard sends the event's text as appointments.events rendered it (once for all)."""
    caseworker = CaseworkerFactory()
    group = caseworker_group(caseworker.pk)
    frame = '{"type":"appointment",  "op": "booked"}'  # spacing no json.dumps would make

    async def scenario():
        layer = get_channel_layer()
        sockets = []
        for _ in range(2):
            socket, connected, _ = await open_socket("/ws/staff/", cookie=await cookie_for(caseworker.user))
            assert connected
            sockets.append(socket)
        await layer.group_send(group, {"type": "event.message", "text": frame})
        for socket in sockets:
            assert await socket.receive_from(timeout=2) == frame
            await socket.disconnect()
        assert not layer.groups.get(group)

    async_to_sync(scenario)()


def test_a_failure_while_forwarding_ends_the_feed_with_that_error(db, monkeypatch):
    """Events are read in a task of their own (issue #15); its error must not leave a feed open
    that forwards nothing."""
    caseworker = CaseworkerFactory()

    async def broken(self, event):
        raise RuntimeError("forwarding failed")

    monkeypatch.setattr(consumers.FeedConsumer, "event_message", broken)

    async def scenario():
        socket, connected, _ = await open_socket("/ws/staff/", cookie=await cookie_for(caseworker.user))
        assert connected
        await get_channel_layer().group_send(
            caseworker_group(caseworker.pk), {"type": "event.message", "text": "{}"}
        )
        done, _ = await asyncio.wait([socket.future], timeout=2)  # ended by itself, not by a time-out
        assert done
        assert str(socket.future.exception()) == "forwarding failed"

    async_to_sync(scenario)()
