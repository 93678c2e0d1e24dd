"""One door each: an interpreter request's status, the database's overlap refusals, a call's status."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from appointments.exceptions import NotAllowed
from appointments.models import Appointment, CallStatus, InterpreterRequest
from appointments.services.interpreter_matching import ACTIVE
from appointments.services.overlaps import APPOINTMENT_OVERLAP, INTERPRETER_OVERLAP, is_overlap
from tests.factories import AppointmentFactory, InterpreterFactory, InterpreterRequestFactory, TopicFactory

Status = InterpreterRequest.Status
START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def test_a_request_waits_for_an_interpreter_in_exactly_the_statuses_it_can_be_accepted_from():
    assert ACTIVE == InterpreterRequest.leading_to(Status.ACCEPTED) == {Status.OPEN, Status.ESCALATED}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Status.OPEN, Status.ACCEPTED),
        (Status.ESCALATED, Status.FALLBACK),
        (Status.ACCEPTED, Status.OPEN),
        (Status.FALLBACK, Status.CANCELLED),
    ],
)
def test_a_move_the_table_allows_is_made(before, after):
    interpreter_request = InterpreterRequest(status=before)
    interpreter_request.move_to(after)
    assert interpreter_request.status == after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (Status.CANCELLED, Status.OPEN),
        (Status.FALLBACK, Status.ACCEPTED),
        (Status.ACCEPTED, Status.ESCALATED),
        (Status.ESCALATED, Status.ESCALATED),
    ],
)
def test_any_other_move_is_refused(before, after):
    interpreter_request = InterpreterRequest(status=before)
    with pytest.raises(NotAllowed):
        interpreter_request.move_to(after)
    assert interpreter_request.status == before


def test_the_call_status_is_one_of_the_fields_choices():
    assert Appointment._meta.get_field("call_status").choices == CallStatus.choices


@pytest.mark.postgres
def test_an_interpreter_in_two_places_is_the_interpreter_overlap():
    topic = TopicFactory()
    interpreter = InterpreterFactory(languages=["ar"])
    first = AppointmentFactory(topic=topic, start=START)
    InterpreterRequestFactory(appointment=first, status=Status.ACCEPTED, interpreter=interpreter)
    # Another caseworker's appointment, so only the interpreter's constraint can object.
    later = AppointmentFactory(topic=topic, start=START + timedelta(minutes=15))
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        InterpreterRequestFactory(appointment=later, status=Status.ACCEPTED, interpreter=interpreter)
    assert is_overlap(refused.value, INTERPRETER_OVERLAP)
    assert not is_overlap(refused.value, APPOINTMENT_OVERLAP)


@pytest.mark.postgres
def test_a_caseworker_in_two_places_is_the_appointment_overlap():
    first = AppointmentFactory(start=START)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        AppointmentFactory(
            topic=first.topic, caseworker=first.caseworker, start=START + timedelta(minutes=15)
        )
    assert is_overlap(refused.value, APPOINTMENT_OVERLAP)
    assert not is_overlap(refused.value, INTERPRETER_OVERLAP)


@pytest.mark.postgres
def test_another_refusal_is_no_overlap():
    first = AppointmentFactory(start=START)
    with pytest.raises(IntegrityError) as refused, transaction.atomic():
        AppointmentFactory(topic=first.topic, reference=first.reference, start=START + timedelta(days=1))
    assert not is_overlap(refused.value, APPOINTMENT_OVERLAP)
