"""A caseworker's own CalDAV calendar on a real server (Radicale), read like an ICS address, and
the rule for which addresses are read at all."""

import logging
from datetime import UTC, datetime, timedelta

import pytest

from appointments.models import CalendarBusy, CalendarLink
from appointments.services.own_calendars import AddressRefused, check_address, read_calendar
from tests.appointments.services.test_own_calendars import (
    BERLIN,
    DAY_OFF,
    JOUR_FIXE,
    REMINDER,
    WEEKLY,
    Served,
    calendar,
)
from tests.radicale import PASSWORD, USER, start_radicale

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

# The Monday before summer time ends (25 October 2026); the horizon reaches past the moved meeting.
BEFORE_WINTER_TIME = datetime(2026, 10, 19, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
EXPECTED = [
    ("Tue 20.10. 10:00", HOUR),  # summer time
    ("Thu 22.10. 00:00", timedelta(days=1)),  # the day off
    ("Tue 27.10. 10:00", HOUR),  # winter time
    ("Wed 04.11. 14:00", HOUR),  # the one moved
    ("Tue 10.11. 10:00", HOUR),  # 17.11. cancelled, the reminder is free
]


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    server = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()


@pytest.fixture
def caldav_link(caseworker, radicale, request):
    address = radicale.calendar_of(
        request.node.name[:40], *(calendar(e) for e in (JOUR_FIXE, DAY_OFF, REMINDER))
    )
    return CalendarLink.objects.create(
        caseworker=caseworker, kind=CalendarLink.Kind.CALDAV, url=address, username=USER, password=PASSWORD
    )


def busy_wall_clock() -> list[tuple[str, timedelta]]:
    rows = CalendarBusy.objects.order_by("start")
    return [(row.start.astimezone(BERLIN).strftime("%a %d.%m. %H:%M"), row.end - row.start) for row in rows]


def test_a_caldav_calendar_blocks_what_its_ics_file_blocks_across_summer_time(caseworker, caldav_link):
    assert read_calendar(caldav_link, now=BEFORE_WINTER_TIME)
    assert busy_wall_clock() == EXPECTED
    assert CalendarBusy.objects.get(all_day=True).start == datetime(2026, 10, 22, tzinfo=BERLIN)
    caldav_link.delete()

    served = Served()
    try:
        served.body = calendar(WEEKLY)
        ics_link = CalendarLink.objects.create(caseworker=caseworker, url=served.url)
        assert read_calendar(ics_link, now=BEFORE_WINTER_TIME)
    finally:
        served.server.shutdown()
    assert busy_wall_clock() == EXPECTED


def test_a_wrong_password_keeps_the_last_good_copy_and_says_so(caldav_link, caplog):
    assert read_calendar(caldav_link, now=BEFORE_WINTER_TIME)
    caldav_link.password = "falsch-" + PASSWORD
    caldav_link.save()
    caplog.set_level(logging.DEBUG)
    assert not read_calendar(caldav_link, now=BEFORE_WINTER_TIME + timedelta(minutes=5))
    caldav_link.refresh_from_db()
    assert caldav_link.last_error == "user name or password refused"
    assert caldav_link.last_read_at == BEFORE_WINTER_TIME
    assert busy_wall_clock() == EXPECTED
    assert PASSWORD not in caplog.text


def test_the_password_is_sealed_in_the_table_and_never_shown_in_the_admin(caldav_link, admin_client):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM appointments_calendarlink WHERE id = %s", [caldav_link.pk])
        (stored,) = cursor.fetchone()
    assert PASSWORD not in stored
    page = admin_client.get(f"/admin/appointments/calendarlink/{caldav_link.pk}/change/")
    assert page.status_code == 200
    assert PASSWORD not in page.content.decode()
    listing = admin_client.get("/admin/appointments/calendarlink/")
    assert PASSWORD not in listing.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "http://calendar.example.org/k.ics",  # not https
        "ftp://calendar.example.org/k.ics",
        "https://127.0.0.1/k.ics",  # loopback
        "https://10.1.2.3/k.ics",  # private
        "https://192.168.0.10/k.ics",
        "https://169.254.169.254/latest/meta-data",  # link-local (cloud metadata)
        "https://224.0.0.1/k.ics",  # multicast
        "https://240.0.0.1/k.ics",  # reserved
        "https://[::1]/k.ics",
        "https://[fd00::1]/k.ics",
        "https://localhost/k.ics",  # resolves to loopback
        "https:///k.ics",
    ],
)
def test_addresses_off_the_public_network_are_refused(url, settings):
    settings.OWN_CALENDAR_ALLOW_HTTP = False
    settings.OWN_CALENDAR_ALLOWED_HOSTS = []
    with pytest.raises(AddressRefused):
        check_address(url)


def test_a_public_address_and_a_named_host_are_read(settings):
    settings.OWN_CALENDAR_ALLOW_HTTP = False
    settings.OWN_CALENDAR_ALLOWED_HOSTS = ["kalender.jobcenter.intern"]
    check_address("https://8.8.8.8/calendar.ics")
    check_address("https://kalender.jobcenter.intern/fachkraft.ics")


def test_the_rule_is_checked_again_at_every_read_and_redirect(caseworker, settings):
    served = Served()
    try:
        served.body = calendar(WEEKLY)
        link = CalendarLink.objects.create(caseworker=caseworker, url=served.url)
        settings.OWN_CALENDAR_ALLOWED_HOSTS = ["127.0.0.1"]
        served.status, served.location = 302, "http://169.254.169.254/latest/meta-data"
        assert not read_calendar(link)
        assert link.last_error.startswith("address refused")
        served.location = served.url.replace("kalender.ics", "neu.ics")
        served.status = 302
        assert not read_calendar(link)  # a loop of redirects ends
        assert link.last_error == "too many redirects"
        served.status, served.location = 200, ""
        assert read_calendar(link)
        settings.OWN_CALENDAR_ALLOWED_HOSTS = []  # the host is no longer named: not read
        assert not read_calendar(link)
        assert link.last_error.startswith("address refused")
    finally:
        served.server.shutdown()
