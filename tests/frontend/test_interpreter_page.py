"""The interpreter's page: offers and jobs of the logged-in interpreter only, usable without JavaScript."""

import pytest

from appointments.models import InterpreterRequest, Language
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.group_session_interpreters import assign_group_interpreter
from appointments.services.group_sessions import schedule_group_session
from tests.factories import CaseworkerFactory, InterpreterFactory, TopicFactory, UserFactory
from tests.scenario import THURSDAY_9, TUESDAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]


def interpreter(client, languages=("ar",)):
    person = InterpreterFactory(user=UserFactory(), languages=languages)
    client.force_login(person.user)
    return person


@pytest.fixture
def request_id(topic):
    appointment = book_appointment(
        topic=topic,
        mode="video",
        start=THURSDAY_9,
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789"),
        interpreter_language="ar",
        booked_by=UserFactory(),
    ).appointment
    return appointment.interpreter_request.pk


def test_login_is_required(client):
    response = client.get("/dolmetschen/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")
    assert client.get(response["Location"]).status_code == 200


def test_caseworkers_are_not_interpreters(client, caseworker):
    client.force_login(caseworker.user)
    assert client.get("/dolmetschen/").status_code == 404


def test_offer_accept_and_join_without_javascript(client, request_id):
    interpreter(client)
    page = client.get("/dolmetschen/")
    assert page.status_code == 200
    assert f"/dolmetschen/{request_id}/annehmen/" in page.text
    assert "Demir" not in page.text
    accepted = client.post(f"/dolmetschen/{request_id}/annehmen/", follow=True)
    assert accepted.status_code == 200
    assert InterpreterRequest.objects.get().status == "accepted"
    assert "/video/raum/" in accepted.text
    assert "Aylin" in accepted.text
    assert "Demir" not in accepted.text
    assert "/calendar/" in accepted.text


def test_someone_else_sees_it_gone_and_gets_told(client, request_id):
    first = interpreter(client)
    client.post(f"/dolmetschen/{request_id}/annehmen/")
    client.logout()
    second = interpreter(client)
    assert first != second
    assert f"/dolmetschen/{request_id}/annehmen/" not in client.get("/dolmetschen/").text
    late = client.post(f"/dolmetschen/{request_id}/annehmen/", follow=True)
    assert late.status_code == 200
    assert InterpreterRequest.objects.get().interpreter == first


def test_decline_and_give_back(client, request_id):
    interpreter(client)
    client.post(f"/dolmetschen/{request_id}/annehmen/")
    client.post(f"/dolmetschen/{request_id}/zurueckgeben/", {"reason": "krank"})
    assert InterpreterRequest.objects.get().status == "open"
    assert f"/dolmetschen/{request_id}/annehmen/" not in client.get("/dolmetschen/").text


def test_a_stranger_cannot_act_on_a_request(client, request_id):
    interpreter(client, languages=("tr",))
    client.post(f"/dolmetschen/{request_id}/annehmen/")
    assert InterpreterRequest.objects.get().status == "open"


def test_figures_page_for_coordinators_only(client, request_id, caseworker):
    client.force_login(caseworker.user)
    assert client.get("/dolmetschen/zahlen/?monat=2026-11").status_code == 404
    caseworker.is_coordinator = True
    caseworker.save()
    page = client.get("/dolmetschen/zahlen/?monat=2026-11")
    assert page.status_code == 200
    assert '<th scope="row">ar</th><td>1</td><td>0</td>' in page.text
    assert client.get("/dolmetschen/zahlen/?monat=kaputt").status_code == 400


@pytest.mark.parametrize("action", ["annehmen", "ablehnen", "zurueckgeben"])
def test_an_interpreter_of_another_language_finds_nothing(client, request_id, action):
    interpreter(client, languages=("tr",))
    assert client.post(f"/dolmetschen/{request_id}/{action}/").status_code == 404
    assert InterpreterRequest.objects.get().status == "open"


def test_someone_elses_job_cannot_be_given_back(client, request_id):
    interpreter(client)
    client.post(f"/dolmetschen/{request_id}/annehmen/")
    client.logout()
    interpreter(client)
    assert client.post(f"/dolmetschen/{request_id}/zurueckgeben/").status_code == 404
    assert InterpreterRequest.objects.get().status == "accepted"


def group_session(topic, *, mode, clock="10:00"):
    return schedule_group_session(
        topic=topic,
        start=at(TUESDAY, clock),
        hosts=[CaseworkerFactory(office=topic.office)],
        capacity=5,
        mode=mode,
        languages=Language.objects.filter(code="ar"),
    )


def test_the_overview_lists_the_interpreter_s_group_sessions_with_the_video_room(client, office, settings):
    settings.VIDEO_BACKEND = "janus"
    office.address = "Hauptstraße 1\n65183 Wiesbaden"
    office.save()
    person = interpreter(client)
    person.modes = ["in_person", "video"]
    person.save()
    topic = TopicFactory(office=office, name="Bewerbungstraining", group=True, modes=["in_person", "video"])
    arabic = Language.objects.get(code="ar")
    at_the_office, by_video = (
        group_session(topic, mode="in_person"),
        group_session(topic, mode="video", clock="14:00"),
    )
    for session in (at_the_office, by_video):
        assign_group_interpreter(session=session, language=arabic, interpreter=person)
    page = client.get("/dolmetschen/").text
    section = page.split('id="group-sessions"')[1].split("</section>")[0]
    assert section.count("Bewerbungstraining") == 2
    assert f"Ort: {office.name}" in section
    assert "Hauptstraße 1<br>65183 Wiesbaden" in section
    assert section.count(arabic.name) == 2
    assert f'href="/video/raum/{by_video.call_room}/"' in section
    assert at_the_office.call_room not in section


def test_another_interpreter_sees_no_group_session(client, office):
    topic = TopicFactory(office=office, group=True, modes=["in_person"])
    someone = InterpreterFactory(languages=["ar"], modes=["in_person"])
    session = group_session(topic, mode="in_person")
    assign_group_interpreter(session=session, language=Language.objects.get(code="ar"), interpreter=someone)
    interpreter(client)
    assert "Sie sind für keine Gruppenveranstaltung eingeteilt." in client.get("/dolmetschen/").text
