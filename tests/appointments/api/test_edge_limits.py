"""The API's share of the public edge's limits: calling codes, the office's SMS budget (by the topic
given), the cap on a client's upcoming bookings and bookings per address a day (staff exempt)."""

from datetime import time

import pytest

from appointments.models import Appointment, PhoneVerification
from tests.appointments.api.conftest import booking_body, with_client
from tests.factories import CaseworkerFactory
from tests.scenario import TUESDAY, iso

pytestmark = pytest.mark.django_db


def test_a_code_to_another_country_is_a_400_naming_what_is_accepted(request_code, sms_outbox, db):
    response = request_code("+44 7400 123456")

    assert response.status_code == 400
    assert response.json() == {"phone": ["Wir können SMS nur an Handynummern senden, die mit +49 beginnen."]}
    assert sms_outbox == []


def test_the_topics_office_may_accept_more_calling_codes(request_code, office, topic, sms_outbox):
    office.extra_calling_codes = "+44"
    office.save()

    assert request_code("+44 7400 123456", topic=topic.slug).status_code == 201
    assert request_code("+44 7400 123457").status_code == 400
    assert len(sms_outbox) == 1


def test_when_the_offices_budget_is_spent_the_answer_asks_to_call(request_code, office, topic, sms_outbox):
    office.sms_codes_per_day = 1
    office.phone = "0611 123 4567"
    office.save()
    assert request_code("0151 23456780", topic=topic.slug).status_code == 201

    response = request_code("0151 23456781", topic=topic.slug)

    assert response.status_code == 429
    assert response.json() == {
        "detail": "Wir können heute keine SMS-Codes mehr senden. Bitte rufen Sie uns an: 0611 123 4567.",
        "field": "phone",
    }
    assert len(sms_outbox) == 1
    assert PhoneVerification.objects.count() == 1


def test_a_booking_for_a_number_of_another_country_is_a_400(api, topic, caseworker):
    body = with_client(booking_body(topic), phone="+44 7400 123456")

    response = api.post("/api/v1/bookings/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["client"]) == ["phone"]


class TestUpcomingCap:
    def test_the_third_upcoming_booking_of_one_number_is_a_409(self, api, topic, caseworker):
        for hour in (9, 10):
            assert (
                api.post(
                    "/api/v1/bookings/", booking_body(topic, start=iso(TUESDAY, time(hour))), format="json"
                ).status_code
                == 201
            )

        response = api.post(
            "/api/v1/bookings/", booking_body(topic, start=iso(TUESDAY, "11:00")), format="json"
        )

        assert response.status_code == 409
        assert response.json()["field"] == "client.phone"
        assert "Sie haben schon 2 anstehende Termine." in response.json()["detail"]
        assert Appointment.objects.count() == 2

    def test_a_caseworker_may_book_beyond_it(self, api, topic, caseworker):
        api.force_login(CaseworkerFactory(office=topic.office).user)
        for hour in (9, 10, 11):
            assert (
                api.post(
                    "/api/v1/bookings/", booking_body(topic, start=iso(TUESDAY, time(hour))), format="json"
                ).status_code
                == 201
            )


class TestBookingsPerAddressADay:
    @pytest.fixture(autouse=True)
    def one_a_day(self, settings):
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "booking-day": "1/day"}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    def test_the_second_booking_from_one_address_is_a_429(self, api, topic, caseworker):
        assert api.post("/api/v1/bookings/", booking_body(topic), format="json").status_code == 201
        body = with_client(booking_body(topic, start=iso(TUESDAY, "10:00")), phone="0151 23456780")

        assert api.post("/api/v1/bookings/", body, format="json").status_code == 429
        assert api.post("/api/v1/bookings/", body, format="json", REMOTE_ADDR="192.0.2.7").status_code == 201

    def test_staff_are_not_counted(self, api, topic, caseworker):
        api.force_login(CaseworkerFactory(office=topic.office).user)
        for hour in (9, 10):
            assert (
                api.post(
                    "/api/v1/bookings/", booking_body(topic, start=iso(TUESDAY, time(hour))), format="json"
                ).status_code
                == 201
            )


def test_the_api_counts_an_ipv6_address_per_64(api, settings, db):
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "verification": "1/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    post = api.post

    def ask(peer, phone):
        return post("/api/v1/phone-verifications/", {"phone": phone}, format="json", REMOTE_ADDR=peer)

    assert ask("2001:db8:1:2::10", "0151 23456780").status_code == 201
    assert ask("2001:db8:1:2:ffff::77", "0151 23456781").status_code == 429
    assert ask("2001:db8:1:3::10", "0151 23456781").status_code == 201
