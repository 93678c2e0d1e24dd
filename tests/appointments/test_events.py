"""Events go to the caseworker's and the office's groups after commit, and a dead layer loses only them."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer

from appointments import events
from appointments.events import caseworker_group, client_label, office_group
from appointments.models import Appointment
from appointments.providers import sms
from appointments.services.booking import ClientDetails, book_appointment, cancel_appointment
from appointments.services.outbox.worker import run_due_messages
from tests.scenario import TUESDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]


def listen(group: str) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return channel


def received(channel: str) -> dict:
    return json.loads(async_to_sync(get_channel_layer().receive)(channel)["text"])


def test_booking_and_cancelling_reach_caseworker_and_office(
    topic, caseworker, django_capture_on_commit_callbacks
):
    mine, office = listen(caseworker_group(caseworker.pk)), listen(office_group(topic.office_id))
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(topic, sms_consent=False)
    event = received(mine)
    assert event["type"] == "appointment"
    assert event["op"] == "booked"
    assert event["reference"] == booking.appointment.reference
    assert event["start"] == "2026-12-01T09:00:00+01:00"
    assert event["client"] == "Aylin D."
    assert "23456789" not in str(event)
    assert received(office)["op"] == "booked"
    with django_capture_on_commit_callbacks(execute=True):
        cancel_appointment(appointment=booking.appointment, by=Appointment.Party.CLIENT)
    assert received(mine)["op"] == "cancelled"


def test_an_event_is_rendered_once_for_all_its_groups(topic, monkeypatch, django_capture_on_commit_callbacks):
    rendered = []
    monkeypatch.setattr(events.json, "dumps", lambda event: rendered.append(event) or "{}")
    with django_capture_on_commit_callbacks(execute=True):
        book(topic, sms_consent=False)
    assert [event["op"] for event in rendered] == ["booked"]  # one text for caseworker and office


def test_nothing_is_published_before_commit(topic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        book(topic, sms_consent=False)
    assert callbacks  # waiting for the commit


def test_a_broken_layer_loses_the_event_not_the_booking(
    topic, settings, caplog, django_capture_on_commit_callbacks
):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1"]},
        }
    }
    channel_layers.backends.clear()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            booking = book(topic, sms_consent=False)
    finally:
        channel_layers.backends.clear()
    assert Appointment.objects.filter(pk=booking.appointment.pk).exists()
    assert "not delivered" in caplog.text


@pytest.mark.parametrize(("name", "label"), [("Aylin Demir", "Aylin D."), ("Ali", "Ali"), ("", "")])
def test_client_label(name, label):
    assert client_label(name) == label


class RefusingBackend(sms.BaseBackend):
    """Twilio's answer to a number that is not valid: permanent, no retry."""

    def send(self, *, to, body, status_callback=None):
        raise sms.SmsError("Twilio 400 21211", code=21211)


def test_a_failed_client_sms_is_told_to_the_caseworker(
    topic, caseworker, settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = f"{__name__}.RefusingBackend"
    mine = listen(caseworker_group(caseworker.pk))
    with django_capture_on_commit_callbacks(execute=True):
        book_appointment(
            topic=topic,
            mode="video",
            start=TUESDAY_9,
            client=ClientDetails(name="Aylin Demir", phone="0151 23456789", sms_consent=True),
        )
    assert received(mine)["op"] == "booked"
    with django_capture_on_commit_callbacks(execute=True):
        run_due_messages()
    event = received(mine)
    assert (event["type"], event["op"], event["kind"], event["channel"]) == (
        "message",
        "failed",
        "confirmation",
        "sms",
    )
