"""The video page: who may open it, what it is configured with, TURN credentials, the phone button."""

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from appointments.models import Appointment
from appointments.services.calls import ice_servers
from tests.factories import UserFactory
from tests.realtime.conftest import make_call

pytestmark = [pytest.mark.django_db]


def config_of(response) -> dict:
    html = response.content.decode()
    start = html.index('id="call-config" type="application/json">') + len(
        'id="call-config" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


def test_client_page_needs_the_right_token_and_a_video_appointment(call, client):
    response = client.get(f"/video/{call.reference}/{call.token}/")
    assert response.status_code == 200
    config = config_of(response)
    assert config["ws"] == f"/ws/calls/{call.room}/"
    assert config["role"] == "client"
    assert config["join"] == {"reference": call.reference, "token": call.token}
    assert 'id="switch-to-phone"' in response.content.decode()
    assert client.get(f"/video/{call.reference}/wrong-token/").status_code == 404
    phone = make_call(mode="telephone")
    assert client.get(f"/video/{phone.reference}/{phone.token}/").status_code == 404


def test_staff_page_is_for_the_caseworker_only(call, client):
    assert client.get(f"/video/raum/{call.room}/").url.startswith("/konto/login/")
    client.force_login(UserFactory())
    assert client.get(f"/video/raum/{call.room}/").status_code == 404
    client.force_login(get_user_model().objects.get(caseworker=call.appointment.caseworker))
    response = client.get(f"/video/raum/{call.room}/")
    assert response.status_code == 200
    assert config_of(response)["role"] == "caseworker"
    assert config_of(response)["join"] == {}


@pytest.fixture
def turn(settings):
    settings.STUN_URLS = ["stun:turn.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.TURN_SECRET = "coturn-secret"
    settings.CALL_OPENS_MINUTES_BEFORE = 10
    settings.CALL_CLOSES_MINUTES_AFTER = 60
    return settings


def test_turn_credentials_are_signed_and_valid_until_the_call_window_closes(call, turn):
    appointment = call.appointment
    stun, turn_server = ice_servers(appointment=appointment, role="client", now=appointment.start)
    assert stun == {"urls": ["stun:turn.example.org:3478"]}
    assert turn_server["urls"] == ["turn:turn.example.org:3478?transport=udp"]
    expires, participant = turn_server["username"].split(":")
    assert int(expires) == int((appointment.end + timedelta(minutes=60)).timestamp())
    assert call.reference not in participant
    assert call.room not in participant
    expected = hmac.new(b"coturn-secret", turn_server["username"].encode(), hashlib.sha1).digest()
    assert turn_server["credential"] == base64.b64encode(expected).decode()


def test_turn_credentials_only_inside_the_call_window_of_a_booked_appointment(call, turn):
    appointment = call.appointment
    opens = appointment.start - timedelta(minutes=10)
    closes = appointment.end + timedelta(minutes=60)
    for now in (opens, appointment.start, closes):
        assert len(ice_servers(appointment=appointment, role="client", now=now)) == 2, now
    for now in (
        opens - timedelta(seconds=1),
        closes + timedelta(seconds=1),
        appointment.start - timedelta(days=1),
    ):
        assert ice_servers(appointment=appointment, role="client", now=now) == [
            {"urls": ["stun:turn.example.org:3478"]}
        ], now
    appointment.status = Appointment.Status.CANCELLED
    assert len(ice_servers(appointment=appointment, role="client", now=appointment.start)) == 1


def test_one_turn_username_per_participant(call, turn):
    appointment = call.appointment
    caseworker = get_user_model().objects.get(caseworker=appointment.caseworker)
    interpreter = UserFactory()

    def username(role, user=None):
        return ice_servers(appointment=appointment, role=role, user=user, now=appointment.start)[1][
            "username"
        ]

    names = [username("client"), username("caseworker", caseworker), username("interpreter", interpreter)]
    assert len(set(names)) == 3
    assert username("caseworker", caseworker) == names[1]  # a reload keeps the name, and coturn's quota
    other = make_call()
    assert (
        ice_servers(appointment=other.appointment, role="client", now=other.appointment.start)[1]["username"]
        != names[0]
    )


def test_the_page_has_turn_only_inside_the_call_window(turn, client):
    early = make_call(starts_in=timedelta(hours=2))
    config = config_of(client.get(f"/video/{early.reference}/{early.token}/"))
    assert config["iceServers"] == [{"urls": ["stun:turn.example.org:3478"]}]
    soon = make_call()
    config = config_of(client.get(f"/video/{soon.reference}/{soon.token}/"))
    assert [server.get("username", "") != "" for server in config["iceServers"]] == [False, True]


def test_no_turn_without_a_secret(call, settings):
    settings.STUN_URLS, settings.TURN_URLS, settings.TURN_SECRET = [], ["turn:x"], ""
    assert ice_servers(appointment=call.appointment, role="client") == []


def test_phone_button_rings_everyone_and_refuses_others(call, client, voice_outbox):
    url = f"/video/raum/{call.room}/anrufen/"
    client.force_login(UserFactory())
    assert client.post(url, {"phone": "030 1234567"}).status_code == 404
    client.force_login(get_user_model().objects.get(caseworker=call.appointment.caseworker))
    assert client.post(url, {"phone": "nonsense"}).status_code == 400
    response = client.post(url, {"phone": "030 1234567"})
    assert response.status_code == 201
    assert response.json() == {"legs": ["caseworker", "client"]}
    assert len(voice_outbox) == 2
