"""A coordinator moves the clients an absence hits to a colleague from the availability page, in one step."""

from datetime import timedelta

import pytest

from appointments.models import Appointment, Invitation
from tests.appointments.services.reassignment_setup import (
    absent_and_colleague,
    appointment,
    invitation,
    sick,
)
from tests.factories import CaseworkerFactory
from tests.scenario import TUESDAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]

PAGE = "/fachkraft/verfuegbarkeit/"


@pytest.fixture
def scene(topic):
    absent, colleague = absent_and_colleague(topic)
    absence = sick(absent)
    free = appointment(topic, absent, at(TUESDAY, "09:00"))
    afternoon = appointment(topic, absent, at(TUESDAY, "14:00"))  # Weber works until 12
    invited = invitation(topic, absent, window=(at(TUESDAY, "08:00"), at(TUESDAY + timedelta(8), "08:00")))
    return absent, colleague, absence, free, afternoon, invited


@pytest.fixture
def coordinator(client, topic):
    coordinator = CaseworkerFactory(office=topic.office, is_coordinator=True)
    client.force_login(coordinator.user)
    return coordinator


def reassign_url(absence) -> str:
    return f"/fachkraft/verfuegbarkeit/abwesenheiten/{absence.pk}/uebertragen/"


def test_the_coordinator_sees_who_the_absence_hits_and_a_colleague_to_move_them_to(
    client, coordinator, scene
):
    absent, colleague, absence, free, afternoon, invited = scene
    page = client.get(PAGE, {"fachkraft": absent.pk}).text
    assert f'action="{reassign_url(absence)}"' in page
    assert f'name="termin" value="{free.pk}" checked' in page
    assert f'name="termin" value="{afternoon.pk}" checked' in page
    assert f'name="einladung" value="{invited.pk}" checked' in page
    assert "1 offene Einladung ist für eine Zeit in dieser Abwesenheit." in page
    assert f'<option value="{colleague.pk}">Herr Weber</option>' in page
    assert f'<option value="{absent.pk}">' not in page.split(f'action="{reassign_url(absence)}"')[1]


def test_the_caseworker_themselves_sees_who_is_hit_but_no_move(client, scene):
    absent, _colleague, absence, free, _afternoon, _invited = scene
    client.force_login(absent.user)
    page = client.get(PAGE).text
    assert f'data-affected="{free.reference}"' in page
    assert reassign_url(absence) not in page
    assert client.post(reassign_url(absence)).status_code == 404


def test_one_step_moves_whom_the_colleague_can_take_and_names_the_rest(client, coordinator, scene):
    absent, colleague, absence, free, afternoon, invited = scene
    answer = client.post(
        reassign_url(absence),
        {"kollegin": colleague.pk, "termin": [free.pk, afternoon.pk], "einladung": [invited.pk]},
        follow=True,
    )
    assert answer.redirect_chain[-1][0] == f"{PAGE}?fachkraft={absent.pk}"
    assert "2 Kundinnen und Kunden sind jetzt bei Herr Weber; sie werden benachrichtigt." in answer.text
    assert "Herr Weber ist dann nicht frei, diese bleiben: Di, 1.12. 14:00" in answer.text
    assert afternoon.reference in answer.text
    assert Appointment.objects.get(pk=free.pk).caseworker == colleague
    assert Appointment.objects.get(pk=afternoon.pk).caseworker == absent
    assert Invitation.objects.get(pk=invited.pk).caseworker == colleague


def test_only_the_ticked_clients_move(client, coordinator, scene):
    _absent, colleague, absence, free, _afternoon, invited = scene
    client.post(reassign_url(absence), {"kollegin": colleague.pk, "einladung": [invited.pk]})
    assert Appointment.objects.get(pk=free.pk).caseworker != colleague
    assert Invitation.objects.get(pk=invited.pk).caseworker == colleague


def test_an_appointment_outside_the_absence_is_not_moved_even_if_posted(client, coordinator, scene, topic):
    absent, colleague, absence, free, _afternoon, _invited = scene
    later = appointment(topic, absent, at(TUESDAY + timedelta(7), "09:00"))
    client.post(reassign_url(absence), {"kollegin": colleague.pk, "termin": [free.pk, later.pk]})
    assert Appointment.objects.get(pk=later.pk).caseworker == absent
    assert Appointment.objects.get(pk=free.pk).caseworker == colleague


@pytest.mark.parametrize(
    ("form", "error"),
    [({"termin": "x"}, "Bitte wählen Sie eine Kollegin oder einen Kollegen."), ({}, "Bitte kreuzen Sie")],
)
def test_without_a_colleague_or_a_client_nothing_moves(client, coordinator, scene, form, error):
    absent, colleague, absence, free, _afternoon, _invited = scene
    data = (
        {"kollegin": colleague.pk, **form} if "termin" not in form else {"kollegin": "", "termin": [free.pk]}
    )
    answer = client.post(reassign_url(absence), data, follow=True)
    assert error in answer.text
    assert Appointment.objects.get(pk=free.pk).caseworker == absent


def test_another_offices_coordinator_gets_404(client, scene):
    _absent, colleague, absence, free, _afternoon, _invited = scene
    client.force_login(CaseworkerFactory(is_coordinator=True).user)
    assert (
        client.post(reassign_url(absence), {"kollegin": colleague.pk, "termin": [free.pk]}).status_code == 404
    )
    assert Appointment.objects.get(pk=free.pk).caseworker != colleague
