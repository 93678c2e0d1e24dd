"""The shared scenario keeps its word: Berlin wall-clock times, people in their roles, one booking door."""

from datetime import UTC, datetime

import pytest

from appointments.models import Appointment
from appointments.services.permissions import coordinator_for
from tests.scenario import AYLIN, MONDAY_MORNING, TUESDAY, TUESDAY_9, at, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


def test_times_are_berlin_wall_clock():
    assert datetime(2026, 11, 30, 6, tzinfo=UTC) == MONDAY_MORNING
    assert at(TUESDAY, "09:00") == TUESDAY_9 == datetime(2026, 12, 1, 8, tzinfo=UTC)


def test_people_have_their_roles(people):
    assert {people.caseworker.office, people.colleague.office, people.coordinator.office} == {people.office}
    assert coordinator_for(people.coordinator.user) == people.coordinator
    assert coordinator_for(people.caseworker.user) is None
    assert people.interpreter.languages.get().language_id == "ar"


def test_book_goes_through_the_service(people):
    booking = book(people.topic, caseworker=people.colleague, by_staff=True, name="Aylin D.")
    appointment = Appointment.objects.get()
    assert booking.appointment == appointment
    assert (appointment.start, appointment.caseworker) == (TUESDAY_9, people.colleague)
    assert appointment.booked_by is not None
    # The number is the scenario's client: staff booking keeps her record as it was.
    assert (appointment.client, appointment.client.name, booking.details_kept) == (
        people.client,
        AYLIN.name,
        True,
    )
