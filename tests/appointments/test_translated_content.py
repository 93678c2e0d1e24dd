"""Topic and office texts in the reader's language; German, marked lang="de", where not translated."""

import pytest
from django.contrib import admin
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation
from rest_framework.test import APIClient

from appointments.models import Topic
from appointments.services.content import localized
from appointments.services.outbox.compose import appointment_values
from tests.factories import TopicFactory, UserFactory
from tests.scenario import book

pytestmark = pytest.mark.django_db

ARABIC = "أسئلة حول إعانة المواطن"


@pytest.fixture
def topic():
    return TopicFactory(
        name="Fragen zum Bürgergeld",
        description="Antrag, Bescheid.",
        translations={"ar": {"name": ARABIC}, "en": {"name": "  "}},
    )


def test_a_translated_text_is_in_the_language_and_the_rest_is_german(topic):
    assert (str(localized(topic, "name", "ar")), localized(topic, "name", "ar").fell_back) == (ARABIC, False)
    assert (str(localized(topic, "description", "ar")), localized(topic, "description", "ar").fell_back) == (
        "Antrag, Bescheid.",
        True,
    )
    assert str(localized(topic, "name", "en")) == "Fragen zum Bürgergeld"  # a blank box is no translation
    assert str(localized(topic, "name", "de-x-ls")) == "Fragen zum Bürgergeld"  # Leichte Sprache: German
    assert str(localized(topic.office, "name", "ar")) == topic.office.name


def test_a_text_that_is_not_translated_cannot_be_asked_for(topic):
    with pytest.raises(ValueError, match="not translated"):
        localized(topic, "slug", "ar")


def test_the_start_page_names_the_topic_in_arabic_and_marks_german_descriptions(client, topic):
    page = client.get("/", headers={"accept-language": "ar"}).text
    assert f"<strong>{ARABIC}</strong>" in page
    assert '<span class="hint"><span lang="de">Antrag, Bescheid.</span></span>' in page


def test_the_german_start_page_marks_nothing(client, topic):
    page = client.get("/").text
    assert "<strong>Fragen zum Bürgergeld</strong>" in page
    assert 'lang="de">Fragen' not in page


def test_an_untranslated_topic_is_german_with_lang_de_on_an_english_page(client, topic):
    page = client.get("/", headers={"accept-language": "en"}).text
    assert '<strong><span lang="de">Fragen zum Bürgergeld</span></strong>' in page


def test_the_api_names_the_topic_in_the_requested_language(topic):
    api = APIClient()
    [arabic] = api.get("/api/v1/topics/", HTTP_ACCEPT_LANGUAGE="ar").json()
    [english] = api.get("/api/v1/topics/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (arabic["name"], arabic["description"]) == (ARABIC, "Antrag, Bescheid.")
    assert english["name"] == "Fragen zum Bürgergeld"


def admin_form(topic, **boxes):
    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    form_class = admin.site._registry[Topic].get_form(request, topic)
    data = {
        "office": topic.office_id,
        "slug": topic.slug,
        "name": topic.name,
        "description": topic.description,
        "duration": "00:30:00",
        "buffer_before": "0",
        "buffer_after": "0",
        "modes": topic.modes,
        "active": "on",
        "self_booking": "on",
        "position": 0,
        **boxes,
    }
    return form_class(data=data, instance=topic)


def test_the_admin_shows_and_saves_a_translation_per_language(topic):
    assert admin_form(topic).initial["name__ar"] == ARABIC
    form = admin_form(topic, name__ar="سؤال", description__tr="Başvuru", name__de_x_ls="Fragen zum Geld")
    assert form.is_valid(), form.errors
    form.save()
    topic.refresh_from_db()
    assert topic.translations == {
        "ar": {"name": "سؤال"},
        "tr": {"description": "Başvuru"},
        "de-x-ls": {"name": "Fragen zum Geld"},
    }
    assert topic.name == "Fragen zum Bürgergeld"  # German stays where it was


def test_the_admin_page_has_a_box_per_language_in_a_folded_section(client, topic):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/appointments/topic/{topic.pk}/change/").text
    for box in ("name__ar", "name__fa", "description__prs", "invitation_notice__de_x_ls"):
        assert f'name="{box}"' in page
    assert f'value="{ARABIC}"' in page


def test_a_notice_keeps_its_lines_and_marks_german(topic):
    topic.invitation_notice = "Erste Zeile\nZweite <b>Zeile</b>"
    with translation.override("ar"):
        shown = Template('{% load content %}{% localized topic "invitation_notice" %}').render(
            Context({"topic": topic})
        )
    assert shown == '<span lang="de">Erste Zeile<br>Zweite &lt;b&gt;Zeile&lt;/b&gt;</span>'


def test_messages_name_the_office_in_the_clients_language(topic, now, caseworker):
    topic.office.translations = {"ar": {"name": "مركز العمل"}}
    topic.office.save()
    appointment = book(topic, client_language="ar").appointment
    assert appointment_values(appointment, "ar", None)["office"] == "مركز العمل"
    assert appointment_values(appointment, "tr", None)["office"] == topic.office.name
