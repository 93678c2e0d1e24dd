"""A caseworker's own calendar, served over HTTP: its busy times block consultation times."""

import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

from appointments.models import CalendarBusy, CalendarLink
from appointments.services.availability import check_start, free_slots
from appointments.services.own_calendars import (
    busy_times,
    calendar_conflicts,
    read_calendar,
    read_due_calendars,
)
from tests.factories import CaseworkerFactory, OfficeFactory
from tests.scenario import TUESDAY, TUESDAY_9, TUESDAY_10, at, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

BERLIN = ZoneInfo("Europe/Berlin")
VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE"""


def calendar(*events: str) -> bytes:
    body = "\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Outlook-like//EN", VTIMEZONE, *events])
    return (body + "\nEND:VCALENDAR\n").replace("\n", "\r\n").encode()


# Tuesdays 10:00–11:00 from 20 October 2026 (summer time) for eight weeks; the one of 3 November
# moved to Wednesday 14:00; 17 November cancelled; a day off on 22 October; a "free" reminder.
JOUR_FIXE = """BEGIN:VEVENT
UID:jour-fixe@example
DTSTAMP:20261001T000000Z
SUMMARY:Jour fixe
DTSTART;TZID=Europe/Berlin:20261020T100000
DTEND;TZID=Europe/Berlin:20261020T110000
RRULE:FREQ=WEEKLY;COUNT=8
EXDATE;TZID=Europe/Berlin:20261117T100000
END:VEVENT
BEGIN:VEVENT
UID:jour-fixe@example
RECURRENCE-ID;TZID=Europe/Berlin:20261103T100000
DTSTAMP:20261001T000000Z
SUMMARY:Jour fixe (verschoben)
DTSTART;TZID=Europe/Berlin:20261104T140000
DTEND;TZID=Europe/Berlin:20261104T150000
END:VEVENT"""
DAY_OFF = """BEGIN:VEVENT
UID:day-off@example
DTSTAMP:20261001T000000Z
SUMMARY:Urlaub
DTSTART;VALUE=DATE:20261022
DTEND;VALUE=DATE:20261023
END:VEVENT"""
REMINDER = """BEGIN:VEVENT
UID:reminder@example
DTSTAMP:20261001T000000Z
SUMMARY:Nur eine Erinnerung
TRANSP:TRANSPARENT
DTSTART;TZID=Europe/Berlin:20261021T090000
DTEND;TZID=Europe/Berlin:20261021T093000
END:VEVENT"""
WEEKLY = "\n".join([JOUR_FIXE, DAY_OFF, REMINDER])


class Served:
    """An ICS file on a loopback HTTP server; a test changes `body`, `status` or `location` while it runs."""

    def __init__(self) -> None:
        served = self
        self.body, self.status, self.location = b"", 200, ""

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(served.status)
                self.send_header("Content-Type", "text/calendar")
                if served.location:
                    self.send_header("Location", served.location)
                self.end_headers()
                self.wfile.write(served.body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/kalender.ics"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def served():
    running = Served()
    yield running
    running.server.shutdown()


@pytest.fixture
def link(caseworker, served):
    return CalendarLink.objects.create(caseworker=caseworker, url=served.url)


def test_a_weekly_meeting_keeps_its_wall_clock_across_summer_time_with_its_exceptions():
    office = OfficeFactory.build(time_zone="Europe/Berlin")
    spans = busy_times(calendar(WEEKLY), office=office, first=date(2026, 10, 19), last=date(2026, 12, 20))
    timed = sorted((start, end) for start, end, all_day in spans if not all_day)
    wall_clock = [(start.astimezone(BERLIN).strftime("%a %d.%m. %H:%M"), end - start) for start, end in timed]
    hour = timedelta(hours=1)
    assert wall_clock == [
        ("Tue 20.10. 10:00", hour),  # summer time: 08:00 UTC
        ("Tue 27.10. 10:00", hour),  # winter time: 09:00 UTC
        ("Wed 04.11. 14:00", hour),  # the one moved
        ("Tue 10.11. 10:00", hour),
        ("Tue 24.11. 10:00", hour),  # 17.11. cancelled
        ("Tue 01.12. 10:00", hour),
        ("Tue 08.12. 10:00", hour),
    ]
    assert timed[0][0] == datetime(2026, 10, 20, 8, 0, tzinfo=UTC)
    assert timed[1][0] == datetime(2026, 10, 27, 9, 0, tzinfo=UTC)
    (day_off,) = [(start, end) for start, end, all_day in spans if all_day]
    assert day_off == (datetime(2026, 10, 22, tzinfo=BERLIN), datetime(2026, 10, 23, tzinfo=BERLIN))


def test_its_busy_times_block_consultation_times(topic, caseworker, link, served):
    tuesday_slots = {slot.start for slot in free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)}
    assert TUESDAY_10 in tuesday_slots
    served.body = calendar(WEEKLY)
    assert read_calendar(link)
    free = {slot.start for slot in free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)}
    assert TUESDAY_10 not in free
    assert TUESDAY_9 in free
    assert at(TUESDAY, "11:00") in free
    checked = check_start(topic=topic, start=TUESDAY_10, mode="video")
    assert checked.offered == [caseworker.pk]
    assert checked.free == []
    link.refresh_from_db()
    assert link.last_read_at is not None
    assert link.last_error == ""


def test_a_calendar_that_cannot_be_read_keeps_its_last_good_copy(link, served):
    served.body = calendar(WEEKLY)
    read_calendar(link)
    link.refresh_from_db()
    read_at, rows = link.last_read_at, CalendarBusy.objects.count()
    assert rows > 0
    served.status = 503
    assert not read_calendar(link, now=read_at + timedelta(minutes=5))
    link.refresh_from_db()
    assert link.last_error == "HTTPError"
    assert link.last_read_at == read_at
    assert CalendarBusy.objects.count() == rows
    served.status, served.body = 200, b"<html>Anmeldung erforderlich</html>"
    assert not read_calendar(link)
    assert CalendarBusy.objects.count() == rows


def test_the_worker_reads_each_calendar_once_per_interval(link, served, settings):
    settings.OWN_CALENDAR_READ_MINUTES = 5
    served.body = calendar(WEEKLY)
    now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert read_due_calendars(now=now) == 1
    assert read_due_calendars(now=now + timedelta(minutes=4)) == 0
    assert read_due_calendars(now=now + timedelta(minutes=5)) == 1


def test_a_booking_the_calendar_marks_busy_later_is_a_conflict_not_moved(topic, caseworker, link, served):
    appointment = book(topic, TUESDAY_10, caseworker=caseworker).appointment
    other = book(topic, TUESDAY_9, caseworker=caseworker, phone="0151 23450009").appointment
    served.body = calendar(WEEKLY)
    read_calendar(link)
    assert calendar_conflicts([appointment, other]) == {appointment.pk}
    appointment.refresh_from_db()
    assert appointment.start == TUESDAY_10


def test_an_office_template_reads_everyone_without_an_own_link(caseworker, served, settings):
    settings.OWN_CALENDAR_READ_MINUTES = 5
    served.body = calendar(WEEKLY.replace("20261020T", "20261124T"))
    office = caseworker.office
    caseworker.user.email = "m.yilmaz@jobcenter.example"
    caseworker.user.save()
    own = CaseworkerFactory(office=office, user__email="a.berg@jobcenter.example")
    own_link = CalendarLink.objects.create(caseworker=own, url=served.url.replace("kalender", "eigen"))
    no_email = CaseworkerFactory(office=office, user__email="")  # no address: no link
    CaseworkerFactory(office=office, active=False, user__email="weg@jobcenter.example")
    office.own_calendar_template = served.url.replace("kalender.ics", "{email}/{username}.ics")
    office.save()
    now = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)

    assert read_due_calendars(now=now) == 2
    link = CalendarLink.objects.get(caseworker=caseworker)
    assert link.from_office
    assert link.url == served.url.replace(
        "kalender.ics", f"m.yilmaz@jobcenter.example/{caseworker.user.username}.ics"
    )
    assert CalendarBusy.objects.filter(caseworker=caseworker).exists()
    assert CalendarLink.objects.get(caseworker=own) == own_link  # an own link wins
    assert CalendarLink.objects.count() == 2

    office.own_calendar_template = served.url.replace("kalender.ics", "neu/{username}.ics")
    office.save()
    # the changed address is read at once, and the one without an e-mail now has one by user name
    assert read_due_calendars(now=now + timedelta(minutes=1)) == 2
    assert CalendarLink.objects.get(caseworker=caseworker).url.endswith(
        f"/neu/{caseworker.user.username}.ics"
    )
    assert CalendarLink.objects.get(caseworker=no_email).from_office

    office.own_calendar_template = ""
    office.save()
    read_due_calendars(now=now + timedelta(minutes=2))
    assert not CalendarLink.objects.filter(from_office=True).exists()
    assert not CalendarBusy.objects.filter(caseworker=caseworker).exists()
    assert CalendarLink.objects.filter(caseworker=own).exists()


def test_a_round_of_reads_stops_when_its_time_is_up(link, served, settings):
    served.body = calendar(WEEKLY)
    settings.OWN_CALENDAR_ROUND_SECONDS = 0
    assert read_due_calendars() == 0
    link.refresh_from_db()
    assert link.last_tried_at is None  # left for the next round
    settings.OWN_CALENDAR_ROUND_SECONDS = 20
    assert read_due_calendars() == 1
