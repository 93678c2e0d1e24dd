"""The interpreter's page answers someone else's request with its 404, as the API does."""

from datetime import UTC, datetime

import pytest

from appointments.models import InterpreterRequest
from appointments.services.booking import ClientDetails, book_appointment
from tests.factories import InterpreterFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]

START = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)


def log_in(client, languages=("ar",)):
    person = InterpreterFactory(user=UserFactory(), languages=languages)
    client.force_login(person.user)
    return person


@pytest.fixture
def request_id(topic):
    appointment = book_appointment(
        topic=topic,
        mode="video",
        start=START,
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789"),
        interpreter_language="ar",
        booked_by=UserFactory(),
    ).appointment
    return appointment.interpreter_request.pk


@pytest.mark.parametrize("action", ["annehmen", "ablehnen", "zurueckgeben"])
def test_an_interpreter_of_another_language_finds_nothing(client, request_id, action):
    log_in(client, languages=("tr",))
    assert client.post(f"/dolmetschen/{request_id}/{action}/").status_code == 404
    assert InterpreterRequest.objects.get().status == "open"


def test_someone_elses_job_cannot_be_given_back(client, request_id):
    log_in(client)
    client.post(f"/dolmetschen/{request_id}/annehmen/")
    client.logout()
    log_in(client)
    assert client.post(f"/dolmetschen/{request_id}/zurueckgeben/").status_code == 404
    assert InterpreterRequest.objects.get().status == "accepted"
