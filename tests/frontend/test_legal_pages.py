"""Imprint, privacy notice and accessibility statement: filled from the offices, linked from every page."""

import pytest
from django.test import Client

from tests.factories import InterpreterFactory, OfficeFactory, UserFactory
from tests.frontend.conftest import FIRST_SLOT
from tests.isolates import unisolated

pytestmark = pytest.mark.django_db

BERLIN_MITTE = {
    "name": "Jobcenter Berlin Mitte",
    "address": "Seydelstraße 2–5\n10117 Berlin",
    "email": "jobcenter-berlin-mitte@jobcenter-ge.de",
    "phone": "030 5555 1234",
    "represented_by": "Frau Dr. Beispiel, Geschäftsführerin",
    "data_protection_officer": "Datenschutzbeauftragte des Jobcenters, Seydelstraße 2–5, 10117 Berlin",
    "supervisory_authority": "Die Bundesbeauftragte für den Datenschutz und die Informationsfreiheit, Bonn",
    "accessibility_enforcement_body": "Landesbeauftragte für digitale Barrierefreiheit Berlin",
    "retention_days": 180,
}


@pytest.fixture
def offices():
    return OfficeFactory(**BERLIN_MITTE), OfficeFactory(name="Jobcenter Kassel", retention_days=1)


def test_the_imprint_names_each_office_with_address_representative_and_contact(client, offices):
    page = client.get("/impressum/").text
    assert "§ 5 Digitale-Dienste-Gesetz" in page
    for value in ("name", "represented_by", "email", "phone"):
        assert BERLIN_MITTE[value] in page
    assert "Seydelstraße 2–5\n10117 Berlin" in page
    assert "Jobcenter Kassel" in page


def test_the_privacy_notice_gives_each_office_its_own_retention_and_authority(client, offices, settings):
    settings.SMS_BACKEND = "appointments.providers.sms.ConsoleBackend"
    settings.VOICE_BACKEND = "appointments.providers.voice.ConsoleBackend"
    page = client.get("/datenschutz/").text
    assert "Art. 6 Abs. 1 Buchst. e DSGVO in Verbindung mit § 50 SGB II" in page
    assert "180 Tage nach Ihrem letzten Termin" in page
    assert "1 Tag nach Ihrem letzten Termin" in page
    assert "nach 30 Tagen gelöscht" in page  # the worker blanks message texts after 30 days
    assert "nach 1 Tag gelöscht" in page  # unless the office keeps nothing that long
    assert "nach 24 Stunden gelöscht" in page
    assert BERLIN_MITTE["data_protection_officer"] in page
    assert BERLIN_MITTE["supervisory_authority"] in page
    assert "Art. 77 DSGVO" in page
    assert "Dolmetscher" in page
    assert "Twilio" not in page


def test_with_twilio_the_notice_names_it_as_processor_and_the_transfer_to_the_usa(client, offices, settings):
    settings.SMS_BACKEND = "appointments.providers.sms.TwilioBackend"
    page = client.get("/datenschutz/").text
    assert "Twilio Ireland Limited" in page
    assert "Art. 28 DSGVO" in page
    assert "EU-US Data Privacy Framework" in page
    assert "Standardvertragsklauseln" in page


def test_the_accessibility_statement_has_easy_language_sign_language_and_the_enforcement_bodies(
    client, offices
):
    page = client.get("/barrierefreiheit/").text
    assert "In Leichter Sprache" in page
    assert "Deutsche Gebärdensprache (DGS)" in page
    assert "§ 16 Behindertengleichstellungsgesetz" in page
    assert BERLIN_MITTE["accessibility_enforcement_body"] in page


def test_the_details_step_gives_the_short_notice_with_a_link(client, now, caseworker, topic):
    client.post("/", {"topic": topic.slug})
    client.post("/termin/art/", {"mode": "video"})
    client.post("/termin/sprache/", {"language": "de"})
    client.post("/termin/zeit/", {"start": FIRST_SLOT})
    page = client.get("/termin/angaben/").text
    assert f"und löscht sie {topic.office.retention_days} Tage danach" in page
    assert 'href="/datenschutz/"' in page


@pytest.mark.parametrize("url", ["/", "/konto/login/", "/impressum/", "/datenschutz/"])
def test_every_public_footer_links_the_legal_pages(client, url):
    page = client.get(url).text
    for link in ("/impressum/", "/datenschutz/", "/barrierefreiheit/"):
        assert f'href="{link}"' in page


def test_staff_and_interpreter_footers_link_them_too(client, caseworker):
    client.force_login(caseworker.user)
    assert 'href="/datenschutz/"' in client.get("/fachkraft/", follow=True).text
    interpreter = Client()
    interpreter.force_login(InterpreterFactory(user=UserFactory()).user)
    assert 'href="/impressum/"' in interpreter.get("/dolmetschen/").text


@pytest.mark.parametrize("url", ["/impressum/", "/datenschutz/", "/barrierefreiheit/"])
def test_in_arabic_numbers_and_addresses_are_isolated(offices, url):
    page = Client(headers={"accept-language": "ar"}).get(url).text
    assert '<html lang="ar" dir="rtl"' in page
    assert unisolated(page) == []
