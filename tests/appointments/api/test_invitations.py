"""POST/GET /api/v1/invitations/: staff invite a client and see where their invitations stand."""

import pytest

from appointments.models import Appointment, Invitation, Notification
from appointments.services.invitations import accept_invitation, open_invitation
from appointments.services.outbox.delivery_status import record_delivery_status
from tests.factories import CaseworkerFactory, ClientFactory, InterpreterFactory, UserFactory
from tests.scenario import TUESDAY, iso

pytestmark = pytest.mark.django_db

URL = "/api/v1/invitations/"
DEADLINE = "2026-11-30T18:00:00+01:00"


def body(topic, **overrides):
    data = {
        "topic": topic.slug,
        "client": {"name": "Aylin Demir", "phone": "0151 23456789", "sms_consent": True, "language": "tr"},
        "modes": ["video", "telephone"],
        "start": iso(TUESDAY, "10:00"),
        "deadline": DEADLINE,
        "channels": ["sms", "letter"],
        "note": "Bitte Lebenslauf mitbringen.",
    }
    data.update(overrides)
    return data


def test_a_caseworker_invites_and_gets_the_link_and_code_once(api, caseworker, topic):
    api.force_login(caseworker.user)
    answer = api.post(URL, body(topic), format="json")
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["status"] == "open"
    assert data["state"] == "pending"
    assert data["start"] == iso(TUESDAY, "10:00")
    assert data["caseworker"]["display_name"] == "Frau Schmidt"
    assert "/e/" in data["link"]
    assert len(data["code"]) == 11
    invitation = Invitation.objects.get()
    assert invitation.client.language == "tr"
    assert invitation.appointment.status == Appointment.Status.HELD
    listed = api.get(URL).json()
    assert [row["id"] for row in listed] == [invitation.pk]
    assert "link" not in listed[0]
    assert "code" not in listed[0]


def test_the_list_shows_delivered_opened_and_booked(api, caseworker, topic):
    api.force_login(caseworker.user)
    created = api.post(URL, body(topic), format="json").json()
    sms = Notification.objects.get(invitation_id=created["id"])
    Notification.objects.filter(pk=sms.pk).update(status="sent", provider_message_id="SM1")
    assert api.get(URL).json()[0]["state"] == "sent"
    record_delivery_status(message_id="SM1", status="delivered")
    assert api.get(URL).json()[0]["state"] == "delivered"
    token = created["link"].rsplit("/", 1)[1]
    invitation = open_invitation(token=token)
    assert api.get(URL).json()[0]["state"] == "opened"
    booking = accept_invitation(invitation=invitation)
    row = api.get(URL).json()[0]
    assert (row["state"], row["reference"]) == ("booked", booking.appointment.reference)
    assert api.get(URL, {"status": "open"}).json() == []


def test_a_window_invitation_for_a_known_client(api, caseworker, topic):
    api.force_login(caseworker.user)
    known = ClientFactory()  # not a client of this caseworker
    data = body(
        topic, window_from=iso(TUESDAY, "09:00"), window_until=iso(TUESDAY, "12:00"), channels=["sms"]
    )
    del data["start"]
    answer = api.post(URL, data, format="json")
    assert answer.status_code == 201, answer.json()
    client_id = Invitation.objects.get().client_id
    again = {**data, "client_id": client_id}
    del again["client"]
    assert api.post(URL, again, format="json").status_code == 201
    stranger = {**again, "client_id": known.pk}
    answer = api.post(URL, stranger, format="json")
    assert answer.status_code == 400
    assert "client_id" in answer.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"modes": ["in_person"]}, "modes"),
        ({"deadline": "2026-12-01T11:00:00"}, "deadline"),
        ({"start": iso(TUESDAY, "15:00")}, "start"),
        ({"surprise": 1}, "surprise"),
        ({"channels": []}, "channels"),
        ({"window_from": iso(TUESDAY, "09:00")}, "window_until"),
    ],
)
def test_bad_requests_are_clear_4xx_and_leave_nothing(api, caseworker, topic, change, field):
    api.force_login(caseworker.user)
    answer = api.post(URL, body(topic, **change), format="json")
    assert 400 <= answer.status_code < 500
    assert field in answer.json()
    assert not Invitation.objects.exists()
    assert not Appointment.objects.exists()


def test_a_taken_time_is_409(api, caseworker, topic):
    api.force_login(caseworker.user)
    assert api.post(URL, body(topic), format="json").status_code == 201
    other = body(topic, client={"name": "B C", "phone": "0151 99999999", "sms_consent": True})
    assert api.post(URL, other, format="json").status_code == 409


def test_coordinators_invite_for_their_office_only_and_see_its_invitations(api, caseworker, topic):
    coordinator = CaseworkerFactory(office=topic.office, is_coordinator=True)
    api.force_login(coordinator.user)
    answer = api.post(URL, body(topic, caseworker=caseworker.pk), format="json")
    assert answer.status_code == 201
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    api.force_login(colleague.user)
    assert api.get(URL).json() == []
    refused = api.post(URL, body(topic, caseworker=caseworker.pk, start=iso(TUESDAY, "11:00")), format="json")
    assert refused.status_code == 400
    assert "caseworker" in refused.json()
    stranger = CaseworkerFactory(is_coordinator=True)
    api.force_login(stranger.user)
    assert api.get(URL).json() == []
    api.force_login(caseworker.user)
    assert len(api.get(URL).json()) == 1


@pytest.mark.parametrize("who", ["anonymous", "interpreter", "client-like user"])
def test_only_staff_may_use_it(api, caseworker, topic, who):
    if who == "interpreter":
        api.force_login(InterpreterFactory(user=UserFactory()).user)
    elif who == "client-like user":
        api.force_login(UserFactory())
    refused = 403 if who == "anonymous" else 404  # no login: log in; logged in but not staff: 404
    assert api.get(URL).status_code == refused
    assert api.post(URL, body(topic), format="json").status_code == refused
    assert not Invitation.objects.exists()
