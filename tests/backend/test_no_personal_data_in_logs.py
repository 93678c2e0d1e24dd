"""No personal data in the logs: the main flows run with every logger at DEBUG, and no record
(message or traceback) names the client, their number in any form, e-mail or customer number."""

import logging
import re
from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient
from twilio.request_validator import RequestValidator

from appointments.models import Appointment, InterpreterRequest, Notification
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.outbox.worker import run_due_messages
from tests.factories import CaseworkerFactory, InterpreterFactory, OfficeFactory, TopicFactory, week_of_hours
from tests.fakes.twilio import FakeTwilio, Reply, send_sms_through
from tests.scenario import TUESDAY_9, TUESDAY_10

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

NAME = "Aylin Demir"
PHONE = "0151 23456789"
EMAIL = "aylin.demir@example.org"
CUSTOMER_NUMBER = "123D456789"
# Every form the number takes: as typed, national, E.164, without the plus, the subscriber part.
SECRETS = [
    NAME,
    "Demir",
    PHONE,
    "015123456789",
    "+4915123456789",
    "4915123456789",
    "23456789",
    EMAIL,
    CUSTOMER_NUMBER,
]
TWILIO_TOKEN = "twilio-auth-token"


@pytest.fixture
def logs(caplog):
    """Every logger at DEBUG, and the ones that do not pass records up heard directly."""
    caplog.set_level(logging.DEBUG)
    loggers = [
        logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        caplog.set_level(logging.DEBUG, logger=logger.name)
    apart = [logger for logger in loggers if not logger.propagate]
    for logger in apart:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in apart:
        logger.removeHandler(caplog.handler)


def leaks(caplog) -> list[str]:
    formatter = logging.Formatter()
    found = []
    for record in caplog.records:
        texts = [record.getMessage()]
        if record.exc_info:
            texts.append(formatter.formatException(record.exc_info))
        if record.exc_text:
            texts.append(record.exc_text)
        if record.stack_info:
            texts.append(record.stack_info)
        text = "\n".join(texts)
        found += [f"{record.name}: {secret!r} in {text[:300]!r}" for secret in SECRETS if secret in text]
    return found


def test_a_leak_would_be_found(logs):
    logging.getLogger("appointments.services.outbox.worker").debug("to %s", "+4915123456789")
    try:
        raise ValueError(f"customer {CUSTOMER_NUMBER}")
    except ValueError:
        logging.getLogger("django.request").exception("failed")
    assert len(leaks(logs)) == 4  # E.164, without the plus, the subscriber part; the traceback


def logged(caplog, name: str) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name.startswith(name)]


@pytest.fixture
def office(db):
    return OfficeFactory(require_phone_verification=True)


@pytest.fixture
def topic(office):
    return TopicFactory(office=office, slug="leistungen")


@pytest.fixture
def caseworker(topic):
    worker = CaseworkerFactory(office=topic.office, topics=[topic])
    worker.user.email = "fachkraft@example.org"
    worker.user.save(update_fields=["email"])
    week_of_hours(worker)
    return worker


@pytest.fixture
def fake_twilio(settings):
    fake = FakeTwilio()
    send_sms_through(fake, settings, token=TWILIO_TOKEN)
    settings.SITE_URL = "https://termine.example.org"
    yield fake
    fake.stop()


def code_from(outbox_or_requests) -> str:
    body = (
        outbox_or_requests[-1].body
        if hasattr(outbox_or_requests[-1], "body")
        else outbox_or_requests[-1]["Body"]
    )
    return re.search(r"\b(\d{6})\b", body).group(1)


def verified(api, outbox, phone, capture) -> str:
    with capture(execute=True):
        started = api.post("/api/v1/phone-verifications/", {"phone": phone}, format="json")
    assert started.status_code == 201, started.json()
    confirmed = api.post(
        f"/api/v1/phone-verifications/{started.json()['id']}/confirm/",
        {"code": code_from(outbox)},
        format="json",
    )
    assert confirmed.status_code == 200
    return confirmed.json()["verification_token"]


def booking_body(topic, token, *, name=NAME, phone=PHONE, email=EMAIL):
    return {
        "topic": topic.slug,
        "mode": "video",
        "start": TUESDAY_9.isoformat(),
        "language": "de",
        "verification_token": token,
        "client": {
            "name": name,
            "phone": phone,
            "email": email,
            "customer_number": CUSTOMER_NUMBER,
            "sms_consent": True,
        },
    }


def test_booking_rescheduling_and_cancelling_through_the_api(
    logs, topic, caseworker, sms_outbox, django_capture_on_commit_callbacks
):
    api = APIClient()
    token = verified(api, sms_outbox, PHONE, django_capture_on_commit_callbacks)
    wrong = api.post("/api/v1/bookings/", {**booking_body(topic, token), "mode": "pigeon"}, format="json")
    assert wrong.status_code == 400
    booked = api.post("/api/v1/bookings/", booking_body(topic, token), format="json")
    assert booked.status_code == 201, booked.json()
    run_due_messages()
    other = verified(api, sms_outbox, "0151 23450002", django_capture_on_commit_callbacks)
    taken = api.post(
        "/api/v1/bookings/",
        booking_body(topic, other, name="Bernd Becker", phone="0151 23450002", email=""),
        format="json",
    )
    assert taken.status_code == 409
    reference = booked.json()["reference"]
    auth = {"HTTP_AUTHORIZATION": f"Token {booked.json()['manage_token']}"}
    moved = api.post(
        f"/api/v1/bookings/{reference}/reschedule/", {"start": TUESDAY_10.isoformat()}, format="json", **auth
    )
    assert moved.status_code == 200, moved.json()
    run_due_messages()
    cancelled = api.post(f"/api/v1/bookings/{reference}/cancel/", {"reason": NAME}, format="json", **auth)
    assert cancelled.status_code == 200, cancelled.json()
    late = api.post(f"/api/v1/bookings/{reference}/cancel/", {}, format="json", **auth)
    assert late.status_code == 409
    run_due_messages()

    assert len(sms_outbox) == 5  # two codes, booked, moved, cancelled
    assert any("Bad Request" in message for message in logged(logs, "django.request"))
    assert any("Conflict" in message for message in logged(logs, "django.request"))
    assert leaks(logs) == []


