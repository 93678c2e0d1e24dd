"""A frozen Monday morning, an office with one topic and one caseworker, and small API helpers."""

import re

import pytest
import time_machine
from rest_framework.test import APIClient

from appointments.models import Appointment, Client, PhoneVerification
from tests.factories import CaseworkerFactory, OfficeFactory, TopicFactory, week_of_hours
from tests.scenario import MONDAY_MORNING, TUESDAY, iso

# Monday 30 November 2026, 07:00 in Berlin (UTC+1).

PHONE = "0151 23456789"
PHONE_E164 = "+4915123456789"


def booking_body(topic, /, **overrides) -> dict:
    """A valid booking request for Tuesday 09:00 by video; keyword arguments replace top-level fields."""
    body = {
        "topic": topic.slug,
        "mode": "video",
        "start": iso(TUESDAY, "09:00"),
        "language": "de",
        "interpreter_language": None,
        "client": {
            "name": "Aylin Demir",
            "phone": PHONE,
            "email": None,
            "customer_number": None,
            "sms_consent": True,
        },
    }
    body.update(overrides)
    return body


def with_client(body: dict, **client) -> dict:
    """The body with fields of its `client` replaced."""
    return {**body, "client": {**body["client"], **client}}


def rows() -> tuple[int, int, int]:
    """How many appointments, clients and used verification tokens exist: nothing may change on a 4xx."""
    return (
        Appointment.objects.count(),
        Client.objects.count(),
        PhoneVerification.objects.filter(used_at__isnull=False).count(),
    )


def code_from(sms) -> str:
    return re.search(r"\b(\d{6})\b", sms.body).group(1)


@pytest.fixture
def now():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def api(now):
    return APIClient()


@pytest.fixture
def office(db):
    return OfficeFactory()


@pytest.fixture
def topic(office):
    return TopicFactory(office=office, slug="leistungen", name="Leistungen")


@pytest.fixture
def caseworker(topic):
    worker = CaseworkerFactory(office=topic.office, topics=[topic], display_name="Frau Schmidt")
    week_of_hours(worker)
    return worker


@pytest.fixture
def verifying_office(office):
    office.require_phone_verification = True
    office.save(update_fields=["require_phone_verification"])
    return office


@pytest.fixture
def request_code(api, django_capture_on_commit_callbacks):
    """POST /phone-verifications/ and run what waits for the commit (the SMS goes then)."""

    def post(phone: str = PHONE, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/api/v1/phone-verifications/", {"phone": phone, **extra}, format="json")

    return post


@pytest.fixture
def verify(api, request_code, sms_outbox):
    """Confirm a number through the API and return its verification token."""

    def confirm(phone: str = PHONE) -> str:
        started = request_code(phone)
        assert started.status_code == 201, started.json()
        confirmed = api.post(
            f"/api/v1/phone-verifications/{started.json()['id']}/confirm/",
            {"code": code_from(sms_outbox[-1])},
            format="json",
        )
        assert confirmed.status_code == 200, confirmed.json()
        return confirmed.json()["verification_token"]

    return confirm


@pytest.fixture
def book(api, topic, caseworker):
    """Book through the API (Tuesday 09:00 by default) and return the response."""

    def post(**overrides):
        return api.post("/api/v1/bookings/", booking_body(topic, **overrides), format="json")

    return post


@pytest.fixture
def booking(book):
    """A booking made through the API: its response body, with `reference` and `manage_token`."""
    response = book()
    assert response.status_code == 201, response.json()
    return response.json()
