"""Janus rooms and tokens, against a real Janus: only the tokens our server adds get into a room."""

import base64
import contextlib
import secrets
from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.services import janus
from tests.janus import Participant, use_janus


@pytest.fixture(autouse=True)
def janus_settings(settings, running_janus):
    return use_janus(settings, running_janus)


@pytest.fixture
def room():
    made = janus.create_room(secrets.randbelow(10**9) + 1, publishers=6)
    yield made
    with contextlib.suppress(janus.JanusError):  # unless the test closed it
        janus.close_room(made)


def in_an_hour():
    return timezone.now() + timedelta(hours=1)


def test_an_admitted_participant_joins_and_is_listed(janus_settings, room):
    joined = Participant(janus_settings, janus.admit(room, until=in_an_hour())).join(room.number, "Aylin")
    assert joined["videoroom"] == "joined"
    assert [person["display"] for person in janus.participants(room)] == ["Aylin"]


def test_a_token_of_another_room_does_not_open_this_one(janus_settings, room):
    other = janus.create_room(room.number + 1, publishers=2)
    try:
        stranger = Participant(janus_settings, janus.admit(other, until=in_an_hour()))
        refused = stranger.join(room.number, "Fremd")
    finally:
        janus.close_room(other)
    assert refused["videoroom"] == "event"
    assert "allowed" in refused["error"].lower()
    assert janus.participants(room) == []


def test_a_forged_or_expired_token_is_refused_by_janus_itself(janus_settings, settings, room):
    settings.JANUS_TOKEN_SECRET = "not-the-secret-janus-knows"
    forged = janus.signed_token(in_an_hour())
    settings.JANUS_TOKEN_SECRET = janus_settings.token_secret
    expired = janus.signed_token(timezone.now() - timedelta(seconds=5))
    for token in (
        forged,
        expired,
        "",
        "1,janus,janus.plugin.videoroom:" + base64.b64encode(b"x" * 20).decode(),
    ):
        with pytest.raises(PermissionError, match="Unauthorized"):
            Participant(janus_settings, token)


def test_a_participant_token_cannot_create_rooms(janus_settings):
    participant = Participant(janus_settings, janus.signed_token(in_an_hour()))
    answer = participant._post(
        f"{participant._session_url}/{participant.handle}",
        {"janus": "message", "body": {"request": "create", "room": 4242, "allowed": []}},
    )
    assert "error" in answer["plugindata"]["data"]


def test_without_the_room_admin_key_our_server_cannot_create_rooms_either(settings):
    settings.JANUS_ROOM_ADMIN_KEY = "wrong"
    with pytest.raises(janus.JanusError, match=r"(?i)unauthorized"):
        janus.create_room(4343, publishers=2)


def test_a_removed_participant_leaves_and_cannot_come_back(janus_settings, room):
    token = janus.admit(room, until=in_an_hour())
    person = Participant(janus_settings, token)
    joined = person.join(room.number, "Aylin")
    janus.remove_participant(room, joined["id"])
    janus.revoke(room, token)
    assert janus.participants(room) == []
    again = Participant(janus_settings, token).join(room.number, "Aylin")
    assert "allowed" in again["error"].lower()


def test_closing_a_room_ends_it(janus_settings, room):
    janus.close_room(room)
    with pytest.raises(janus.JanusError, match=r"(?i)no such room"):
        janus.participants(room)


def test_janus_not_running_is_a_clear_error(settings):
    settings.JANUS_URL = "http://127.0.0.1:9/janus"
    with pytest.raises(janus.JanusError, match="not reachable"):
        janus.create_room(1, publishers=2)
