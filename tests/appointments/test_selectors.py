"""The caseworker's day and the clients to phone: right rows, right order, a fixed number of queries."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from appointments.models import Appointment, Caseworker, Notification
from appointments.selectors import day_for, message_status, messages_needing_a_call
from appointments.services.booking import cancel_appointment
from tests.factories import CaseworkerFactory, ExtraHoursFactory
from tests.scenario import MONDAY_9, TUESDAY, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


def booked(topic, caseworker, start, n, *, interpreter=None):
    """The n-th of many clients, booked by staff: each her own number, telephone and video in turn."""
    return book(
        topic,
        start,
        caseworker=caseworker,
        by_staff=True,
        mode="video" if n % 2 else "telephone",
        phone=f"0151 2345{n:04d}",
        interpreter_language=interpreter,
    ).appointment


def confirmation(appointment) -> Notification:
    return Notification.objects.get(
        appointment=appointment, kind="confirmation", channel="sms", audience="client"
    )


def fresh(caseworker) -> Caseworker:
    return Caseworker.objects.select_related("office").get(pk=caseworker.pk)


def test_day_is_the_local_day_in_order_without_cancelled_or_colleagues(topic, caseworker):
    # Tuesday 00:30 in Berlin is still Monday in UTC: it belongs to Tuesday.
    ExtraHoursFactory(caseworker=caseworker, date=TUESDAY, start_time=time(0), end_time=time(1))
    just_after_midnight = booked(topic, caseworker, datetime(2026, 11, 30, 23, 30, tzinfo=UTC), 1)
    later = booked(topic, caseworker, MONDAY_9 + timedelta(hours=2), 2)
    earlier = booked(topic, caseworker, MONDAY_9, 3)
    cancelled = booked(topic, caseworker, MONDAY_9 + timedelta(hours=1), 4)
    cancel_appointment(appointment=cancelled, by="staff")
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    ExtraHoursFactory(caseworker=colleague, date=date(2026, 11, 30), start_time=time(9), end_time=time(12))
    booked(topic, colleague, MONDAY_9, 5)

    assert [a.pk for a in day_for(fresh(caseworker), date(2026, 11, 30))] == [earlier.pk, later.pk]
    assert [a.pk for a in day_for(fresh(caseworker), TUESDAY)] == [just_after_midnight.pk]


@pytest.mark.parametrize("count", [1, 20])
def test_day_takes_one_query_whatever_its_length(topic, caseworker, django_assert_num_queries, count):
    ExtraHoursFactory(caseworker=caseworker, date=TUESDAY, start_time=time(12), end_time=time(20))
    first = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    for n in range(count):
        booked(
            topic, caseworker, first + timedelta(minutes=30 * n), n, interpreter="ar" if n % 3 == 0 else None
        )
    worker = fresh(caseworker)

    with django_assert_num_queries(1):
        rows = day_for(worker, TUESDAY)
        seen = [
            (
                a.topic.name,
                a.topic.office.zone,
                a.client.name,
                getattr(a, "interpreter_request", None) and a.interpreter_request.status,
                a.message_status,
            )
            for a in rows
        ]
    assert len(seen) == count
    assert seen[0][3] == "open"
    assert {row[4] for row in seen} == {"pending"}


def test_message_status_of_the_client_confirmation(topic, caseworker):
    appointments = [booked(topic, caseworker, MONDAY_9 + timedelta(minutes=30 * n), n) for n in range(5)]
    changes = [
        {},
        {"status": "sent"},
        {"status": "sent", "delivery_status": "delivered"},
        {"status": "sent", "delivery_status": "undelivered"},
        {"status": "failed"},
    ]
    for appointment, change in zip(appointments, changes, strict=True):
        Notification.objects.filter(pk=confirmation(appointment).pk).update(**change)

    statuses = [a.message_status for a in day_for(fresh(caseworker), date(2026, 11, 30))]
    assert statuses == ["pending", "sent", "delivered", "failed", "failed"]


def test_message_status_words():
    assert message_status(None, None) == ""
    assert message_status("sent", "failed") == "failed"
    assert message_status("cancelled", "") == "pending"


def test_messages_needing_a_call(topic, caseworker, time_machine):
    failed = booked(topic, caseworker, MONDAY_9 + timedelta(hours=1), 1)
    undelivered = booked(topic, caseworker, MONDAY_9 + timedelta(hours=2), 2)
    delivered = booked(topic, caseworker, MONDAY_9 + timedelta(hours=2, minutes=30), 3)
    past = booked(topic, caseworker, MONDAY_9, 4)
    cancelled = booked(topic, caseworker, MONDAY_9 + timedelta(days=1), 5)
    reminder_only = booked(topic, caseworker, MONDAY_9 + timedelta(days=1, hours=1), 6)
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    ExtraHoursFactory(caseworker=colleague, date=date(2026, 11, 30), start_time=time(9), end_time=time(12))
    colleagues = booked(topic, colleague, MONDAY_9 + timedelta(hours=1), 7)

    Notification.objects.filter(pk=confirmation(failed).pk).update(status="failed")
    Notification.objects.filter(pk=confirmation(undelivered).pk).update(
        status="sent", delivery_status="undelivered"
    )
    Notification.objects.filter(pk=confirmation(delivered).pk).update(
        status="sent", delivery_status="delivered"
    )
    for appointment in (past, cancelled, colleagues):
        Notification.objects.filter(pk=confirmation(appointment).pk).update(status="failed")
    Notification.objects.filter(pk=confirmation(reminder_only).pk).update(kind="reminder", status="failed")
    cancel_appointment(appointment=cancelled, by="staff")
    time_machine.move_to(MONDAY_9 + timedelta(minutes=5), tick=False)

    assert list(messages_needing_a_call(caseworker)) == [failed, undelivered]
    assert Appointment.objects.get(pk=past.pk).status == "booked"
