"""Rebooking offers the client's own caseworker first: on the manage link's reschedule page, and in
the booking steps once this session has shown that client's manage link; never to a stranger."""

import re
from datetime import datetime, time

import pytest

from appointments.models import Appointment
from appointments.services.booking import ClientDetails, book_appointment
from tests.factories import CaseworkerFactory, UserFactory, week_of_hours
from tests.frontend.conftest import FIRST_SLOT, PHONE

pytestmark = pytest.mark.django_db

SHARED = "2026-11-30T10:00:00+01:00"  # both are free
COLLEAGUES_ONLY = "2026-11-30T13:00:00+01:00"  # only the colleague works then


def working(topic, name: str, until: int):
    worker = CaseworkerFactory(office=topic.office, topics=[topic], languages=["de"], display_name=name)
    week_of_hours(worker, start=time(9), end=time(until))
    return worker


@pytest.fixture
def yilmaz(topic):
    return working(topic, "Frau Yılmaz", 12)


@pytest.fixture
def colleague(topic):
    return working(topic, "Herr Weber", 16)


@pytest.fixture
def booking(now, topic, yilmaz, colleague):
    return book_appointment(
        topic=topic,
        mode="video",
        start=datetime.fromisoformat(FIRST_SLOT),
        client=ClientDetails(name="Aylin Demir", phone="+4915123456789"),
        caseworker=yilmaz,
        booked_by=UserFactory(),
    )


def link(booking, tail=""):
    return f"/b/{booking.appointment.reference}/{booking.manage_token}/{tail}"


def times(page: str) -> set[str]:
    return set(re.findall(r'name="start" value="([^"]+)"', page))


def test_reschedule_shows_the_own_caseworkers_times_first(client, booking):
    page = client.get(link(booking, "zeit/")).text
    assert "Ihre Ansprechperson: Frau Yılmaz" in page
    assert SHARED in times(page)
    assert COLLEAGUES_ONLY not in times(page)
    assert 'name="own" value="1"' in page
    assert 'href="?alle=1"' in page


def test_any_caseworker_is_the_second_choice(client, booking):
    page = client.get(link(booking, "zeit/") + "?alle=1").text
    assert {SHARED, COLLEAGUES_ONLY} <= times(page)
    assert 'name="own"' not in page
    assert "Nur Zeiten von Frau Yılmaz" in page
    later = re.search(r'href="\?([^"]*from=[^"]+)"', page)
    assert later is None or later.group(1).startswith("alle=1&amp;")


def test_choosing_from_the_own_list_keeps_the_own_caseworker(client, booking, colleague):
    # The colleague has fewer bookings, so a fair choice would give them the time.
    answer = client.post(link(booking, "zeit/"), {"start": SHARED, "own": "1"})
    assert answer.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.start == datetime.fromisoformat(SHARED)
    assert appointment.caseworker.display_name == "Frau Yılmaz"


def test_a_time_outside_the_own_caseworkers_hours_is_refused_from_the_own_list(client, booking):
    answer = client.post(
        link(booking, "zeit/"), {"start": COLLEAGUES_ONLY, "own": "1"}, headers={"accept-language": "en"}
    )
    assert answer.url == link(booking, "zeit/")
    assert "This time is not offered." in client.get(answer.url, headers={"accept-language": "en"}).text
    assert Appointment.objects.get().start == datetime.fromisoformat(FIRST_SLOT)


def test_from_the_any_list_the_colleague_takes_it(client, booking):
    client.post(link(booking, "zeit/") + "?alle=1", {"start": COLLEAGUES_ONLY})
    appointment = Appointment.objects.get()
    assert appointment.start == datetime.fromisoformat(COLLEAGUES_ONLY)
    assert appointment.caseworker.display_name == "Herr Weber"


def test_a_reschedule_page_in_arabic_names_the_contact_person(client, booking):
    page = client.get(link(booking, "zeit/"), headers={"accept-language": "ar"}).text
    assert "الشخص المسؤول عنك: Frau Yılmaz" in page


def walk_to_time(client, topic):
    client.post("/", {"topic": topic.slug})
    client.post("/termin/art/", {"mode": "video"})
    client.post("/termin/sprache/", {"language": "de"})
    return client.get("/termin/zeit/").text


def test_a_stranger_booking_sees_no_contact_person(client, booking, topic):
    page = walk_to_time(client, topic)
    assert "Ansprechperson" not in page
    assert "Yılmaz" not in page
    assert COLLEAGUES_ONLY in times(page)


def test_after_the_manage_link_booking_again_offers_the_own_caseworker(
    client, booking, topic, sms_outbox, django_capture_on_commit_callbacks
):
    assert client.get(link(booking)).status_code == 200
    page = walk_to_time(client, topic)
    assert "Ihre Ansprechperson: Frau Yılmaz" in page
    assert COLLEAGUES_ONLY not in times(page)

    assert client.post("/termin/zeit/", {"start": SHARED, "own": "1"}).url == "/termin/angaben/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/termin/angaben/", {"name": "Aylin Demir", "phone": PHONE, "sms_consent": "on"})
    code = re.search(r"\b\d{6}\b", sms_outbox[-1].body).group()
    assert client.post("/termin/code/", {"code": code}).url == "/termin/fertig/"
    new = Appointment.objects.get(start=datetime.fromisoformat(SHARED))
    assert new.caseworker.display_name == "Frau Yılmaz"


def test_booking_again_from_the_any_list_leaves_the_choice_to_the_fair_order(client, booking, topic):
    client.get(link(booking))
    walk_to_time(client, topic)
    assert "Nur Zeiten von Frau Yılmaz" in client.get("/termin/zeit/?alle=1").text
    assert client.post("/termin/zeit/?alle=1", {"start": COLLEAGUES_ONLY}).url == "/termin/angaben/"
    assert client.session["booking"]["caseworker"] is None
