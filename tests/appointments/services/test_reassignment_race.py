"""Reassigning and booking race for one time of a colleague on PostgreSQL: one of them gets it."""

from collections import Counter

import pytest

from appointments.exceptions import SlotTaken
from appointments.models import Appointment
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.reassignment import reassign_clients
from tests.appointments.services.reassignment_setup import absent_and_colleague, appointment
from tests.appointments.services.test_booking_race import assert_no_overlaps, race
from tests.factories import CaseworkerFactory, UserFactory, week_of_hours
from tests.scenario import TUESDAY, at

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

RACERS = 12


def reassigning(absent, colleague, moving, by):
    """A reassignment as a racer: it 'books' when the appointment moved, is 'taken' when it stayed."""

    def attempt():
        result = reassign_clients(
            from_caseworker=absent, to_caseworker=colleague, appointments=[moving], invitations=[], by=by
        )
        if not result.moved:
            raise SlotTaken

    return attempt


def test_a_reassignment_and_bookings_for_the_colleagues_time_one_winner(topic):
    absent, colleague = absent_and_colleague(topic)
    staff = UserFactory()
    moving = appointment(topic, absent, at(TUESDAY, "09:00"))

    def booking(n):
        return lambda: book_appointment(
            topic=topic,
            mode="video",
            start=at(TUESDAY, "09:00"),
            client=ClientDetails(name=f"Client {n}", phone=f"0170 12345{n:02d}"),
            caseworker=colleague,
            booked_by=staff,
        )

    outcomes = race([reassigning(absent, colleague, moving, staff)] + [booking(n) for n in range(RACERS)])

    assert outcomes == Counter({"booked": 1, "taken": RACERS})
    assert Appointment.objects.filter(caseworker=colleague).exclude(status="cancelled").count() == 1
    assert_no_overlaps()


def test_two_absent_caseworkers_clients_moved_onto_one_colleague_at_once_one_moves(topic):
    absent, colleague = absent_and_colleague(topic)
    other = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(other)
    staff = UserFactory()
    first = appointment(topic, absent, at(TUESDAY, "09:00"))
    second = appointment(topic, other, at(TUESDAY, "09:15"))  # overlaps 09:00–09:30 with the colleague

    outcomes = race(
        [reassigning(absent, colleague, first, staff), reassigning(other, colleague, second, staff)] * 1
    )

    assert outcomes == Counter({"booked": 1, "taken": 1})
    assert Appointment.objects.filter(caseworker=colleague).count() == 1
    assert_no_overlaps()
