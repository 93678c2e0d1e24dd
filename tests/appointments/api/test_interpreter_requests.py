"""The interpreter API: only interpreters, only their offers and jobs, least client data."""

import pytest
from rest_framework.test import APIClient

from appointments.services.booking import ClientDetails, book_appointment
from tests.factories import InterpreterFactory, UserFactory
from tests.scenario import THURSDAY_9

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]


def interpreter_client(languages=("ar",)):
    person = InterpreterFactory(user=UserFactory(), languages=languages)
    api = APIClient()
    api.force_authenticate(person.user)
    return person, api


@pytest.fixture
def request_id(topic):
    appointment = book_appointment(
        topic=topic,
        mode="video",
        start=THURSDAY_9,
        client=ClientDetails(
            name="Aylin Demir", phone="0151 23456789", email="a@example.org", customer_number="K-1"
        ),
        interpreter_language="ar",
    ).appointment
    return appointment.interpreter_request.pk


def test_offers_show_time_mode_and_language_but_nothing_of_the_client(request_id):
    _person, api = interpreter_client()
    response = api.get("/api/v1/interpreter-requests/")
    assert response.status_code == 200
    [offer] = response.json()
    assert offer == {
        "id": request_id,
        "language": "ar",
        "status": "open",
        "start": "2026-12-03T09:00:00+01:00",
        "end": "2026-12-03T09:30:00+01:00",
        "mode": "video",
        "duration_minutes": 30,
        "client": None,
    }
    assert "Demir" not in response.content.decode()


def test_accept_then_others_get_409_and_the_job_shows_the_first_name_only(request_id):
    _first, api = interpreter_client()
    _second, other = interpreter_client()
    accepted = api.post(f"/api/v1/interpreter-requests/{request_id}/accept/")
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    late = other.post(f"/api/v1/interpreter-requests/{request_id}/accept/")
    assert late.status_code == 409
    jobs = api.get("/api/v1/interpreter-requests/assignments/").json()
    assert [(job["id"], job["client"]) for job in jobs] == [(request_id, "Aylin")]
    body = api.get("/api/v1/interpreter-requests/assignments/").content.decode()
    for private in ("Demir", "23456789", "a@example.org", "K-1", "Topic"):
        assert private not in body


def test_another_interpreter_cannot_touch_my_job(request_id):
    _mine, api = interpreter_client()
    _turkish, stranger = interpreter_client(languages=("tr",))
    api.post(f"/api/v1/interpreter-requests/{request_id}/accept/")
    for action in ("accept", "decline", "withdraw"):
        assert stranger.post(f"/api/v1/interpreter-requests/{request_id}/{action}/").status_code == 404
    assert stranger.get("/api/v1/interpreter-requests/assignments/").json() == []


def test_decline_and_withdraw(request_id):
    _first, api = interpreter_client()
    _second, other = interpreter_client()
    assert (
        other.post(
            f"/api/v1/interpreter-requests/{request_id}/decline/", {"reason": "busy"}, format="json"
        ).status_code
        == 204
    )
    assert other.get("/api/v1/interpreter-requests/").json() == []
    api.post(f"/api/v1/interpreter-requests/{request_id}/accept/")
    withdrawn = api.post(
        f"/api/v1/interpreter-requests/{request_id}/withdraw/", {"reason": "ill"}, format="json"
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "open"


def test_only_interpreters(request_id, caseworker):
    anonymous = APIClient()
    assert anonymous.get("/api/v1/interpreter-requests/").status_code in (401, 403)
    staff = APIClient()
    staff.force_authenticate(caseworker.user)
    assert staff.get("/api/v1/interpreter-requests/").status_code == 404
    assert staff.post(f"/api/v1/interpreter-requests/{request_id}/accept/").status_code == 404


def test_figures_for_coordinators_only(request_id, caseworker):
    api = APIClient()
    api.force_authenticate(caseworker.user)
    assert api.get("/api/v1/interpreter-figures/?month=2026-11").status_code == 404
    caseworker.is_coordinator = True
    caseworker.save()
    response = api.get("/api/v1/interpreter-figures/?month=2026-11")
    assert response.status_code == 200
    assert response.json() == [
        {
            "language": "ar",
            "requests": 1,
            "filled": 0,
            "filled_in_time": 0,
            "fallbacks": 0,
            "median_minutes_to_accept": None,
        }
    ]
    assert api.get("/api/v1/interpreter-figures/?month=nope").status_code == 400


def test_calendar_download_with_the_manage_token(topic):
    booking = book_appointment(
        topic=topic,
        mode="video",
        start=THURSDAY_9,
        client=ClientDetails(name="Aylin Demir", phone="0170 1234567"),
    )
    api = APIClient()
    url = f"/api/v1/bookings/{booking.appointment.reference}/calendar.ics"
    assert api.get(url).status_code == 404
    assert api.get(url, {"token": "wrong"}).status_code == 404
    response = api.get(url, {"token": booking.manage_token})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; method=REQUEST"
    assert b"METHOD:REQUEST" in response.content
    assert booking.manage_token.encode() in response.content
