"""A caseworker links, reads and unlinks their own calendar themselves; a coordinator sees the office's."""

import pytest

from appointments.models import CalendarBusy, CalendarLink
from tests.appointments.services.test_own_calendars import WEEKLY, Served, calendar
from tests.factories import CaseworkerFactory, InterpreterFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

PAGE = "/fachkraft/mein-kalender/"
GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture
def served():
    running = Served()
    running.body = calendar(WEEKLY.replace("20261020T", "20261124T").replace("20261027T", "20261201T"))
    yield running
    running.server.shutdown()


def test_a_caseworker_links_reads_and_unlinks_their_calendar(client, caseworker, served):
    client.force_login(caseworker.user)
    assert client.get(PAGE).status_code == 200
    page = client.post(PAGE, {"kind": "ics", "url": served.url}, follow=True, **GERMAN)
    assert "Ihr Kalender wurde gelesen." in page.text
    link = CalendarLink.objects.get(caseworker=caseworker)
    assert link.last_read_at is not None
    assert CalendarBusy.objects.filter(caseworker=caseworker).exists()

    served.status = 503
    page = client.post(f"{PAGE}lesen/", follow=True, **GERMAN)
    assert "Ihr Kalender konnte nicht gelesen werden: HTTPError" in page.text
    assert "Letzter Fehler: HTTPError" in page.text

    page = client.post(f"{PAGE}entfernen/", follow=True, **GERMAN)
    assert "nicht mehr verknüpft" in page.text
    assert not CalendarLink.objects.exists()
    assert not CalendarBusy.objects.exists()


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://kalender.example.org/k.ics", "muss mit https:// beginnen"),
        ("https://10.0.0.5/k.ics", "privaten oder lokalen Netz"),
        ("https://169.254.169.254/latest/", "privaten oder lokalen Netz"),
        ("kein Kalender", "vollständige Adresse"),
    ],
)
def test_addresses_that_are_not_read_are_refused_in_german(client, caseworker, settings, url, error):
    settings.OWN_CALENDAR_ALLOW_HTTP = False
    settings.OWN_CALENDAR_ALLOWED_HOSTS = []
    client.force_login(caseworker.user)
    page = client.post(PAGE, {"kind": "ics", "url": url}, **GERMAN)
    assert page.status_code == 200
    assert error in page.text
    assert not CalendarLink.objects.exists()


def test_caldav_needs_user_and_password_and_never_shows_the_password(client, caseworker):
    client.force_login(caseworker.user)
    page = client.post(PAGE, {"kind": "caldav", "url": "http://127.0.0.1:9/dav/"}, **GERMAN)
    assert "braucht Ihren Benutzernamen" in page.text
    assert "braucht Ihr Passwort" in page.text
    data = {"kind": "caldav", "url": "http://127.0.0.1:9/dav/", "username": "m", "password": "geheim-123"}
    client.post(PAGE, data)
    link = CalendarLink.objects.get()
    assert link.password == "geheim-123"
    assert "geheim-123" not in client.get(PAGE).text
    client.post(PAGE, {**data, "password": ""})  # empty keeps it
    link.refresh_from_db()
    assert link.password == "geheim-123"


def test_a_caseworker_changes_only_their_own_and_a_coordinator_sees_the_office(client, caseworker):
    other = CaseworkerFactory(office=caseworker.office)
    CalendarLink.objects.create(
        caseworker=other, url="https://outlook.example/other.ics", last_error="HTTPError"
    )
    client.force_login(caseworker.user)
    page = client.get(PAGE)
    assert "other.ics" not in page.text
    assert f'data-colleague="{other.pk}"' not in page.text
    client.post(f"{PAGE}entfernen/")
    assert CalendarLink.objects.filter(caseworker=other).exists()

    coordinator = CaseworkerFactory(office=caseworker.office, is_coordinator=True)
    client.force_login(coordinator.user)
    page = client.get(PAGE)
    assert f'data-colleague="{other.pk}"' in page.text
    client.post(f"{PAGE}entfernen/")
    assert CalendarLink.objects.filter(caseworker=other).exists()


def test_interpreters_and_anonymous_get_no_page(client):
    assert client.get(PAGE).status_code == 302
    client.force_login(InterpreterFactory(user=UserFactory()).user)
    assert client.get(PAGE).status_code == 404
    assert client.post(f"{PAGE}lesen/").status_code == 404
