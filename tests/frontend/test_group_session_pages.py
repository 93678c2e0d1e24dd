"""A client books a place in a group session through the same steps, without JavaScript."""

import re
from dataclasses import replace

import pytest

from appointments.models import Appointment
from appointments.services.group_sessions import book_place, schedule_group_session
from frontend.staff.group_session_forms import GroupSessionForm
from tests.factories import TopicFactory
from tests.frontend.conftest import PHONE
from tests.frontend.test_booking_flow import sms_code
from tests.scenario import AYLIN, TUESDAY, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(now, group_topic, caseworker):
    return [
        schedule_group_session(
            topic=group_topic, start=at(TUESDAY, clock), hosts=[caseworker], capacity=2, mode="in_person"
        )
        for clock in ("10:00", "14:00")
    ]


def fill(session, count):
    office = session.topic.office
    office.require_phone_verification = False
    office.save()
    for n in range(count):
        book_place(session=session, client=replace(AYLIN, name=f"Andere {n}", phone=f"0151 9876{n:04d}"))
    office.require_phone_verification = True
    office.save()


def to_sessions(client, topic):
    client.post("/", {"topic": topic.slug})
    client.post("/termin/art/", {"mode": "in_person"})
    client.post("/termin/sprache/", {"language": "de"})


def test_a_client_books_a_place_step_by_step(
    client, sessions, group_topic, sms_outbox, django_capture_on_commit_callbacks
):
    to_sessions(client, group_topic)
    page = client.get("/termin/zeit/").text
    assert "Gruppeninformation" in page
    assert "Gruppenveranstaltung" in page
    assert re.findall(r'name="session" value="(\d+)"', page) == [str(session.pk) for session in sessions]
    assert "2 Plätze frei" in page
    assert client.post("/termin/zeit/", {"session": sessions[0].pk}).url == "/termin/angaben/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/termin/angaben/", {"name": "Aylin Demir", "phone": PHONE, "sms_consent": "on"})
    assert client.post("/termin/code/", {"code": sms_code(sms_outbox)}).url == "/termin/fertig/"
    place = Appointment.objects.get(client__name="Aylin Demir")
    assert place.group_session == sessions[0]
    done = client.get("/termin/fertig/").text
    assert place.reference in done
    assert "Dienstag, 1. Dezember 2026" in done


def test_a_full_session_says_so_and_offers_no_button(client, sessions, group_topic):
    fill(sessions[0], 2)
    to_sessions(client, group_topic)
    page = client.get("/termin/zeit/").text
    assert re.findall(r'name="session" value="(\d+)"', page) == [str(sessions[1].pk)]
    assert "voll" in page


def test_the_last_place_gone_while_typing_names_the_next_date(
    client, sessions, group_topic, sms_outbox, django_capture_on_commit_callbacks
):
    to_sessions(client, group_topic)
    client.post("/termin/zeit/", {"session": sessions[0].pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/termin/angaben/", {"name": "Aylin Demir", "phone": PHONE, "sms_consent": "on"})
    fill(sessions[0], 2)
    answer = client.post("/termin/code/", {"code": sms_code(sms_outbox)})
    assert answer.url == "/termin/zeit/"
    page = client.get(answer.url).text
    assert "Diese Gruppenveranstaltung ist voll." in page
    assert "Der nächste Termin mit freien Plätzen: Dienstag, 1. Dezember 2026, 14:00." in page
    assert not Appointment.objects.filter(client__name="Aylin Demir").exists()


def test_a_session_of_another_topic_or_a_past_one_cannot_be_chosen(
    client, sessions, group_topic, office, caseworker
):
    other = TopicFactory(office=office, group=True, modes=["in_person"])
    foreign = schedule_group_session(
        topic=other, start=at(TUESDAY, "16:00"), hosts=[caseworker], capacity=2, mode="in_person"
    )
    to_sessions(client, group_topic)
    for value in (foreign.pk, "x", ""):
        answer = client.post("/termin/zeit/", {"session": value})
        assert answer.url == "/termin/zeit/"
    assert client.get("/termin/angaben/").url == "/termin/zeit/"


def test_the_sessions_page_in_arabic(client, sessions, group_topic):
    client.cookies["django_language"] = "ar"
    to_sessions(client, group_topic)
    page = client.get("/termin/zeit/", HTTP_ACCEPT_LANGUAGE="ar")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text
    assert "Which date suits you?" not in page.text
    # Each session's time and the office's number read left to right inside the Arabic text.
    assert len(re.findall(r'<bdi dir="ltr" class="ltr">\d\d:\d\d</bdi>', page.text)) == len(sessions)
    assert '<bdi dir="ltr" class="ltr">0611 123 4567</bdi>' in page.text


def test_a_place_is_cancelled_not_moved_on_its_manage_page(client, sessions):
    office = sessions[0].topic.office
    office.require_phone_verification = False
    office.save()
    booking = book_place(session=sessions[0], client=AYLIN)
    base = f"/b/{booking.appointment.reference}/{booking.manage_token}/"
    page = client.get(base).text
    assert f'href="{base}zeit/"' not in page
    assert f'href="{base}absagen/"' in page
    assert client.get(f"{base}zeit/").url == base


def test_the_schedule_form_offers_video_only_where_janus_runs(settings, office):
    settings.VIDEO_BACKEND = "builtin"
    assert [mode for mode, _label in GroupSessionForm(office=office).fields["mode"].choices] == ["in_person"]
    settings.VIDEO_BACKEND = "janus"
    assert [mode for mode, _label in GroupSessionForm(office=office).fields["mode"].choices] == [
        "in_person",
        "video",
    ]
