"""First accept wins, for real: many interpreters accept one request at once on PostgreSQL."""

from collections import Counter
from datetime import timedelta

import pytest

from appointments.exceptions import NotAllowed, NotFound
from appointments.models import InterpreterRequest
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.interpreter_offers import AlreadyTaken, accept_interpreter_request
from tests.appointments.services.test_booking_race import race
from tests.factories import CaseworkerFactory, InterpreterFactory, week_of_hours
from tests.scenario import THURSDAY_9

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

RACERS = 24


def arabic_interpreters(count):
    return [InterpreterFactory(languages=["ar"]) for _ in range(count)]


def request_at(topic, start, phone):
    appointment = book_appointment(
        topic=topic,
        mode="video",
        start=start,
        client=ClientDetails(name="Aylin Demir", phone=phone),
        interpreter_language="ar",
    ).appointment
    return appointment.interpreter_request.pk


def test_many_interpreters_one_request_one_assignment(topic, caseworker):
    people = arabic_interpreters(RACERS)
    request_id = request_at(topic, THURSDAY_9, "0151 23456789")

    outcomes = race(
        [
            lambda person=person: accept_interpreter_request(request_id=request_id, interpreter=person)
            for person in people
        ],
        losing=(AlreadyTaken,),
    )
    assert outcomes == Counter({"booked": 1, "taken": RACERS - 1})
    request = InterpreterRequest.objects.get(pk=request_id)
    assert request.status == InterpreterRequest.Status.ACCEPTED
    assert request.interpreter in people


def test_one_interpreter_cannot_take_two_overlapping_jobs_at_once(topic, caseworker):
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(colleague)
    [person] = arabic_interpreters(1)
    first = request_at(topic, THURSDAY_9, "0151 23456789")
    second = request_at(topic, THURSDAY_9 + timedelta(minutes=15), "0170 1234567")
    # The loser is refused by the exclusion constraint, or, if it came late, no longer offered the job.
    results = race(
        [lambda r=r: accept_interpreter_request(request_id=r, interpreter=person) for r in (first, second)],
        losing=(NotAllowed, NotFound),
    )
    assert results == Counter({"booked": 1, "taken": 1})
    assert InterpreterRequest.objects.filter(interpreter=person, status="accepted").count() == 1
