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
    ("before", "after", "allowed"),
    [
        (Status.OPEN, Status.ACCEPTED, True),
        (Status.ESCALATED, Status.FALLBACK, True),
        (Status.ACCEPTED, Status.OPEN, True),
        (Status.FALLBACK, Status.CANCELLED, True),
        (Status.CANCELLED, Status.OPEN, False),
        (Status.FALLBACK, Status.ACCEPTED, False),
        (Status.ACCEPTED, Status.ESCALATED, False),
        (Status.ESCALATED, Status.ESCALATED, False),
    ],
)
def test_a_move_is_made_only_if_the_table_allows_it(before, after, allowed):
    interpreter_request = InterpreterRequest(status=before)
    if allowed:
        interpreter_request.move_to(after)
    else:
        with pytest.raises(NotAllowed):
            interpreter_request.move_to(after)
    assert interpreter_request.status == (after if allowed else before)


def test_the_call_status_is_one_of_the_fields_choices():
    assert Appointment._meta.get_field("call_status").choices == CallStatus.choices


def refused(write) -> tuple[bool, bool]:
    """Which overlap the database named in refusing `write`: (the interpreter's, the caseworker's)."""
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        write()
    return is_overlap(refusal.value, INTERPRETER_OVERLAP), is_overlap(refusal.value, APPOINTMENT_OVERLAP)


@pytest.mark.postgres
def test_an_interpreter_in_two_places_is_the_interpreter_overlap():
    topic = TopicFactory()
    interpreter = InterpreterFactory(languages=["ar"])
    first = AppointmentFactory(topic=topic, start=START)
    InterpreterRequestFactory(appointment=first, status=Status.ACCEPTED, interpreter=interpreter)
    # Another caseworker's appointment, so only the interpreter's constraint can object.
    later = AppointmentFactory(topic=topic, start=START + timedelta(minutes=15))
    assert refused(
        lambda: InterpreterRequestFactory(appointment=later, status=Status.ACCEPTED, interpreter=interpreter)
    ) == (True, False)


@pytest.mark.postgres
def test_a_caseworker_in_two_places_is_the_appointment_overlap():
    first = AppointmentFactory(start=START)
    assert refused(
        lambda: AppointmentFactory(
            topic=first.topic, caseworker=first.caseworker, start=START + timedelta(minutes=15)
        )
    ) == (False, True)


@pytest.mark.postgres
def test_another_refusal_is_no_overlap():
    first = AppointmentFactory(start=START)

    def same_code_tomorrow():
        AppointmentFactory(topic=first.topic, reference=first.reference, start=START + timedelta(days=1))

    assert refused(same_code_tomorrow) == (False, False)
