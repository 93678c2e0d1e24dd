"""Phone conferences: three calls via the real twilio client against the fake, TwiML, signed webhooks."""

from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from twilio.request_validator import RequestValidator

from appointments.exceptions import InvalidPhoneNumber
from appointments.models import Appointment
from appointments.providers import voice
from appointments.services.calls import (
    CallingCodeNotAllowed,
    CallRefused,
    staff_phone_number,
    start_phone_conference,
)
from tests.factories import CaseworkerFactory
from tests.fakes.twilio import FakeTwilio, Reply
from tests.realtime.conftest import assign_interpreter

pytestmark = [pytest.mark.django_db]

TOKEN = "voice-secret-token"
DESK = "+49301234567"


@pytest.fixture
def fake_twilio(settings):
    fake = FakeTwilio()
    settings.VOICE_BACKEND = "appointments.providers.voice.TwilioBackend"
    settings.TWILIO_API_BASE = fake.url
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_VOICE_FROM = "+4930999000"
    settings.TWILIO_TIMEOUT_SECONDS = 0.5
    yield fake
    fake.stop()


@pytest.fixture
def twilio_post(client, settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN

    def post(url, data, signature=None):
        if signature is None:
            signature = RequestValidator(TOKEN).compute_signature(url, data)
        path = urlsplit(url).path
        return client.post(path, data, headers={"X-Twilio-Signature": signature} if signature else {})

    return post


def caseworker_user(call):
    return get_user_model().objects.get(caseworker=call.appointment.caseworker)


def test_conference_rings_three_parties_through_twilio(call, fake_twilio):
    assign_interpreter(call.appointment, phone="+4915199900001")
    fake_twilio.replies.extend(Reply(body={"sid": f"CA{n:032d}", "status": "queued"}) for n in range(3))
    legs = start_phone_conference(
        appointment=call.appointment, user=caseworker_user(call), caseworker_phone=DESK
    )
    assert [(leg.role, leg.call_id[:2]) for leg in legs] == [
        ("caseworker", "CA"),
        ("client", "CA"),
        ("interpreter", "CA"),
    ]
    requests = fake_twilio.requests
    assert {request["path"] for request in requests} == {f"/2010-04-01/Accounts/AC{'1' * 32}/Calls.json"}
    assert [request["To"] for request in requests] == [DESK, call.appointment.client.phone, "+4915199900001"]
    assert {request["From"] for request in requests} == {"+4930999000"}
    for request, role in zip(requests, ("caseworker", "client", "interpreter"), strict=True):
        assert request["Url"] == f"{settings.SITE_URL}/webhooks/twilio/voice/{call.room}/{role}/twiml/"
        assert request["StatusCallback"].endswith(f"/{call.room}/{role}/status/")
        assert call.reference not in request["Url"]
        assert request["auth"].startswith("Basic ")
    assert Appointment.objects.get(pk=call.appointment.pk).call_status == "ringing"


def test_a_failed_leg_marks_the_call_failed_and_hangs_up_the_legs_placed(call, fake_twilio):
    placed = "CA" + "0" * 32
    fake_twilio.replies.append(Reply(body={"sid": placed, "status": "queued"}))
    fake_twilio.error(400, 21211)
    with pytest.raises(voice.VoiceError):
        start_phone_conference(
            appointment=call.appointment, user=caseworker_user(call), caseworker_phone=DESK
        )
    assert Appointment.objects.get(pk=call.appointment.pk).call_status == "failed"
    hang_up = fake_twilio.requests[-1]
    assert hang_up["path"] == f"/2010-04-01/Accounts/AC{'1' * 32}/Calls/{placed}.json"
    assert hang_up["Status"] == "canceled"


def test_a_hang_up_that_fails_does_not_hide_the_failure(call, fake_twilio):
    fake_twilio.replies.append(Reply(body={"sid": "CA" + "0" * 32, "status": "queued"}))
    fake_twilio.error(400, 21211)
    fake_twilio.error(500, 20500)
    with pytest.raises(voice.VoiceError, match="21211"):
        start_phone_conference(
            appointment=call.appointment, user=caseworker_user(call), caseworker_phone=DESK
        )
    assert len(fake_twilio.requests) == 3


def test_only_the_caseworker_or_a_coordinator_may_start_a_conference(call, voice_outbox):
    colleague = CaseworkerFactory(office=call.appointment.topic.office).user
    with pytest.raises(CallRefused):
        start_phone_conference(appointment=call.appointment, user=colleague, caseworker_phone=DESK)
    coordinator = CaseworkerFactory(office=call.appointment.topic.office, is_coordinator=True).user
    legs = start_phone_conference(appointment=call.appointment, user=coordinator, caseworker_phone=DESK)
    assert [leg.role for leg in legs] == ["caseworker", "client"]
    assert [placed.to for placed in voice_outbox] == [DESK, call.appointment.client.phone]


def test_console_backend_masks_numbers(capsys):
    voice.ConsoleBackend().call(to="+4915123456789", role="client", twiml_url="u", status_callback="s")
    printed = capsys.readouterr().out
    assert "…789" in printed
    assert "23456789" not in printed


def test_staff_number_may_be_a_desk_line():
    assert staff_phone_number("030 1234567") == DESK
    with pytest.raises(InvalidPhoneNumber):
        staff_phone_number("12")


def conference_of(xml: bytes):
    return ElementTree.fromstring(xml).find("Dial/Conference")  # noqa: S314 (our own TwiML)


def test_twiml_puts_each_leg_into_the_opaque_conference(call, twilio_post):
    url = f"{settings.SITE_URL}/webhooks/twilio/voice/{call.room}/caseworker/twiml/"
    response = twilio_post(url, {"CallSid": "CA1", "CallStatus": "in-progress"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    conference = conference_of(response.content)
    assert conference.text == call.room
    assert conference.get("endConferenceOnExit") == "true"
    assert conference.get("startConferenceOnEnter") == "true"
    client_leg = twilio_post(url.replace("/caseworker/", "/client/"), {"CallSid": "CA2"})
    conference = conference_of(client_leg.content)
    assert conference.text == call.room
    assert conference.get("endConferenceOnExit") == "false"


def test_twiml_for_an_unknown_room_hangs_up(twilio_post, db):
    url = f"{settings.SITE_URL}/webhooks/twilio/voice/nope/client/twiml/"
    response = twilio_post(url, {"CallSid": "CA1"})
    assert b"<Hangup" in response.content
    assert b"Conference" not in response.content


@pytest.mark.parametrize("signature", ["", "wrong"])
def test_voice_webhooks_refuse_bad_signatures(call, twilio_post, signature):
    for kind in ("twiml", "status"):
        url = f"{settings.SITE_URL}/webhooks/twilio/voice/{call.room}/client/{kind}/"
        assert twilio_post(url, {"CallStatus": "completed"}, signature=signature).status_code == 403


@pytest.mark.parametrize(
    ("role", "twilio_status", "recorded"),
    [
        ("client", "in-progress", "in_progress"),
        ("caseworker", "completed", "ended"),
        ("client", "no-answer", "failed"),
        ("client", "busy", "failed"),
        ("client", "ringing", ""),
        ("interpreter", "no-answer", ""),
    ],
)
def test_status_callbacks_record_the_call_status(call, twilio_post, role, twilio_status, recorded):
    url = f"{settings.SITE_URL}/webhooks/twilio/voice/{call.room}/{role}/status/"
    assert twilio_post(url, {"CallSid": "CA1", "CallStatus": twilio_status}).status_code == 204
    assert Appointment.objects.get(pk=call.appointment.pk).call_status == recorded


def test_status_for_an_unknown_room_is_404(twilio_post, db):
    url = f"{settings.SITE_URL}/webhooks/twilio/voice/nope/client/status/"
    assert twilio_post(url, {"CallStatus": "completed"}).status_code == 404


# Toll fraud: a stolen staff login must not ring premium numbers abroad through the office's account.

LONDON = "+441212345678"
VIENNA_MOBILE = "+43664123456"
PREMIUM_DE = "+499001234567"


@pytest.mark.parametrize("desk", [LONDON, PREMIUM_DE])
def test_a_conference_rings_nobody_when_the_caseworkers_number_is_not_allowed(call, voice_outbox, desk):
    with pytest.raises(CallingCodeNotAllowed):
        start_phone_conference(
            appointment=call.appointment, user=caseworker_user(call), caseworker_phone=desk
        )
    assert voice_outbox == []
    assert Appointment.objects.get(pk=call.appointment.pk).call_status == ""


@pytest.mark.parametrize("party", ["client", "interpreter"])
def test_a_conference_rings_nobody_when_another_partys_number_is_not_allowed(call, voice_outbox, party):
    if party == "client":
        call.appointment.client.phone = VIENNA_MOBILE
        call.appointment.client.save(update_fields=["phone"])
    else:
        assign_interpreter(call.appointment, phone=VIENNA_MOBILE)
    with pytest.raises(CallingCodeNotAllowed):
        start_phone_conference(
            appointment=call.appointment, user=caseworker_user(call), caseworker_phone=DESK
        )
    assert voice_outbox == []


def test_the_allowed_calling_codes_come_from_the_setting(call, voice_outbox, settings):
    settings.ALLOWED_CALLING_CODES = ["49", "+43"]
    assign_interpreter(call.appointment, phone=VIENNA_MOBILE)
    legs = start_phone_conference(
        appointment=call.appointment, user=caseworker_user(call), caseworker_phone=DESK
    )
    assert [leg.role for leg in legs] == ["caseworker", "client", "interpreter"]
    assert voice_outbox[-1].to == VIENNA_MOBILE


def test_the_phone_button_answers_a_number_abroad_with_a_clear_400(call, client, voice_outbox):
    client.force_login(caseworker_user(call))
    response = client.post(f"/video/raum/{call.room}/anrufen/", {"phone": "+44 121 234 5678"})
    assert response.status_code == 400
    assert "Diese Nummer kann nicht angerufen werden" in response.json()["detail"]
    assert voice_outbox == []
