"""Group sessions: scheduled with free hosts, booked place by place up to their capacity, and a
place is an appointment with its code, messages, invite (the session's UID) and outcome."""

from dataclasses import replace
from datetime import timedelta

import pytest
import vobject
from icalendar import Calendar

from appointments.exceptions import ApplicationError, NotAllowed
from appointments.models import Appointment, GroupSession, Notification
from appointments.services.availability import free_slots
from appointments.services.booking import cancel_appointment, record_outcome
from appointments.services.calendar import build_invite, event_uid
from appointments.services.group_sessions import (
    SessionFull,
    book_place,
    cancel_group_session,
    schedule_group_session,
    upcoming_sessions,
)
from tests.factories import CaseworkerFactory, OfficeFactory, UserFactory
from tests.icaljs import read_with_icaljs
from tests.scenario import AYLIN, TUESDAY, at, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "no_sms_codes")]


def schedule(topic, host, *, clock="10:00", capacity=3, **extra):
    return schedule_group_session(
        topic=topic, start=at(TUESDAY, clock), hosts=[host], capacity=capacity, mode="in_person", **extra
    )


def client(n: int):
    return replace(AYLIN, name=f"Teilnehmerin {n}", phone=f"0151 2345{n:04d}")


def starts(topic) -> set[str]:
    return {
        slot.start.strftime("%H:%M") for slot in free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)
    }


def test_a_session_keeps_its_host_from_one_to_one_bookings(group_topic, topic, caseworker):
    before = starts(topic)
    schedule(group_topic, caseworker)  # 10:00 to 11:00
    assert before - starts(topic) == {"09:45", "10:00", "10:15", "10:30", "10:45"}
    with pytest.raises(ApplicationError):
        book(topic, at(TUESDAY, "10:30"), caseworker=caseworker)


def test_a_group_topic_offers_no_times_of_its_own(group_topic, caseworker):
    caseworker.topics.add(group_topic)
    assert free_slots(topic=group_topic, date_from=TUESDAY, date_to=TUESDAY) == []
    with pytest.raises(ApplicationError, match="Gruppenveranstaltung"):
        book(group_topic, at(TUESDAY, "09:00"), mode="in_person")


def test_a_host_with_an_appointment_then_cannot_host(group_topic, topic, caseworker):
    book(topic, at(TUESDAY, "10:30"), caseworker=caseworker)
    with pytest.raises(ApplicationError, match="anderen Termin"):
        schedule(group_topic, caseworker)
    schedule(group_topic, caseworker, clock="11:00")
    with pytest.raises(ApplicationError, match="anderen Termin"):
        schedule(group_topic, caseworker, clock="11:30")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": 31}, "capacity"),
        ({"mode": "telephone"}, "mode"),
        ({"mode": "video"}, "mode"),
        ({"host_elsewhere": True}, "hosts"),
    ],
)
def test_a_session_must_make_sense(group_topic, caseworker, change, field):
    host = CaseworkerFactory(office=OfficeFactory()) if change.pop("host_elsewhere", False) else caseworker
    values = {
        "topic": group_topic,
        "start": at(TUESDAY, "10:00"),
        "hosts": [host],
        "capacity": 3,
        "mode": "in_person",
    }
    with pytest.raises(ApplicationError) as refused:
        schedule_group_session(**{**values, **change})
    assert refused.value.field == field


def test_places_are_booked_up_to_the_capacity_and_a_full_session_names_the_next(group_topic, caseworker):
    first = schedule(group_topic, caseworker, capacity=2)
    later = schedule(group_topic, caseworker, clock="14:00", capacity=2)
    places = [book_place(session=first, client=client(n)) for n in range(2)]
    assert {place.appointment.group_session for place in places} == {first}
    with pytest.raises(SessionFull) as full:
        book_place(session=first, client=client(3))
    assert full.value.next_session == later
    assert [(entry.session, entry.left) for entry in upcoming_sessions(group_topic)] == [
        (first, 0),
        (later, 2),
    ]

    cancel_appointment(appointment=places[0].appointment, by=Appointment.Party.CLIENT)
    assert book_place(session=first, client=client(3)).appointment.group_session == first


def test_one_place_per_client_and_session(group_topic, caseworker):
    session = schedule(group_topic, caseworker)
    book_place(session=session, client=client(1))
    with pytest.raises(NotAllowed, match="schon einen Platz"):
        book_place(session=session, client=replace(client(1), name="Noch einmal"))


def test_a_place_brings_the_confirmation_but_no_invite_per_place_to_the_host(group_topic, caseworker):
    session = schedule(group_topic, caseworker)
    place = book_place(session=session, client=replace(client(1), email="t1@example.org")).appointment
    audiences = set(Notification.objects.filter(appointment=place).values_list("audience", flat=True))
    assert audiences == {"client"}
    assert place.reference
    assert place.caseworker == caseworker


def test_every_places_invite_is_the_sessions_one_event_with_its_own_attendee(group_topic, caseworker):
    session = schedule(group_topic, caseworker)
    places = [
        book_place(session=session, client=replace(client(n), email=f"t{n}@example.org")).appointment
        for n in range(2)
    ]
    uids, attendees = set(), set()
    for place in places:
        ics = build_invite(place)
        (event,) = Calendar.from_ical(ics).walk("VEVENT")
        other = vobject.readOne(ics.decode()).vevent
        (third,) = read_with_icaljs(ics)["events"]
        uids |= {str(event["UID"]), other.uid.value, third["uid"]}
        attendees.add(str(event["ATTENDEE"]))
        assert event.decoded("DTSTART") == session.start
    assert uids == {event_uid(places[0])}
    assert attendees == {"mailto:t0@example.org", "mailto:t1@example.org"}


def test_attendance_is_recorded_per_place(group_topic, caseworker, time_machine):
    session = schedule(group_topic, caseworker)
    came, stayed_away = (book_place(session=session, client=client(n)).appointment for n in range(2))
    time_machine.move_to(session.start + timedelta(minutes=5))
    record_outcome(appointment=came, outcome=Appointment.Status.COMPLETED)
    record_outcome(appointment=stayed_away, outcome=Appointment.Status.NO_SHOW)
    assert dict(session.places.values_list("client__name", "status")) == {
        "Teilnehmerin 0": "completed",
        "Teilnehmerin 1": "no_show",
    }


def test_cancelling_a_session_cancels_its_places_and_frees_the_host(group_topic, topic, caseworker):
    session = schedule(group_topic, caseworker)
    place = book_place(session=session, client=client(1)).appointment
    cancel_group_session(session=session, actor=UserFactory())
    place.refresh_from_db()
    assert (place.status, place.cancelled_by) == ("cancelled", "staff")
    assert Notification.objects.filter(appointment=place, kind="cancelled").exists()
    assert book(topic, at(TUESDAY, "10:30"), caseworker=caseworker).appointment.caseworker == caseworker
    with pytest.raises(NotAllowed):
        book_place(session=session, client=client(2))
    assert GroupSession.objects.get().status == "cancelled"
