"""GET /api/v1/topics/: the bookable topics with their duration and modes."""

from datetime import timedelta

import pytest

from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


def test_lists_a_topic_with_duration_modes_and_office(api, topic):
    response = api.get("/api/v1/topics/")

    assert response.status_code == 200
    assert response.json() == [
        {
            "slug": "leistungen",
            "name": "Leistungen",
            "description": "",
            "duration_minutes": 30,
            "modes": ["telephone", "video"],
            "office": topic.office.slug,
        }
    ]


def test_leaves_out_inactive_topics(api, topic):
    TopicFactory(office=topic.office, slug="retired", active=False)

    slugs = [entry["slug"] for entry in api.get("/api/v1/topics/").json()]

    assert slugs == ["leistungen"]


def test_orders_topics_by_position_then_name(api, office):
    TopicFactory(office=office, slug="b", name="Beta", position=1)
    TopicFactory(office=office, slug="a", name="Alpha", position=1)
    TopicFactory(office=office, slug="first", name="Zeta", position=0)

    slugs = [entry["slug"] for entry in api.get("/api/v1/topics/").json()]

    assert slugs == ["first", "a", "b"]


def test_duration_is_given_in_minutes(api, office):
    TopicFactory(office=office, duration=timedelta(minutes=45))

    assert api.get("/api/v1/topics/").json()[0]["duration_minutes"] == 45
