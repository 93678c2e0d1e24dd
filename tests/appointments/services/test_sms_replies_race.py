"""A webhook delivered twice at the same moment acts once: the message id is unique in PostgreSQL."""

from datetime import UTC, datetime

import pytest

from appointments.models import Client, InboundSms, Notification
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.sms_replies import handle_inbound_sms
from tests.appointments.services.test_booking_race import race

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

PHONE = "+4915123456789"
DELIVERIES = 8


@pytest.mark.parametrize("word", ["STOP", "vielleicht"])
def test_concurrent_deliveries_of_one_message_answer_once(topic, caseworker, word):
    book_appointment(
        topic=topic,
        mode="video",
        start=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
        client=ClientDetails(name="Aylin Demir", phone=PHONE, sms_consent=True),
    )

    outcomes = race(
        [lambda: handle_inbound_sms(sender=PHONE, body=word, message_id="SM0123") for _ in range(DELIVERIES)]
    )

    assert outcomes == {"booked": DELIVERIES}  # every delivery ends cleanly, none with an error
    assert Notification.objects.filter(kind=Notification.Kind.REPLY).count() == 1
    assert InboundSms.objects.get().message_sid == "SM0123"
    assert Client.objects.get().sms_consent is (word != "STOP")
