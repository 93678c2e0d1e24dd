"""The caps hold under concurrency on PostgreSQL: the office's SMS budget and a client's upcoming bookings."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core import mail

from appointments.exceptions import SmsBudgetExhausted, TooManyBookings
from appointments.models import Appointment, PhoneVerification, SmsBudget
from appointments.providers import sms
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.outbox.worker import run_due_messages
from appointments.services.verification import start_phone_verification
from tests.appointments.services.test_booking_race import race
from tests.factories import CaseworkerFactory, OfficeFactory, TopicFactory, week_of_hours
from tests.scenario import at

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

RACERS = 16


def test_concurrent_codes_never_spend_more_than_the_budget_and_alert_once():
    office = OfficeFactory(sms_codes_per_day=5, coordinator_email="koordination@jobcenter.example")

    def attempt(n):
        return lambda: start_phone_verification(phone=f"0170 12345{n:02d}", office=office)

    outcomes = race([attempt(n) for n in range(RACERS)], losing=(SmsBudgetExhausted,))

    assert outcomes == Counter({"booked": 5, "taken": RACERS - 5})
    assert PhoneVerification.objects.count() == 5
    assert len(sms.outbox) == 5
    assert SmsBudget.objects.get(office=office).sent == 5
    run_due_messages()  # the alert is an outbox row like any message
    assert [message.to for message in mail.outbox] == [["koordination@jobcenter.example"]]


def test_concurrent_bookings_of_one_number_stay_within_the_cap():
    office = OfficeFactory(max_upcoming_per_client=2)
    topic = TopicFactory(office=office)
    for _worker in range(3):
        week_of_hours(CaseworkerFactory(office=office, topics=[topic]))
    tuesday = date(2026, 12, 1)

    def attempt(n):
        start = at(tuesday, "09:00") + timedelta(minutes=30 * (n % 6))
        return lambda: book_appointment(
            topic=topic,
            mode="video",
            start=start,
            client=ClientDetails(name="Aylin Demir", phone="0151 23456789"),
        )

    outcomes = race([attempt(n) for n in range(12)], losing=(TooManyBookings,))

    assert outcomes == Counter({"booked": 2, "taken": 10})
    assert Appointment.objects.filter(client__phone="+4915123456789").count() == 2
