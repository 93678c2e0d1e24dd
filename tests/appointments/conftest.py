"""A frozen Monday morning and an office with one topic, for the service tests."""

from datetime import UTC, datetime

import pytest

from tests.factories import CaseworkerFactory, OfficeFactory, TopicFactory, week_of_hours

# Monday 30 November 2026, 07:00 in Berlin.
MONDAY_MORNING = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(MONDAY_MORNING, tick=False)
    return MONDAY_MORNING


@pytest.fixture
def office(db):
    return OfficeFactory()


@pytest.fixture
def topic(office):
    return TopicFactory(office=office)


@pytest.fixture
def caseworker(topic):
    worker = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(worker)
    return worker
