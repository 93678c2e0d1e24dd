"""Finding a client who phones: by mobile number however typed, by customer number, only one's own."""

from datetime import timedelta

import pytest

from appointments.services.clients import customer_number_key, find_clients_by_number
from tests.factories import (
    CaseworkerFactory,
    ClientFactory,
    OfficeFactory,
    TopicFactory,
    UserFactory,
    week_of_hours,
)
from tests.scenario import MONDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


def caseworker_of(topic, **fields):
    worker = CaseworkerFactory(office=topic.office, topics=[topic], **fields)
    week_of_hours(worker)
    return worker


@pytest.fixture
def topic(db):
    return TopicFactory(office=OfficeFactory())


@pytest.fixture
def caseworker(topic):
    return caseworker_of(topic)


@pytest.mark.parametrize(
    "typed",
    ["0151 2345 6789", "+4915123456789", "0049 151 23456789", "(0151) 234-56789", " 015123456789 "],
)
def test_finds_a_client_by_mobile_number_however_typed(topic, caseworker, typed):
    aylin = book(
        topic, MONDAY_9, caseworker=caseworker, booked_by=caseworker.user, mode="telephone"
    ).appointment.client

    assert find_clients_by_number(typed, viewer=caseworker.user) == [aylin]


@pytest.mark.parametrize("typed", ["123D456789", "123d 456 789", "123-D-456789", " 123D456789"])
def test_finds_a_client_by_customer_number(topic, caseworker, typed):
    aylin = book(
        topic,
        MONDAY_9,
        caseworker=caseworker,
        booked_by=caseworker.user,
        mode="telephone",
        customer_number="123D 456789",
    ).appointment.client

    assert find_clients_by_number(typed, viewer=caseworker.user) == [aylin]


def test_matches_whole_numbers_only(topic, caseworker):
    book(
        topic,
        MONDAY_9,
        caseworker=caseworker,
        booked_by=caseworker.user,
        mode="telephone",
        customer_number="123D456789",
    )

    assert find_clients_by_number("0151 2345", viewer=caseworker.user) == []
    assert find_clients_by_number("123D", viewer=caseworker.user) == []
    assert find_clients_by_number("  ", viewer=caseworker.user) == []
    assert find_clients_by_number("--", viewer=caseworker.user) == []


def test_a_caseworker_finds_only_clients_with_an_appointment_with_them(topic, caseworker):
    colleague = caseworker_of(topic)
    book(
        topic,
        MONDAY_9,
        caseworker=colleague,
        booked_by=colleague.user,
        mode="telephone",
        customer_number="K-1",
    )
    ClientFactory(phone="+4915199990000", customer_number="K-2")  # no appointment at all

    assert find_clients_by_number("0151 23456789", viewer=caseworker.user) == []
    assert find_clients_by_number("K-1", viewer=caseworker.user) == []
    assert find_clients_by_number("015199990000", viewer=caseworker.user) == []
    assert len(find_clients_by_number("K-1", viewer=colleague.user)) == 1


def test_a_coordinator_finds_the_office_clients_but_not_another_office(topic, caseworker):
    coordinator = CaseworkerFactory(office=topic.office, is_coordinator=True)
    other_topic = TopicFactory(office=OfficeFactory())
    elsewhere = caseworker_of(other_topic)
    ours = book(
        topic, MONDAY_9, caseworker=caseworker, booked_by=caseworker.user, mode="telephone"
    ).appointment.client
    book(
        other_topic,
        MONDAY_9 + timedelta(days=1),
        caseworker=elsewhere,
        booked_by=elsewhere.user,
        mode="telephone",
        phone="0151 23450002",
    )

    assert find_clients_by_number("0151 23456789", viewer=coordinator.user) == [ours]
    assert find_clients_by_number("0151 23450002", viewer=coordinator.user) == []
    assert len(find_clients_by_number("0151 23450002", viewer=UserFactory(is_superuser=True))) == 1


def test_nobody_else_finds_anybody(topic, caseworker):
    book(topic, MONDAY_9, caseworker=caseworker, booked_by=caseworker.user, mode="telephone")
    inactive = caseworker_of(topic, active=False)

    assert find_clients_by_number("0151 23456789", viewer=UserFactory()) == []
    assert find_clients_by_number("0151 23456789", viewer=inactive.user) == []


def test_customer_number_key():
    assert customer_number_key(" 123d-456/78.9 ") == "123D456789"
