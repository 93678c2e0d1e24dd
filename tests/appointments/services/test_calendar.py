"""Calendar invites and feeds, read back by two independent parsers (icalendar and vobject)."""

from datetime import UTC, datetime, timedelta

import pytest
import vobject
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
from appointments.services.interpreting import accept_interpreter_request
from appointments.services.outbox.worker import run_due_messages
from tests.factories import InterpreterFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]

TUESDAY_9 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


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
