"""An appointment's timeline: audit entries and messages, oldest first, in two queries, no message text."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import AuditEntry, Notification
from appointments.services.audit import record_audit
from appointments.services.booking import ClientDetails, book_appointment, reschedule_appointment
from appointments.services.history import appointment_history
from tests.factories import UserFactory
from tests.scenario import THURSDAY_9

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]


@pytest.fixture
def appointment(topic):
    return book_appointment(
        topic=topic,
        mode="video",
        start=THURSDAY_9,
        client=ClientDetails(
            name="Aylin Demir", phone="0151 23456789", email="a@example.org", sms_consent=True
        ),
        booked_by=UserFactory(),
    ).appointment


def test_changes_and_messages_in_time_order(appointment, time_machine):
    time_machine.move_to(datetime(2026, 11, 30, 7, 0, tzinfo=UTC), tick=False)
    reschedule_appointment(
        appointment=appointment, start=THURSDAY_9 + timedelta(hours=1), actor=UserFactory()
    )

    items = appointment_history(appointment).items

    times = [item.at.replace(second=0, microsecond=0) for item in items]
    assert times == sorted(times)
    labels = [
        ("audit", item.entry.action) if item.entry else ("message", item.message.kind) for item in items
    ]
    assert labels.index(("audit", "booked")) < labels.index(("message", "confirmation"))
    assert labels.index(("message", "confirmation")) < labels.index(("audit", "rescheduled"))
    assert labels.index(("audit", "rescheduled")) < labels.index(("message", "rescheduled"))
    assert labels[-1] == ("message", "reminder")  # due later than anything that happened


def test_a_sent_message_stands_at_its_sending_time(appointment):
    sent_at = datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    Notification.objects.filter(appointment=appointment, kind="confirmation", channel="sms").update(
        status="sent", sent_at=sent_at, delivery_status="delivered"
    )

    history = appointment_history(appointment)

    sms = next(
        i
        for i in history.items
        if i.message and i.message.kind == "confirmation" and i.message.channel == "sms"
    )
    assert sms.at == sent_at
    assert history.confirmation_status == "delivered"


def test_no_message_text_or_address_is_loaded(appointment):
    history = appointment_history(appointment)
    message = next(item.message for item in history.items if item.message)
    assert message.get_deferred_fields() >= {"body", "subject", "recipient", "error"}


@pytest.mark.parametrize("extra", [1, 10])
def test_two_queries_whatever_the_length(appointment, extra):
    for _ in range(extra):
        record_audit(action=AuditEntry.Action.VIEWED_CONTACT, actor=UserFactory(), appointment=appointment)
    with CaptureQueriesContext(connection) as queries:
        items = appointment_history(appointment).items
    assert len(queries) == 2
    assert sum(1 for item in items if item.entry and item.entry.action == "viewed_contact") == extra
