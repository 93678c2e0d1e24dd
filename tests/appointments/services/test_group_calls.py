"""The video call of a group session on a real Janus: a pass per admitted connection, first names,
the room made once (also when eight first passes race; again after a Janus restart), removing
and muting by a host."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from appointments.exceptions import ApplicationError
from appointments.models import CallStatus, GroupCallPass
from appointments.services import calls, group_calls, janus
from appointments.services.group_sessions import schedule_group_session
from tests.appointments.services.test_booking_race import race
from tests.group_call import video_session
from tests.janus import Participant

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("janus_server")]


def client_pass(group, place):
    seat = calls.client_seat(room=group.room, reference=place.reference, token=place.token)
    return calls.group_call_pass(seat=seat)


def host_pass(group):
    host = group.host
    return calls.group_call_pass(seat=calls.staff_seat(room=group.room, user=host), user=host)


def test_a_host_and_an_admitted_client_enter_one_room_under_our_numbers(janus_server):
    group = video_session(places=1)
    host, client = host_pass(group), client_pass(group, group.places[0])
    group.session.refresh_from_db()
    assert host["room"] == client["room"] == group.session.janus_room
    assert host["host"]
    assert not client["host"]
    assert client["display"] == "Teilnehmerin1"  # first name only: the others see no more
    for issued in (host, client):
        joined = Participant(janus_server, issued["token"]).join(
            issued["room"], issued["display"], issued["participant"]
        )
        assert joined["videoroom"] == "joined"
        assert joined["id"] == issued["participant"]
    room = janus.Room(group.session.janus_room, group.session.janus_secret)
    listed = {person["id"]: person["display"] for person in janus.participants(room)}
    assert listed == {host["participant"]: host["display"], client["participant"]: "Teilnehmerin1"}
    place = group.places[0].appointment
    place.refresh_from_db()
    assert place.call_status == CallStatus.IN_PROGRESS
    assert place.call_admitted_at is not None
    assert "secret" not in client
    assert janus_server.room_admin_key not in str(client)


def test_the_room_is_made_once_and_again_after_janus_lost_it(janus_server):
    group = video_session(places=2)
    first = client_pass(group, group.places[0])
    group.session.refresh_from_db()
    lost = janus.Room(group.session.janus_room, group.session.janus_secret)
    janus.close_room(lost)  # as a Janus restart would
    second = client_pass(group, group.places[1])
    assert second["room"] == first["room"]
    group.session.refresh_from_db()
    assert group.session.janus_secret != lost.secret
    joined = Participant(janus_server, second["token"]).join(second["room"], "x", second["participant"])
    assert joined["videoroom"] == "joined"


def test_a_client_of_another_session_or_without_a_place_gets_no_seat(janus_server):
    group, other = video_session(places=1), video_session(places=1)
    place = other.places[0]
    with pytest.raises(calls.CallRefused):
        calls.client_seat(room=group.room, reference=place.reference, token=place.token)
    with pytest.raises(calls.CallRefused):
        calls.client_seat(room=group.room, reference=group.places[0].reference, token="wrong")
    with pytest.raises(calls.CallRefused):
        calls.staff_seat(room=group.room, user=other.host)


def test_no_pass_outside_the_call_window(janus_server):
    group = video_session(places=1, starts_in=timedelta(hours=3))
    with pytest.raises(calls.CallRefused):
        client_pass(group, group.places[0])
    seat = calls.staff_seat(room=group.room, user=group.host)
    with pytest.raises(calls.CallRefused):
        calls.group_call_pass(seat=seat, user=group.host)
    assert not GroupCallPass.objects.exists()


def test_a_removed_client_is_dropped_and_cannot_come_back(janus_server):
    group = video_session(places=2)
    removed, staying = client_pass(group, group.places[0]), client_pass(group, group.places[1])
    browsers = {}
    for issued in (removed, staying):
        browsers[issued["participant"]] = Participant(janus_server, issued["token"])
        browsers[issued["participant"]].join(issued["room"], issued["display"], issued["participant"])
    group_calls.remove_from_call(session=group.session, participant=removed["participant"])
    group.session.refresh_from_db()
    room = janus.Room(group.session.janus_room, group.session.janus_secret)
    assert [person["id"] for person in janus.participants(room)] == [staying["participant"]]
    again = Participant(janus_server, removed["token"]).join(removed["room"], "x")
    assert "error" in again  # the token is no longer in the room's list
    with pytest.raises(calls.CallRefused):
        client_pass(group, group.places[0])
    with pytest.raises(calls.CallRefused):
        calls.client_page_seat(group.places[0].appointment)


def test_hosts_are_not_removed_and_strangers_not_muted(janus_server):
    group = video_session(places=1)
    host = host_pass(group)
    with pytest.raises(group_calls.GroupCallRefused):
        group_calls.remove_from_call(session=group.session, participant=host["participant"])
    with pytest.raises(group_calls.GroupCallRefused):
        group_calls.mute_in_call(session=group.session, participant=12345, stream="0")


def test_video_sessions_need_janus(settings, janus_server):
    group = video_session(places=1)
    settings.VIDEO_BACKEND = "builtin"
    assert group_calls.group_modes() == ("in_person",)
    with pytest.raises(calls.CallRefused):
        calls.client_page_seat(group.places[0].appointment)
    with pytest.raises(ApplicationError, match="Janus"):
        schedule_group_session(
            topic=group.session.topic,
            start=timezone.now() + timedelta(days=1),
            hosts=[group.session.hosts.get()],
            capacity=5,
            mode="video",
        )


def test_a_pass_lasts_until_the_room_closes(janus_server):
    group = video_session(places=1)
    issued = client_pass(group, group.places[0])
    expires = int(issued["token"].split(",")[0])
    assert expires == int(group_calls.call_window(group.session).closes.timestamp())
    closed = group_calls.call_window(group.session).closes + timedelta(seconds=1)
    with time_machine.travel(closed), pytest.raises(calls.CallRefused):
        client_pass(group, group.places[0])


@pytest.mark.postgres
def test_first_passes_issued_at_once_make_one_janus_room(janus_server, monkeypatch):
    group = video_session(places=8)
    made = []
    real_create_room = janus.create_room

    def create_room(number, **options):
        made.append(number)
        time.sleep(0.2)  # a slow Janus: the others arrive while the first is still making the room
        return real_create_room(number, **options)

    monkeypatch.setattr(janus, "create_room", create_room)
    passes = []

    def first_pass(place):
        passes.append(group_calls.issue_pass(session=group.session, place=place.appointment))

    outcomes = race([lambda place=place: first_pass(place) for place in group.places], losing=())
    assert outcomes == {"booked": 8}
    assert len(made) == 1
    group.session.refresh_from_db()
    assert {issued.room for issued in passes} == {group.session.janus_room} == set(made)
    joined = Participant(janus_server, passes[-1].token).join(passes[-1].room, "x", passes[-1].participant)
    assert joined["videoroom"] == "joined"
