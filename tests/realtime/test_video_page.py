"""The video page: who may open it, what it is configured with, TURN credentials, the phone button."""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

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


def test_turn_credentials_are_time_limited_and_signed(settings):
    settings.STUN_URLS = ["stun:turn.example.org:3478"]
    settings.TURN_URLS = ["turn:turn.example.org:3478?transport=udp"]
    settings.TURN_SECRET = "coturn-secret"
    settings.TURN_CREDENTIAL_TTL_SECONDS = 3600
    now = datetime(2026, 11, 30, 9, tzinfo=UTC)
    stun, turn = ice_servers(now=now)
    assert stun == {"urls": ["stun:turn.example.org:3478"]}
    expires = int(now.timestamp()) + 3600
    assert turn["username"] == f"{expires}:sprechstunde"
    expected = hmac.new(b"coturn-secret", turn["username"].encode(), hashlib.sha1).digest()
    assert turn["credential"] == base64.b64encode(expected).decode()


def test_no_turn_without_a_secret(settings):
    settings.STUN_URLS, settings.TURN_URLS, settings.TURN_SECRET = [], ["turn:x"], ""
    assert ice_servers() == []


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
