"""Group sessions in the workspace: a coordinator schedules one, hosts see its places and mark
attendance, nobody else opens it, and calling it off tells every participant."""

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from appointments.models import Appointment, GroupSession, GroupSessionInterpreter, Language, Notification
from appointments.services.group_session_interpreters import assign_group_interpreter
from appointments.services.group_sessions import book_place, schedule_group_session
from tests.factories import CaseworkerFactory, InterpreterFactory
from tests.scenario import AYLIN, TUESDAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "no_sms_codes")]


@pytest.fixture
def coordinator(office):
    return CaseworkerFactory(office=office, is_coordinator=True, display_name="Frau Yılmaz")


@pytest.fixture
def session(group_topic, caseworker):
    made = schedule_group_session(
        topic=group_topic, start=at(TUESDAY, "10:00"), hosts=[caseworker], capacity=5, mode="in_person"
    )
    for n in range(2):
        book_place(session=made, client=replace(AYLIN, name=f"Teilnehmerin {n}", phone=f"0151 2345{n:04d}"))
    return made


def form(topic, host, clock: str, **changes) -> dict:
    """The scheduling form as a coordinator fills it in, for Tuesday at `clock`."""
    fields = {"topic": topic.pk, "day": "2026-12-01", "time": clock, "hosts": [host.pk]}
    return {**fields, "capacity": "5", "mode": "in_person", **changes}


def test_a_coordinator_schedules_a_session_from_the_form(client, coordinator, caseworker, group_topic):
    client.force_login(coordinator.user)
    page = client.get("/fachkraft/gruppen/").text
    assert 'id="group-session-form"' in page
    answer = client.post(
        "/fachkraft/gruppen/", form(group_topic, caseworker, "14:00", capacity="12", languages=["ar"])
    )
    session = GroupSession.objects.get()
    assert answer.url == f"/fachkraft/gruppen/{session.pk}/"
    assert (session.start, session.capacity, list(session.hosts.all())) == (
        at(TUESDAY, "14:00"),
        12,
        [caseworker],
    )
    assert [language.code for language in session.languages.all()] == ["ar"]


def test_the_form_tells_a_busy_host_and_too_many_places_by_the_fields(
    client, coordinator, caseworker, group_topic, session
):
    client.force_login(coordinator.user)
    page = client.post("/fachkraft/gruppen/", form(group_topic, caseworker, "10:30", capacity="31")).text
    assert "Dieser Wert muss kleiner oder gleich 30 sein." in page
    page = client.post("/fachkraft/gruppen/", form(group_topic, caseworker, "10:30", capacity="5")).text
    assert "einen anderen Termin" in page
    assert GroupSession.objects.count() == 1


def test_a_caseworker_sees_the_sessions_they_host_but_schedules_none(
    client, caseworker, session, group_topic
):
    client.force_login(caseworker.user)
    page = client.get("/fachkraft/gruppen/").text
    assert 'id="group-session-form"' not in page
    assert f'href="/fachkraft/gruppen/{session.pk}/"' in page
    assert "2 / 5" in page
    client.post("/fachkraft/gruppen/", form(group_topic, caseworker, "16:00", capacity="3"))
    assert GroupSession.objects.count() == 1


def test_the_host_sees_the_places_and_a_stranger_gets_404(client, caseworker, session, office):
    client.force_login(caseworker.user)
    page = client.get(f"/fachkraft/gruppen/{session.pk}/").text
    assert re.findall(r"<td>(Teilnehmerin \d)</td>", page) == ["Teilnehmerin 0", "Teilnehmerin 1"]
    assert "2 von 5" in page
    assert 'name="outcome"' not in page  # not begun yet
    client.force_login(CaseworkerFactory(office=office).user)
    assert client.get(f"/fachkraft/gruppen/{session.pk}/").status_code == 404
    assert f"/fachkraft/gruppen/{session.pk}/" not in client.get("/fachkraft/gruppen/").text


def test_once_begun_the_host_marks_who_took_part(client, caseworker, session, time_machine):
    time_machine.move_to(session.start + timedelta(minutes=10))
    client.force_login(caseworker.user)
    page = client.get(f"/fachkraft/gruppen/{session.pk}/").text
    assert page.count('value="no_show"') == 2
    came, missed = session.places.order_by("created_at")
    here = f"/fachkraft/gruppen/{session.pk}/"
    assert (
        client.post(f"/fachkraft/termin/{came.pk}/ergebnis/", {"outcome": "completed", "next": here}).url
        == here
    )
    client.post(f"/fachkraft/termin/{missed.pk}/ergebnis/", {"outcome": "no_show", "next": here})
    assert dict(session.places.values_list("client__name", "status")) == {
        "Teilnehmerin 0": "completed",
        "Teilnehmerin 1": "no_show",
    }


