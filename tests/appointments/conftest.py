"""An office with one topic and a caseworker with weekday hours, for the domain tests."""

import pytest

from tests.factories import CaseworkerFactory, OfficeFactory, TopicFactory, week_of_hours


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
