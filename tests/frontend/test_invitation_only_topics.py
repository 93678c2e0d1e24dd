"""A topic closed to self-booking (Topic.self_booking False): not on the public pages, not in the public API.

Staff still book it, and an invitation books it; an anonymous booking is refused by the service itself.
"""

from datetime import datetime

import pytest
from rest_framework.test import APIClient

from appointments.exceptions import ApplicationError
from appointments.models import Appointment
from appointments.services.booking import ClientDetails, book_appointment
from tests.factories import TopicFactory, UserFactory
from tests.frontend.conftest import FIRST_SLOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(topic):
    topic.self_booking = False
    topic.save(update_fields=["self_booking"])
    return topic


def _details() -> ClientDetails:
    return ClientDetails(name="Aylin Demir", phone="+4915123456789")


def test_home_page_leaves_out_invitation_only_topics(client, office, closed):
    TopicFactory(office=office, name="Offene Sprechstunde")
    page = client.get("/").text
    assert "Offene Sprechstunde" in page
    assert "Fragen zum Bürgergeld" not in page


def test_posting_an_invitation_only_topic_is_refused_like_an_unknown_one(client, closed):
    page = client.post("/", {"topic": closed.slug})
    assert page.status_code == 200
    assert 'id="topic-error"' in page.text
    assert client.get("/termin/art/").url == "/"


def test_a_flow_started_before_the_topic_closed_goes_back_to_the_start(client, now, caseworker, topic):
    client.post("/", {"topic": topic.slug})
    client.post("/termin/art/", {"mode": "video"})
    topic.self_booking = False
    topic.save(update_fields=["self_booking"])
    assert client.get("/termin/sprache/").url == "/"


def test_api_lists_only_topics_open_to_self_booking(now, office, closed):
    TopicFactory(office=office, slug="offen")
    slugs = [topic["slug"] for topic in APIClient().get("/api/v1/topics/").json()]
    assert slugs == ["offen"]


def test_api_gives_no_slots_for_an_invitation_only_topic(now, caseworker, closed):
    answer = APIClient().get("/api/v1/slots/", {"topic": closed.slug})
    assert answer.status_code == 400
    assert "topic" in answer.json()


def test_api_refuses_to_book_an_invitation_only_topic(now, caseworker, closed):
    body = {
        "topic": closed.slug,
        "mode": "video",
        "start": FIRST_SLOT,
        "client": {"name": "Aylin Demir", "phone": "0151 23456789", "sms_consent": True},
    }
    answer = APIClient().post("/api/v1/bookings/", body, format="json")
    assert answer.status_code == 400
    assert "topic" in answer.json()
    assert not Appointment.objects.exists()


def test_the_service_refuses_an_anonymous_booking_of_an_invitation_only_topic(now, caseworker, closed):
    with pytest.raises(ApplicationError) as refused:
        book_appointment(
            topic=closed, mode="video", start=datetime.fromisoformat(FIRST_SLOT), client=_details()
        )
    assert refused.value.field == "topic"
    assert str(refused.value.message) == "Dieses Thema kann nur mit einer Einladung gebucht werden."
    assert not Appointment.objects.exists()


def test_staff_still_book_it(now, caseworker, closed):
    booking = book_appointment(
        topic=closed,
        mode="video",
        start=datetime.fromisoformat(FIRST_SLOT),
        client=_details(),
        booked_by=UserFactory(),
    )
    assert booking.appointment.caseworker == caseworker


def test_an_invitation_books_it(now, caseworker, closed):
    from appointments.services.invitations import accept_invitation, choose_invitation_time, invite_client
    from tests.factories import ClientFactory

    def invite(**when):
        return invite_client(
            caseworker=caseworker,
            topic=closed,
            client=ClientFactory(),
            modes=["video"],
            deadline=datetime.fromisoformat(FIRST_SLOT),
            channels=["letter"],
            invited_by=caseworker.user,
            **when,
        ).invitation

    fixed = invite(start=datetime.fromisoformat("2026-12-01T10:00:00+01:00"))
    window = invite(
        window=(
            datetime.fromisoformat("2026-12-01T08:00:00+01:00"),
            datetime.fromisoformat("2026-12-04T18:00:00+01:00"),
        )
    )
    assert accept_invitation(invitation=fixed).appointment.status == Appointment.Status.BOOKED
    chosen = choose_invitation_time(
        invitation=window, start=datetime.fromisoformat("2026-12-02T09:00:00+01:00")
    )
    assert chosen.appointment.topic == closed


def test_staff_book_it_from_the_workspace(client, now, caseworker, closed):
    from tests.frontend.test_staff_booking import start_new_client, step_url, walk_to_confirm

    client.force_login(caseworker.user)
    draft_url = start_new_client(client)
    confirm_url = walk_to_confirm(client, draft_url, closed, mode="video")
    assert client.post(confirm_url)["Location"] == step_url(draft_url, "gebucht")
    assert Appointment.objects.get().topic == closed
