"""The start page: bookable topics, in German by default."""

import pytest

from tests.factories import TopicFactory

pytestmark = pytest.mark.django_db


def test_lists_bookable_topics_only(client):
    TopicFactory(name="Fragen zum Bürgergeld")
    TopicFactory(name="Alt", active=False)
    page = client.get("/")
    assert page.status_code == 200
    assert "Fragen zum Bürgergeld" in page.text
    assert "Alt" not in page.text


def test_german_by_default_and_english_on_request(client):
    assert '<html lang="de"' in client.get("/").text
    assert '<html lang="en"' in client.get("/", headers={"accept-language": "en"}).text
