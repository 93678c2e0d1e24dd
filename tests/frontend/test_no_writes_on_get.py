"""Showing a page writes nothing to the app's tables: call rooms come with the appointment, not the page."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import Appointment
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.interpreter_offers import accept_interpreter_request
from tests.factories import CaseworkerFactory, InterpreterFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

START = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin, today
# Sessions, last_login and login throttling may write; the app's own tables must not.
APP_WRITE = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"appointments_', re.IGNORECASE)


def _book(topic, caseworker, start, *, mode, phone, interpreter_language=None):
    return book_appointment(
        topic=topic,
        mode=mode,
        start=start,
        client=ClientDetails(name="Aylin Demir", phone=phone),
        interpreter_language=interpreter_language,
        caseworker=caseworker,
        booked_by=caseworker.user,
    )


@pytest.fixture
def scene(topic, caseworker):
    interpreter = InterpreterFactory(user=UserFactory(), languages=["ar"])
    video = _book(topic, caseworker, START, mode="video", phone="0151 23450001", interpreter_language="ar")
    accept_interpreter_request(request_id=video.appointment.interpreter_request.pk, interpreter=interpreter)
    by_phone = _book(topic, caseworker, START.replace(hour=9), mode="telephone", phone="0151 23450002")
    return video, by_phone, interpreter


def _app_writes(browser, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200, url
    return [query["sql"] for query in queries if APP_WRITE.match(query["sql"])]


def test_a_booking_has_its_call_room_from_the_start(scene):
    video, by_phone, _interpreter = scene
    assert video.appointment.call_room
    assert by_phone.appointment.call_room


def test_the_staff_pages_write_nothing(client, topic, caseworker, scene):
    video, _by_phone, _interpreter = scene
    coordinator = CaseworkerFactory(office=topic.office, topics=[topic], is_coordinator=True)
    client.force_login(caseworker.user)
    day = client.get(reverse("staff:day")).text
    assert reverse("realtime:staff-call", kwargs={"room": video.appointment.call_room}) in day
    for url in (
        reverse("staff:day"),
        f"{reverse('staff:day')}?fragment=rows",
        reverse("staff:week"),
        reverse("staff:appointment", args=[video.appointment.pk]),
    ):
        assert _app_writes(client, url) == [], url
    client.force_login(coordinator.user)
    assert _app_writes(client, reverse("staff:team")) == []


def test_the_interpreter_page_writes_nothing(client, scene):
    video, _by_phone, interpreter = scene
    client.force_login(interpreter.user)
    page = client.get(reverse("interpreter:overview")).text
    assert reverse("realtime:staff-call", kwargs={"room": video.appointment.call_room}) in page
    assert _app_writes(client, reverse("interpreter:overview")) == []


def test_the_video_pages_write_nothing(client, caseworker, scene):
    video, _by_phone, _interpreter = scene
    appointment = video.appointment
    own = reverse(
        "realtime:client-call", kwargs={"reference": appointment.reference, "token": video.manage_token}
    )
    assert _app_writes(client, own) == []
    client.force_login(caseworker.user)
    assert _app_writes(client, reverse("realtime:staff-call", kwargs={"room": appointment.call_room})) == []


def test_an_appointment_without_a_room_offers_no_call_and_gets_none_by_being_shown(client, caseworker, scene):
    video, by_phone, interpreter = scene
    Appointment.objects.filter(pk__in=[video.appointment.pk, by_phone.appointment.pk]).update(call_room=None)
    client.force_login(caseworker.user)

    assert "/video/raum/" not in client.get(reverse("staff:day")).text
    assert _app_writes(client, reverse("staff:day")) == []
    client.force_login(interpreter.user)
    assert _app_writes(client, reverse("interpreter:overview")) == []
    own = reverse(
        "realtime:client-call", kwargs={"reference": video.appointment.reference, "token": video.manage_token}
    )
    assert client.get(own).status_code == 404

    assert not Appointment.objects.filter(call_room__isnull=False).exists()