def test_places_are_not_rows_of_the_hosts_day(client, caseworker, session):
    client.force_login(caseworker.user)
    page = client.get("/fachkraft/?tag=2026-12-01").text
    for place in session.places.all():
        assert place.reference not in page


def test_a_coordinator_calls_a_session_off_and_every_place_is_told(client, coordinator, caseworker, session):
    client.force_login(caseworker.user)
    assert "Gruppenveranstaltung absagen" not in client.get(f"/fachkraft/gruppen/{session.pk}/").text
    client.post(f"/fachkraft/gruppen/{session.pk}/absagen/")
    assert GroupSession.objects.get().status == "scheduled"
    client.force_login(coordinator.user)
    client.post(f"/fachkraft/gruppen/{session.pk}/absagen/", {"reason": "Raum nicht verfügbar"})
    assert GroupSession.objects.get().status == "cancelled"
    assert set(session.places.values_list("status", flat=True)) == {Appointment.Status.CANCELLED}
    assert Notification.objects.filter(appointment__group_session=session, kind="cancelled").count() >= 2


@pytest.fixture
def arabic_session(group_topic, caseworker):
    return schedule_group_session(
        topic=group_topic,
        start=at(TUESDAY, "14:00"),
        hosts=[caseworker],
        capacity=5,
        mode="in_person",
        languages=Language.objects.filter(code__in=["ar", "de"]),
    )


def interpreter(name: str, **extra):
    return InterpreterFactory(name=name, languages=["ar"], modes=["in_person"], **extra)


def test_a_coordinator_assigns_replaces_and_removes_the_interpreter_of_a_language(
    client, coordinator, arabic_session
):
    amal, basim = interpreter("Amal Haddad"), interpreter("Basim Nasser")
    interpreter("Tarek Busy").absences.create(start=at(TUESDAY, "13:00"), end=at(TUESDAY, "18:00"))
    client.force_login(coordinator.user)
    here = f"/fachkraft/gruppen/{arabic_session.pk}/"
    page = client.get(here).text
    assert re.findall(r'<option value="\d+">([^<]+)</option>', page) == ["Amal Haddad", "Basim Nasser"]
    assert 'name="language" value="de"' not in page  # German needs no interpreter
    assert "<td>Noch keine Dolmetschung</td>" in page

    assigned = client.post(f"{here}dolmetschen/", {"language": "ar", "interpreter": amal.pk}, follow=True)
    assert "Amal Haddad dolmetscht" in assigned.text
    assert GroupSessionInterpreter.objects.get().interpreter == amal
    client.post(f"{here}dolmetschen/", {"language": "ar", "interpreter": basim.pk})
    assert GroupSessionInterpreter.objects.get().interpreter == basim
    removed = client.post(f"{here}dolmetschen/entfernen/", {"language": "ar"}, follow=True)
    assert "nicht mehr zum Dolmetschen eingeteilt" in removed.text
    assert not GroupSessionInterpreter.objects.exists()


def test_the_page_tells_why_an_interpreter_cannot_be_assigned(client, coordinator, arabic_session):
    busy = interpreter("Tarek Busy")
    busy.absences.create(start=at(TUESDAY, "13:00"), end=at(TUESDAY, "18:00"))
    client.force_login(coordinator.user)
    here = f"/fachkraft/gruppen/{arabic_session.pk}/"
    refused = client.post(f"{here}dolmetschen/", {"language": "ar", "interpreter": busy.pk}, follow=True)
    assert "zu dieser Zeit nicht frei" in refused.text
    assert "Zu dieser Zeit ist niemand für diese Sprache frei." in refused.text
    unchosen = client.post(f"{here}dolmetschen/", {"language": "ar", "interpreter": ""}, follow=True)
    assert "Wählen Sie eine Person aus der Liste." in unchosen.text
    assert not GroupSessionInterpreter.objects.exists()


def test_the_host_sees_the_interpreter_but_does_not_change_it(client, caseworker, arabic_session):
    amal = interpreter("Amal Haddad")
    assign_group_interpreter(
        session=arabic_session, language=Language.objects.get(code="ar"), interpreter=amal
    )
    client.force_login(caseworker.user)
    here = f"/fachkraft/gruppen/{arabic_session.pk}/"
    page = client.get(here).text
    assert "<td>Amal Haddad</td>" in page
    assert "dolmetschen/entfernen/" not in page
    client.post(f"{here}dolmetschen/entfernen/", {"language": "ar"})
    assert GroupSessionInterpreter.objects.get().interpreter == amal
