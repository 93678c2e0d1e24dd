"""Rate limits per caller on booking and on phone verification: the next request is a JSON 429."""

from datetime import time

import pytest

from tests.appointments.api.conftest import booking_body, with_client
from tests.scenario import TUESDAY, iso

pytestmark = pytest.mark.django_db


def rates(settings, rate: str) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            **dict.fromkeys(("booking", "verification", "slots", "manage"), rate),
        },
    }


@pytest.fixture
def low_rates(settings):
    """Two requests an hour in every scope."""
    rates(settings, "2/hour")


def phone(number: int) -> str:
    return f"0151 2345678{number}"


@pytest.mark.usefixtures("low_rates", "caseworker")
class TestBooking:
    def test_the_third_booking_in_an_hour_is_429_with_detail(self, api, topic):
        for number, hour in ((1, 9), (2, 10)):
            body = with_client(booking_body(topic, start=iso(TUESDAY, time(hour))), phone=phone(number))
            assert api.post("/api/v1/bookings/", body, format="json").status_code == 201

        body = with_client(booking_body(topic, start=iso(TUESDAY, "11:00")), phone=phone(3))
        response = api.post("/api/v1/bookings/", body, format="json")

        assert response.status_code == 429
        assert list(response.json()) == ["detail"]
        assert int(response.headers["Retry-After"]) > 0

    def test_refused_bookings_count_too(self, api, topic):
        for _attempt in range(2):
            assert api.post("/api/v1/bookings/", {}, format="json").status_code == 400

        response = api.post("/api/v1/bookings/", booking_body(topic), format="json")

        assert response.status_code == 429

    def test_another_caller_is_not_held_back(self, api, topic):
        for _attempt in range(3):
            api.post("/api/v1/bookings/", {}, format="json")

        response = api.post("/api/v1/bookings/", booking_body(topic), format="json", REMOTE_ADDR="192.0.2.7")

        assert response.status_code == 201

    def test_the_limit_is_lifted_after_the_hour(self, api, now, topic):
        for _attempt in range(3):
            api.post("/api/v1/bookings/", {}, format="json")
        now.shift(3601)

        assert api.post("/api/v1/bookings/", booking_body(topic), format="json").status_code == 201


@pytest.mark.usefixtures("low_rates")
class TestVerification:
    def test_the_third_code_request_in_an_hour_is_429_with_detail(self, request_code, sms_outbox):
        assert request_code(phone(1)).status_code == 201
        assert request_code(phone(2)).status_code == 201

        response = request_code(phone(3))

        assert response.status_code == 429
        assert list(response.json()) == ["detail"]
        assert len(sms_outbox) == 2

    def test_guessing_codes_is_limited_too(self, api, request_code):
        verification_id = request_code().json()["id"]
        confirm = f"/api/v1/phone-verifications/{verification_id}/confirm/"
        assert api.post(confirm, {"code": "000000"}, format="json").status_code == 400

        response = api.post(confirm, {"code": "000000"}, format="json")

        assert response.status_code == 429
        assert list(response.json()) == ["detail"]


def test_a_changed_rate_applies_at_once(settings, request_code):
    # DRF's own throttle keeps the rates it saw when first imported; ours reads the settings.
    rates(settings, "1/hour")
    assert request_code(phone(1)).status_code == 201
    assert request_code(phone(2)).status_code == 429

    rates(settings, "100/hour")

    assert request_code(phone(3)).status_code == 201