def test_booking_through_the_pages(
    logs, client, topic, caseworker, sms_outbox, django_capture_on_commit_callbacks
):
    client.post("/", {"topic": topic.slug})
    client.post("/termin/art/", {"mode": "video"})
    client.post("/termin/sprache/", {"language": "de"})
    client.post("/termin/zeit/", {"start": TUESDAY_9.isoformat()})
    details = {"name": NAME, "phone": PHONE, "email": EMAIL, "customer_number": CUSTOMER_NUMBER}
    refused = client.post("/termin/angaben/", {**details, "email": "not an address"})
    assert refused.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/termin/angaben/", {**details, "sms_consent": "on"})
    assert answer.url == "/termin/code/"
    wrong = client.post("/termin/code/", {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 200
    done = client.post("/termin/code/", {"action": "confirm", "code": code_from(sms_outbox)})
    assert done.url == "/termin/fertig/"
    run_due_messages()

    assert Appointment.objects.get().client.email == EMAIL
    assert leaks(logs) == []


def twilio_post(client, settings, capture, path, data):
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{settings.SITE_URL}{path}", data)
    with capture(execute=True):
        return client.post(path, data, headers={"X-Twilio-Signature": signature})


def test_sms_through_twilio_failures_and_inbound_sms(
    logs, client, settings, topic, caseworker, fake_twilio, django_capture_on_commit_callbacks
):
    appointment = book_appointment(
        topic=topic,
        mode="telephone",
        start=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        client=ClientDetails(
            name=NAME, phone=PHONE, email=EMAIL, customer_number=CUSTOMER_NUMBER, sms_consent=True
        ),
        booked_by=caseworker.user,
    ).appointment
    # Twilio's own error texts name the number; a failure must not carry it into the log.
    fake_twilio.replies.append(
        Reply(400, {"status": 400, "code": 21211, "message": "The 'To' number +4915123456789 is not valid."})
    )
    run_due_messages()
    failed = Notification.objects.get(appointment=appointment, kind="confirmation", channel="sms")
    assert failed.status == "failed"
    fake_twilio.replies.append(
        Reply(503, {"status": 503, "code": 20500, "message": "down for +4915123456789"})
    )
    sms = Notification.objects.create(
        appointment=appointment,
        kind="reminder",
        reminder_minutes=1,
        channel="sms",
        recipient="+4915123456789",
        body=f"Erinnerung für {NAME}",
        due_at=appointment.created_at,
    )
    run_due_messages()
    sms.refresh_from_db()
    assert (sms.status, sms.error) == ("pending", "Twilio 503 20500")
    assert fake_twilio.requests[-1]["To"] == "+4915123456789"  # it did go through the fake

    sms.due_at = appointment.created_at
    sms.save(update_fields=["due_at"])
    run_due_messages()
    sms.refresh_from_db()
    report = {
        "MessageSid": sms.provider_message_id,
        "MessageStatus": "undelivered",
        "ErrorCode": "30003",
        "To": "+4915123456789",
    }
    assert (
        twilio_post(
            client, settings, django_capture_on_commit_callbacks, "/webhooks/twilio/sms-status/", report
        ).status_code
        == 204
    )
    for n, body in enumerate(("hallo", "STOP", "START")):
        answer = twilio_post(
            client,
            settings,
            django_capture_on_commit_callbacks,
            "/webhooks/twilio/sms-inbound/",
            {"From": "+4915123456789", "Body": body, "MessageSid": f"SM{n}"},  # one id per message
        )
        assert answer.status_code == 200

    assert len(fake_twilio.requests) >= 5
    assert logged(logs, "twilio")  # the client logs at INFO: heard, and harmless
    assert any("failed" in message for message in logged(logs, "appointments.services.outbox.worker"))
    assert leaks(logs) == []


def test_interpreter_accepts(logs, topic, caseworker, django_capture_on_commit_callbacks):
    appointment = book_appointment(
        topic=topic,
        mode="video",
        start=datetime(2026, 12, 3, 8, 0, tzinfo=UTC),
        client=ClientDetails(
            name=NAME, phone=PHONE, email=EMAIL, customer_number=CUSTOMER_NUMBER, sms_consent=True
        ),
        interpreter_language="ar",
        booked_by=caseworker.user,
    ).appointment
    interpreter = InterpreterFactory(
        languages=["ar"],
        email="dolmetsch@example.org",
        user=caseworker.user.__class__.objects.create_user("dolmetsch"),
    )
    InterpreterRequest.objects.filter(appointment=appointment).update(preferred_interpreter=interpreter)
    api = APIClient()
    api.force_authenticate(interpreter.user)
    request_id = InterpreterRequest.objects.get(appointment=appointment).pk

    with django_capture_on_commit_callbacks(execute=True):
        offers = api.get("/api/v1/interpreter-requests/")
        accepted = api.post(f"/api/v1/interpreter-requests/{request_id}/accept/")
    assert offers.status_code == 200
    assert accepted.status_code == 200, accepted.json()
    run_due_messages()

    assert leaks(logs) == []
