"""Clients racing for a group session's places on PostgreSQL: never more places than it has."""

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from appointments.models import Appointment
from appointments.services.group_sessions import SessionFull, book_place, schedule_group_session
from tests.appointments.services.test_booking_race import race
from tests.factories import TopicFactory
from tests.scenario import AYLIN, TUESDAY, at

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

RACERS = 50


@pytest.fixture
def session(office, caseworker):
    office.require_phone_verification = False
    office.save()
    topic = TopicFactory(office=office, group=True, modes=["in_person"], duration=timedelta(minutes=60))
    return schedule_group_session(
        topic=topic, start=at(TUESDAY, "10:00"), hosts=[caseworker], capacity=30, mode="in_person"
    )


def attempt(session, n: int):
    client = replace(AYLIN, name=f"Teilnehmer {n}", phone=f"0151 3456{n:04d}")
    return lambda: book_place(session=session, client=client)


def test_fifty_clients_for_the_last_place_one_gets_it(session):
    for n in range(29):
        attempt(session, 1000 + n)()
    outcomes = race([attempt(session, n) for n in range(RACERS)], losing=(SessionFull,))
    assert outcomes == Counter({"booked": 1, "taken": RACERS - 1})
    assert session.places.exclude(status=Appointment.Status.CANCELLED).count() == 30


def test_fifty_clients_for_thirty_places_thirty_get_one(session):
    outcomes = race([attempt(session, n) for n in range(RACERS)], losing=(SessionFull,))
    assert outcomes == Counter({"booked": 30, "taken": RACERS - 30})
    assert session.places.count() == 30
