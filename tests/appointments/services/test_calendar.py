"""Calendar invites and feeds as meeting requests, read back by three independent parsers
(icalendar, vobject and Mozilla's ical.js)."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import vobject
from django.contrib.auth import get_user_model
from icalendar import Calendar

from appointments.services.booking import (
    ClientDetails,
    book_appointment,
    cancel_appointment,
    reschedule_appointment,
)
from appointments.services.calendar import (
    build_feed,
    build_invite,
    event_uid,
    feed_owner,
    feed_token,
    invite_part,
    revoke_feed,
)
from appointments.services.interpreter_offers import accept_interpreter_request
from appointments.services.outbox.worker import run_due_messages
from tests.factories import AppointmentFactory, InterpreterFactory
from tests.icaljs import read_with_icaljs
from tests.scenario import TUESDAY_9

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]

SUMMER_MONDAY_9 = datetime(2027, 6, 7, 7, 0, tzinfo=UTC)  # 09:00 in Berlin, summer time


@pytest.fixture
def booking(topic):
    return book_appointment(
        topic=topic,
        mode="video",
        start=TUESDAY_9,
        client=ClientDetails(
            name="Aylin Demir", phone="0151 23456789", email="aylin@example.org", language="tr"
        ),
    )


def parse_both(ics: bytes):
    """The one VEVENT as icalendar and as vobject see it."""
    assert b"\r\n" in ics
    assert b"\n" not in ics.replace(b"\r\n", b"")
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    other = vobject.readOne(ics.decode())
    return calendar, events[0], other


def test_invite_has_every_field_a_calendar_needs(booking):
    calendar, event, other = parse_both(build_invite(booking.appointment, manage_token=booking.manage_token))
    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"]).startswith("-//Sprechstunde")
    assert str(event["UID"]) == event_uid(booking.appointment)
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == TUESDAY_9
    assert event.decoded("DTEND") == TUESDAY_9 + timedelta(minutes=30)
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert str(event["ATTENDEE"]) == "mailto:aylin@example.org"
    assert event.walk("VALARM")
    # In the client's language (Turkish), with the private link for a video consultation.
    assert "randevu" in str(event["SUMMARY"]).lower()
    assert booking.manage_token in str(event["LOCATION"])
    # The second parser agrees.
    assert other.method.value == "REQUEST"
    assert other.vevent.uid.value == event_uid(booking.appointment)
    assert int(other.vevent.sequence.value) == 0
    assert other.vevent.dtstart.value == TUESDAY_9


def test_a_moved_appointment_keeps_its_uid_and_raises_sequence(booking):
    first = Calendar.from_ical(build_invite(booking.appointment)).walk("VEVENT")[0]
    moved = reschedule_appointment(appointment=booking.appointment, start=TUESDAY_9 + timedelta(hours=2))
    calendar, event, other = parse_both(build_invite(moved))
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == first["UID"]
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == TUESDAY_9 + timedelta(hours=2)
    assert int(other.vevent.sequence.value) == 1


def test_a_cancelled_appointment_is_a_cancel_with_the_same_uid(booking):
    cancelled = cancel_appointment(appointment=booking.appointment, by="client")
    calendar, event, other = parse_both(build_invite(cancelled))
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == event_uid(booking.appointment)
    assert event["SEQUENCE"] == 1
    assert not event.walk("VALARM")
    assert other.method.value == "CANCEL"


def test_staff_invite_names_the_client_by_first_name_and_initial_only(booking):
    _calendar, event, _other = parse_both(build_invite(booking.appointment, audience="staff", language="de"))
    assert "Aylin D." in str(event["SUMMARY"])
    assert "Demir" not in build_invite(booking.appointment, audience="staff", language="de").decode()
    assert "0151" not in str(event["DESCRIPTION"])
    assert "+49" not in str(event["DESCRIPTION"])


def test_the_mail_part_carries_the_same_method():
    part = invite_part(b"BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n", "CANCEL")
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "CANCEL"
    assert part.get_filename() == "termin.ics"


def test_feed_lists_upcoming_appointments_and_can_be_revoked(booking, caseworker, client):
    token = feed_token(caseworker)
    assert feed_owner(token) == caseworker
    response = client.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar"
    calendar = Calendar.from_ical(response.content)
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [event_uid(booking.appointment)]
    assert "METHOD" not in calendar
    assert "Demir" not in response.content.decode()
    assert "23456789" not in response.content.decode()
    vobject.readOne(response.content.decode())
    new_token = revoke_feed(caseworker)
    assert client.get(f"/calendar/{token}.ics").status_code == 404
    assert client.get(f"/calendar/{new_token}.ics").status_code == 200


def test_feed_tokens_cannot_be_forged_or_swapped(caseworker, client):
    interpreter = InterpreterFactory()
    assert feed_owner(feed_token(interpreter)) == interpreter
    assert client.get(f"/calendar/{feed_token(caseworker)}x.ics").status_code == 404
    assert client.get("/calendar/nonsense.ics").status_code == 404


def test_interpreter_feed_is_empty_without_accepted_assignments(booking):
    interpreter = InterpreterFactory()
    calendar = Calendar.from_ical(build_feed(interpreter, []))
    assert calendar.walk("VEVENT") == []


@pytest.fixture
def interpreted(topic, django_capture_on_commit_callbacks):
    """A video consultation in Arabic whose interpreter accepted; their invite is due."""
    interpreter = InterpreterFactory(languages=["ar"], email="dolmetsch@example.org")
    appointment = book_appointment(
        topic=topic,
        mode="video",
        start=TUESDAY_9,
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789", language="ar"),
        interpreter_language="ar",
    ).appointment
    accept_interpreter_request(request_id=appointment.interpreter_request.pk, interpreter=interpreter)
    return appointment, interpreter


def assert_interpreter_view(event, appointment):
    text = "\n".join(str(event[field]) for field in ("SUMMARY", "DESCRIPTION", "LOCATION", "URL"))
    assert "Aylin" in text
    assert appointment.interpreter_request.language.name in text
    assert "Video" in text
    assert "/dolmetschen/" in str(event["URL"])
    assert event.decoded("DTSTART") == TUESDAY_9
    for staff_only in ("Demir", "D.", appointment.reference, appointment.topic.name, "0151", "+49"):
        assert staff_only not in text, staff_only


def test_the_interpreter_invite_shows_what_interpreting_needs_only(interpreted, mailoutbox):
    appointment, _interpreter = interpreted
    run_due_messages()

    [invite] = [message for message in mailoutbox if message.to == ["dolmetsch@example.org"]]
    ics = next(part for part in invite.attachments if part.get_content_type() == "text/calendar")
    [event] = Calendar.from_ical(ics.get_content()).walk("VEVENT")
    assert_interpreter_view(event, appointment)


def test_the_interpreter_feed_shows_what_interpreting_needs_only(interpreted, client):
    appointment, interpreter = interpreted

    response = client.get(f"/calendar/{feed_token(interpreter)}.ics")

    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert_interpreter_view(event, appointment)
    # The caseworker's feed keeps the staff view.
    staff = client.get(f"/calendar/{feed_token(appointment.caseworker)}.ics").content.decode()
    assert appointment.reference in staff
    assert "Aylin D." in staff


def read_three_ways(ics: bytes):
    """The one VEVENT as icalendar, vobject and ical.js see it."""
    event = Calendar.from_ical(ics).walk("VEVENT")
    assert len(event) == 1
    other = vobject.readOne(ics.decode())
    mozilla = read_with_icaljs(ics)
    assert len(mozilla["events"]) == 1
    return event[0], other, mozilla


def test_a_clients_invite_is_a_meeting_request_in_the_offices_time(booking):
    ics = build_invite(booking.appointment, manage_token=booking.manage_token)
    event, other, mozilla = read_three_ways(ics)

    assert b"DTSTART;TZID=Europe/Berlin:20261201T090000" in ics
    assert event.decoded("DTSTART") == TUESDAY_9
    assert other.vevent.dtstart.value == TUESDAY_9
    assert other.vevent.dtstart.value.utcoffset() == timedelta(hours=1)
    assert mozilla["events"][0]["tzid"] == "Europe/Berlin"
    assert mozilla["events"][0]["start_utc"] == "2026-12-01T08:00:00.000Z"
    assert mozilla["events"][0]["end_utc"] == booking.appointment.end.astimezone(UTC).strftime(
        "%Y-%m-%dT%H:%M:%S.000Z"
    )

    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:aylin@example.org"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert attendee.params["RSVP"] == "FALSE"
    assert attendee.params["CN"] == "Aylin Demir"
    assert other.vevent.attendee.params["PARTSTAT"] == ["ACCEPTED"]
    assert mozilla["events"][0]["attendees"] == [
        {
            "value": "mailto:aylin@example.org",
            "params": {
                "cn": "Aylin Demir",
                "partstat": "ACCEPTED",
                "rsvp": "FALSE",
                "role": "REQ-PARTICIPANT",
                "cutype": "INDIVIDUAL",
            },
        }
    ]
    assert mozilla["events"][0]["organizer"]["params"]["cn"] == booking.appointment.topic.office.name
    assert (
        str(event["ORGANIZER"])
        == str(other.vevent.organizer.value)
        == mozilla["events"][0]["organizer"]["value"]
    )
    assert mozilla["method"] == "REQUEST"


def test_summer_time_is_the_same_wall_clock_in_every_reader(topic, caseworker):
    appointment = AppointmentFactory(topic=topic, caseworker=caseworker, start=SUMMER_MONDAY_9)
    ics = build_invite(appointment)
    event, other, mozilla = read_three_ways(ics)
    assert b"DTSTART;TZID=Europe/Berlin:20270607T090000" in ics
    assert event.decoded("DTSTART") == SUMMER_MONDAY_9
    assert other.vevent.dtstart.value.utcoffset() == timedelta(hours=2)
    assert mozilla["events"][0]["start_utc"] == "2027-06-07T07:00:00.000Z"
    # The zone's rule, as Outlook writes it: the last Sunday of March and of October.
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in ics
    assert b"RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in ics
    assert b"RDATE" not in ics


def test_the_cancel_names_the_same_attendee_and_uid(booking):
    request = read_with_icaljs(build_invite(booking.appointment, manage_token=booking.manage_token))
    cancel_appointment(appointment=booking.appointment, by="client")
    booking.appointment.refresh_from_db()
    cancel = read_with_icaljs(build_invite(booking.appointment))
    assert cancel["method"] == "CANCEL"
    assert cancel["events"][0]["status"] == "CANCELLED"
    assert cancel["events"][0]["uid"] == request["events"][0]["uid"]
    assert cancel["events"][0]["attendees"] == request["events"][0]["attendees"]
    assert cancel["events"][0]["sequence"] > request["events"][0]["sequence"]


def test_the_uid_reveals_no_database_id(topic, caseworker, settings):
    appointments = [
        AppointmentFactory(topic=topic, caseworker=caseworker, start=TUESDAY_9 + timedelta(hours=hour))
        for hour in range(3)
    ]
    uids = [event_uid(appointment) for appointment in appointments]
    assert len(set(uids)) == 3
    for appointment, uid in zip(appointments, uids, strict=True):
        local_part = uid.split("@")[0]
        assert re.fullmatch(r"[0-9a-f]{32}", local_part)
        assert event_uid(appointment) == uid
    # Keyed by the secret: the same ids give other UIDs elsewhere, so counting ids tells nothing.
    settings.SECRET_KEY = "another installation's secret"
    assert [event_uid(appointment) for appointment in appointments] != uids


def test_a_staff_invite_names_the_caseworker_it_is_sent_to(booking, caseworker):
    user = get_user_model().objects.create_user("m.yilmaz", email="m.yilmaz@jobcenter.example")
    caseworker.user = user
    caseworker.save()
    booking.appointment.refresh_from_db()
    ics = build_invite(booking.appointment, audience="staff", language="de", recipient=user.email)
    _event, _other, mozilla = read_three_ways(ics)
    (attendee,) = mozilla["events"][0]["attendees"]
    assert attendee["value"] == "mailto:m.yilmaz@jobcenter.example"
    assert attendee["params"]["cn"] == str(caseworker)
    assert attendee["params"]["rsvp"] == "FALSE"
    assert "aylin@example.org" not in ics.decode()


def test_an_address_we_cannot_name_goes_without_a_name(booking):
    ics = build_invite(
        booking.appointment, audience="interpreter", language="de", recipient="someone@example.org"
    )
    (attendee,) = read_with_icaljs(ics)["events"][0]["attendees"]
    assert attendee == {
        "value": "mailto:someone@example.org",
        "params": {
            "partstat": "ACCEPTED",
            "rsvp": "FALSE",
            "role": "REQ-PARTICIPANT",
            "cutype": "INDIVIDUAL",
        },
    }


def test_a_client_without_e_mail_gets_an_invite_without_attendee(topic):
    appointment = book_appointment(
        topic=topic,
        mode="telephone",
        start=TUESDAY_9,
        client=ClientDetails(name="Omar Haddad", phone="0151 98765432", language="ar"),
    ).appointment
    _event, _other, mozilla = read_three_ways(build_invite(appointment))
    assert mozilla["events"][0]["attendees"] == []


def test_a_feed_is_read_the_same_by_all_three(booking, caseworker):
    interpreter = InterpreterFactory()
    for owner in (caseworker, interpreter):
        appointments = [booking.appointment] if owner is caseworker else []
        ics = build_feed(owner, appointments)
        mozilla = read_with_icaljs(ics)
        assert [event["uid"] for event in mozilla["events"]] == [event_uid(a) for a in appointments]
        assert len(Calendar.from_ical(ics).walk("VEVENT")) == len(appointments)
        vobject.readOne(ics.decode())
    assert mozilla["events"] == []


def test_the_mailed_invite_names_its_recipient_as_attendee(interpreted, mailoutbox):
    _appointment, interpreter = interpreted
    run_due_messages()
    (mail,) = [m for m in mailoutbox if m.to == [interpreter.email]]
    (attachment,) = [part for part in mail.attachments if part.get_content_type() == "text/calendar"]
    (attendee,) = read_with_icaljs(attachment.get_content().encode())["events"][0]["attendees"]
    assert attendee["value"] == f"mailto:{interpreter.email}"
    assert attendee["params"]["cn"] == interpreter.name
