"""Faults outside our code: a lost database is a short 503, a dead Redis loses only events, a Twilio
outage is retried with backoff and then shown to the caseworker."""

import itertools
import logging
from datetime import timedelta

import psycopg
import pytest
from channels.layers import channel_layers
from django.db import OperationalError, connection
from django.utils import translation
from rest_framework.test import APIClient

from appointments.models import Appointment, Notification
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.outbox.worker import MAX_ATTEMPTS, backoff, run_due_messages
from backend.middleware import RETRY_AFTER_SECONDS
from tests.appointments.api.conftest import booking_body
from tests.factories import CaseworkerFactory, TopicFactory, week_of_hours
from tests.fakes.twilio import FakeTwilio, Reply, send_sms_through

with translation.override("en"):
    UNAVAILABLE_EN = "The service is briefly unavailable. Please try again in a moment."


@pytest.fixture
def topic(db):
    topic = TopicFactory(slug="leistungen")
    week_of_hours(CaseworkerFactory(office=topic.office, topics=[topic]))
    return topic


def kill_our_connection() -> None:
    """Terminate this test's database session from a second session, as a restarted server would."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.postgres
def test_a_connection_lost_mid_request_is_a_503_and_the_next_request_works(topic, caplog):
    api = APIClient()
    kill_our_connection()

    with caplog.at_level(logging.WARNING, logger="backend.middleware"):
        failed = api.get("/api/v1/topics/", HTTP_ACCEPT_LANGUAGE="en")

    assert failed.status_code == 503
    assert failed.json() == {"detail": UNAVAILABLE_EN}
    assert failed.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert "Database unavailable" in caplog.text
    recovered = api.get("/api/v1/topics/")
    assert recovered.status_code == 200
    assert [item["slug"] for item in recovered.json()] == ["leistungen"]


class FailOnce:
    """A database error for the first query only, the way a dropped connection shows up."""

    def __init__(self):
        self.failed = False

    def __call__(self, execute, sql, params, many, context):
        if not self.failed:
            self.failed = True
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)


def test_a_page_whose_database_fails_answers_a_short_503_in_the_users_language(topic, client):
    with connection.execute_wrapper(FailOnce()):
        german = client.get("/")
    with connection.execute_wrapper(FailOnce()):
        english = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    for response in (german, english):
        assert response.status_code == 503
        assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert "Content-Security-Policy" in response.headers
    assert german.headers["Content-Language"] == "de"
    assert english.content.decode() == UNAVAILABLE_EN
    assert client.get("/").status_code == 200


def test_other_errors_are_not_mistaken_for_a_database_outage(topic, monkeypatch):
    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("appointments.api.views.free_slots", crash)
    response = APIClient(raise_request_exception=False).get("/api/v1/slots/", {"topic": topic.slug})

    assert response.status_code == 500
    assert "Retry-After" not in response.headers


@pytest.fixture
def dead_redis(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1"]},
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.mark.usefixtures("dead_redis")
def test_booking_over_http_works_with_redis_down_and_the_event_is_dropped_with_a_warning(
    topic, now, caplog, django_capture_on_commit_callbacks
):
    api = APIClient(raise_request_exception=True)

    with (
        caplog.at_level(logging.WARNING, logger="appointments.events"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = api.post("/api/v1/bookings/", booking_body(topic), format="json")

    assert response.status_code == 201, response.content
    assert Appointment.objects.filter(reference=response.json()["reference"]).exists()
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("not delivered" in message for message in warnings)


@pytest.fixture
def twilio_down(settings):
    """Twilio's REST API answering 503 or not in time, for every attempt."""
    fake = FakeTwilio()
    send_sms_through(fake, settings, timeout=0.3)
    for attempt in range(MAX_ATTEMPTS):
        if attempt == 2:
            fake.replies.append(Reply(delay=0.6))  # one time-out among the 503s
        else:
            fake.error(503)
    yield fake
    fake.stop()


def test_a_twilio_outage_is_retried_with_backoff_then_failed_and_shown_to_the_caseworker(
    topic, now, time_machine, twilio_down, client, django_capture_on_commit_callbacks
):
    caseworker = topic.caseworkers.get()
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book_appointment(
            topic=topic,
            mode="telephone",
            start=now + timedelta(hours=3),
            client=ClientDetails(name="Aylin Demir", phone="0151 23456789", sms_consent=True),
        ).appointment
    confirmation = Notification.objects.get(appointment=appointment, channel="sms", kind="confirmation")

    due = []
    for _attempt in range(MAX_ATTEMPTS):
        run_due_messages()
        confirmation.refresh_from_db()
        due.append(confirmation.due_at)
        time_machine.move_to(confirmation.due_at, tick=False)

    assert confirmation.status == Notification.Status.FAILED
    assert confirmation.attempts == MAX_ATTEMPTS == len(twilio_down.requests)
    # Each wait is the backoff of the attempt that failed; the last failure waits for nothing.
    assert due[0] == now + backoff(1)
    waits = [later - earlier for earlier, later in itertools.pairwise(due[:-1])]
    assert waits == [backoff(attempt) for attempt in range(2, MAX_ATTEMPTS)]
    client.force_login(caseworker.user)
    page = client.get("/fachkraft/", headers={"accept-language": "en"})
    box = page.text.split('id="to-call"')[1].split("</section>")[0]
    assert appointment.reference in box
