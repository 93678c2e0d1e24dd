"""An office whose one caseworker offers a topic by telephone and video (the frozen Monday is shared)."""

import pytest

from tests.factories import CaseworkerFactory, OfficeFactory, TopicFactory, week_of_hours

FIRST_SLOT = "2026-11-30T09:00:00+01:00"
PHONE = "0151 23456789"


@pytest.fixture
def office(db):
    return OfficeFactory(phone="0611 123 4567", require_phone_verification=True)


@pytest.fixture
def topic(office):
    return TopicFactory(office=office, slug="buergergeld", name="Fragen zum Bürgergeld")


@pytest.fixture
def caseworker(topic):
    worker = CaseworkerFactory(office=topic.office, topics=[topic], languages=["de", "ar"])
    week_of_hours(worker)
    return worker
