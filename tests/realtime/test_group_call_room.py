"""A group session's room: admission over our socket hands out Janus passes, clients are known by
first name only, media signalling is refused (it goes through Janus), and the hosts' controls."""

import pytest
from asgiref.sync import sync_to_async
from django.test import Client as HttpClient

from appointments.models import Language
from appointments.services import calls
from appointments.services.group_session_interpreters import assign_group_interpreter
from realtime.consumers import TRY_AGAIN_LATER
from tests.factories import CaseworkerFactory, InterpreterFactory, UserFactory
from tests.group_call import video_session
from tests.realtime.servers import free_port
from tests.realtime.test_call_consumer import (
    cookie_for,
    join_staff,
    next_of,
    next_presence,
    open_socket,
    run,
    until_closed,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("janus_server"),
]


async def join_place(group, place):
    socket, connected, _ = await open_socket(f"/ws/calls/{group.room}/")
    assert connected
    await socket.send_json_to({"type": "join", "reference": place.reference, "token": place.token})
    return socket


def test_the_host_lets_everyone_in_and_each_gets_a_pass_of_their_own():
    group = video_session(places=2)

    async def scenario():
        host = await join_staff(group.room, await sync_to_async(lambda: group.host)())
        you = await next_presence(host, "you")
        assert you["janus"]["host"] is True
        clients = [await join_place(group, place) for place in group.places]
        for client in clients:
            seen = await next_presence(client, "here")
            assert seen["participant"] == you["janus"]["participant"]  # clients learn who hosts
        waiting = {(await next_presence(host, "joined"))["name"] for _ in clients}
        assert waiting == {"Teilnehmerin1", "Teilnehmerin2"}  # first names, no surname
        await host.send_json_to({"type": "admit"})
        passes = [(await next_of(client, "admit"))["janus"] for client in clients]
        assert {issued["display"] for issued in passes} == {"Teilnehmerin1", "Teilnehmerin2"}
        assert len({issued["participant"] for issued in passes}) == 2
        assert all(issued["room"] == you["janus"]["room"] and not issued["host"] for issued in passes)
        await clients[0].send_json_to({"type": "offer", "to": "x", "sdp": "v=0"})
        refused = await next_of(clients[0], "error")
        assert refused["code"] == "invalid"
        for socket in (host, *clients):
            await socket.disconnect()

    run(scenario)


def test_a_caseworker_who_does_not_host_is_not_let_into_the_room():
    group = video_session(places=1)
    stranger = CaseworkerFactory(office=group.session.topic.office).user

    async def scenario():
        _socket, connected, code = await open_socket(
            f"/ws/calls/{group.room}/", cookie=await cookie_for(stranger)
        )
        assert not connected or code == 4403

    run(scenario)


def staff_browser(user) -> HttpClient:
    browser = HttpClient(headers={"accept-language": "de"})
    browser.force_login(user)
    return browser


def test_only_a_host_removes_and_a_removed_client_is_not_let_back():
    group = video_session(places=1)
    place = group.places[0]
    seat = calls.client_seat(room=group.room, reference=place.reference, token=place.token)
    issued = calls.group_call_pass(seat=seat)
    url = f"/video/raum/{group.room}/entfernen/"
    stranger = CaseworkerFactory(office=group.session.topic.office).user
    assert staff_browser(stranger).post(url, {"participant": issued["participant"]}).status_code == 404
    host = staff_browser(group.host)
    unknown = host.post(url, {"participant": "77"})
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "Diese Person ist nicht im Gespräch."
    assert host.post(url, {"participant": issued["participant"]}).status_code == 200
    with pytest.raises(calls.CallRefused):
        calls.client_seat(room=group.room, reference=place.reference, token=place.token)
    assert HttpClient().get(f"/video/{place.reference}/{place.token}/").status_code == 404


def test_the_group_page_may_reach_janus_and_no_other_page_may(running_janus):
    group = video_session(places=1)
    place = group.places[0]
    page = HttpClient().get(f"/video/{place.reference}/{place.token}/")
    assert page.status_code == 200
    assert running_janus.url.rsplit("/janus", 1)[0] in page["Content-Security-Policy"]
    assert "janus_room.js" in page.text
    host_page = staff_browser(group.host).get(f"/video/raum/{group.room}/")
    assert 'id="admit-all"' in host_page.text
    assert running_janus.url.rsplit("/janus", 1)[0] not in HttpClient().get("/")["Content-Security-Policy"]


def test_when_janus_cannot_be_reached_the_client_is_told_to_try_again_not_refused(settings):
    group = video_session(places=1)
    settings.JANUS_URL = f"http://127.0.0.1:{free_port()}/janus"  # nothing listens there

    async def scenario():
        host = await join_staff(group.room, await sync_to_async(lambda: group.host)())
        frames, code = await until_closed(host)
        assert [frame["code"] for frame in frames if frame["type"] == "error"] == ["unavailable"]
        assert code == TRY_AGAIN_LATER

    run(scenario)


def test_the_session_s_interpreter_is_let_in_at_once_and_clients_see_them_like_a_host():
    group = video_session(places=1)
    person = InterpreterFactory(name="Amal Haddad", user=UserFactory(), languages=["ar"], modes=["video"])
    group.session.languages.add("ar")
    assign_group_interpreter(
        session=group.session, language=Language.objects.get(code="ar"), interpreter=person
    )

    async def scenario():
        interpreter = await join_staff(group.room, person.user)
        you = await next_presence(interpreter, "you")
        assert (you["role"], you["admitted"]) == ("interpreter", True)
        assert (you["janus"]["display"], you["janus"]["host"]) == ("Amal Haddad", False)
        client = await join_place(group, group.places[0])
        seen = await next_presence(client, "here")
        assert (seen["role"], seen["participant"]) == ("interpreter", you["janus"]["participant"])
        for socket in (interpreter, client):
            await socket.disconnect()

    run(scenario)


def test_an_interpreter_not_assigned_to_the_session_is_not_let_in():
    group = video_session(places=1)
    stranger = InterpreterFactory(user=UserFactory(), languages=["ar"], modes=["video"])

    async def scenario():
        _socket, connected, code = await open_socket(
            f"/ws/calls/{group.room}/", cookie=await cookie_for(stranger.user)
        )
        assert not connected or code == 4403

    run(scenario)
