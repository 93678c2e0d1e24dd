"""One JSON error shape, in the caller's language; never an HTML page, not even on a crash."""

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from appointments.exceptions import SlotTaken
from tests.appointments.api.conftest import booking_body, with_client

pytestmark = pytest.mark.django_db

with translation.override("en"):
    TAKEN_EN = str(SlotTaken.default_message)


@pytest.fixture
def taken(api, topic, book):
    """Book Tuesday 09:00, and return a function that tries to book it again in a language."""
    assert book().status_code == 201
    body = with_client(booking_body(topic), phone="0160 98765432")

    def again(**headers):
        return api.post("/api/v1/bookings/", body, format="json", **headers)

    return again


class TestLanguage:
    def test_a_conflict_is_explained_in_english_when_asked(self, taken):
        response = taken(HTTP_ACCEPT_LANGUAGE="en")

        assert response.status_code == 409
        assert response.json()["detail"] == TAKEN_EN
        assert response.headers["Content-Language"] == "en"

    def test_a_conflict_answers_in_german_by_default(self, taken):
        response = taken()

        assert response.status_code == 409
        assert response.json()["detail"]
        assert response.headers["Content-Language"] == "de"

    def test_the_german_conflict_message_differs_from_the_english(self, taken):
        german = taken(HTTP_ACCEPT_LANGUAGE="de").json()["detail"]

        assert german != TAKEN_EN

    def test_a_field_error_is_explained_in_english_when_asked(self, api, topic, caseworker):
        body = with_client(booking_body(topic), phone="12345")

        response = api.post("/api/v1/bookings/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")

        assert response.json() == {
            "client": {
                "phone": [
                    "Please enter a valid mobile number, for example 0151 23456789 or +49 151 23456789."
                ]
            }
        }

    def test_a_field_error_has_its_field_in_german(self, api, topic, caseworker):
        body = with_client(booking_body(topic), phone="12345")

        response = api.post("/api/v1/bookings/", body, format="json", HTTP_ACCEPT_LANGUAGE="de")

        assert response.status_code == 400
        assert response.json()["client"]["phone"][0]

    @pytest.mark.usefixtures("verifying_office", "caseworker")
    def test_a_verification_error_is_explained_in_english_when_asked(self, api, topic):
        body = booking_body(topic, verification_token="wrong")

        response = api.post("/api/v1/bookings/", body, format="json", HTTP_ACCEPT_LANGUAGE="en")

        assert response.json() == {
            "verification_token": ["Please confirm your mobile number with the SMS code first."]
        }

    def test_a_missing_field_is_explained_in_german_by_default(self, api, db):
        # DRF brings its own German; our own texts follow once the catalogue is compiled.
        response = api.post("/api/v1/bookings/", {}, format="json")

        assert response.json()["topic"] == ["Dieses Feld ist zwingend erforderlich."]

    def test_not_found_is_explained_in_english_when_asked(self, api, db):
        response = api.get("/api/v1/bookings/XXXXXXXX/", HTTP_ACCEPT_LANGUAGE="en")

        assert response.json() == {"detail": "Not found."}


class TestNeverHtml:
    def test_an_unexpected_error_is_a_json_500(self, topic, monkeypatch, now):
        def crash(**kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr("appointments.api.views.free_slots", crash)
        client = APIClient(raise_request_exception=False)

        response = client.get("/api/v1/slots/", {"topic": topic.slug})

        assert response.status_code == 500
        assert response.headers["Content-Type"] == "application/json"
        assert list(response.json()) == ["detail"]
        assert "boom" not in response.content.decode()

    def test_an_unexpected_error_while_booking_is_a_json_500(self, topic, caseworker, monkeypatch, now):
        def crash(**kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr("appointments.api.views.book_appointment", crash)
        client = APIClient(raise_request_exception=False)

        response = client.post("/api/v1/bookings/", booking_body(topic), format="json")

        assert response.status_code == 500
        assert list(response.json()) == ["detail"]

    @pytest.mark.parametrize(
        "path", ["/api/v1/nothing-here/", "/api/v1/phone-verifications/not-a-uuid/confirm/", "/api/v1/"]
    )
    def test_an_unknown_api_address_is_a_json_404(self, api, path):
        response = api.get(path)

        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/json"
        assert list(response.json()) == ["detail"]

    def test_a_post_to_an_unknown_api_address_is_a_json_404(self, db):
        client = APIClient(enforce_csrf_checks=True)

        response = client.post("/api/v1/nothing-here/", {}, format="json")

        assert response.status_code == 404
        assert list(response.json()) == ["detail"]

    def test_a_wrong_method_is_a_json_405(self, api, db):
        response = api.delete("/api/v1/topics/")

        assert response.status_code == 405
        assert list(response.json()) == ["detail"]

    def test_an_address_without_its_slash_still_redirects(self, api, db):
        response = api.get("/api/v1/topics")

        assert response.status_code == 301
        assert response.headers["Location"] == "/api/v1/topics/"
