"""The start page: bookable topics as the first question, the language switch, German by default."""

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
    assert '<html lang="de" dir="ltr"' in client.get("/").text
    assert '<html lang="en" dir="ltr"' in client.get("/", headers={"accept-language": "en"}).text


def test_language_switch_names_each_language_in_its_own_script(client):
    page = client.get("/").text
    for name in ("Deutsch", "English", "Türkçe", "العربيّة", "Українська", "Русский"):
        assert name in page
    assert 'lang="ar" dir="rtl"' in page


def test_switching_to_arabic_gives_a_right_to_left_page_in_arabic(client):
    answer = client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    assert answer.status_code == 302
    page = client.get("/").text
    assert '<html lang="ar" dir="rtl"' in page
    assert "احجز موعدًا" in page


def test_choosing_no_topic_shows_the_error_next_to_the_question(client):
    TopicFactory()
    page = client.post("/", {})
    assert page.status_code == 200
    assert 'id="topic-error"' in page.text
    assert "Bitte wählen Sie ein Thema." in page.text


def test_accessibility_statement_has_a_way_to_report_a_barrier(client):
    page = client.get("/barrierefreiheit/").text
    assert "Erklärung zur Barrierefreiheit" in page
    assert "mailto:" in page
