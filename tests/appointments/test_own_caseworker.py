"""own_caseworker: the caseworker of the client's latest appointment or invitation at the office."""

from datetime import UTC, datetime, timedelta

import pytest

from appointments.models import Appointment, Invitation
from appointments.selectors import own_caseworker
from tests.appointments.services.reassignment_setup import new_invitation
from tests.factories import AppointmentFactory, CaseworkerFactory, ClientFactory, TopicFactory

pytestmark = pytest.mark.django_db

LAST_WEEK = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def invitation(client, caseworker, topic, created_at) -> Invitation:
    return new_invitation(
        client=client,
        caseworker=caseworker,
        topic=topic,
        start=created_at + timedelta(days=7),
        deadline=created_at + timedelta(days=5),
        created_at=created_at,
    )


@pytest.fixture
def people(topic):
    first = CaseworkerFactory(office=topic.office, topics=[topic], display_name="Herr Weber")
    second = CaseworkerFactory(office=topic.office, topics=[topic], display_name="Frau Yılmaz")
    return ClientFactory(), first, second


def test_a_client_without_history_has_none(people, topic):
    client, _first, _second = people
    assert own_caseworker(client=client, topic=topic) is None


def test_the_latest_appointment_decides_even_a_cancelled_one(people, topic, time_machine):
    client, first, second = people
    time_machine.move_to(LAST_WEEK, tick=False)
    AppointmentFactory(client=client, topic=topic, caseworker=first, start=LAST_WEEK + timedelta(days=1))
    time_machine.move_to(LAST_WEEK + timedelta(days=2), tick=False)
    AppointmentFactory(
        client=client,
        topic=topic,
        caseworker=second,
        start=LAST_WEEK + timedelta(days=3),
        status=Appointment.Status.CANCELLED,
    )
    assert own_caseworker(client=client, topic=topic) == second


def test_a_newer_invitation_beats_an_older_appointment(people, topic, time_machine):
    client, first, second = people
    time_machine.move_to(LAST_WEEK, tick=False)
    AppointmentFactory(client=client, topic=topic, caseworker=first, start=LAST_WEEK + timedelta(days=1))
    invitation(client, second, topic, LAST_WEEK + timedelta(days=1))
    assert own_caseworker(client=client, topic=topic) == second


def test_a_newer_appointment_beats_an_older_invitation(people, topic, time_machine):
    client, first, second = people
    invitation(client, second, topic, LAST_WEEK - timedelta(days=7))
    time_machine.move_to(LAST_WEEK, tick=False)
    AppointmentFactory(client=client, topic=topic, caseworker=first, start=LAST_WEEK + timedelta(days=1))
    assert own_caseworker(client=client, topic=topic) == first


@pytest.mark.parametrize("gone", ["inactive", "no_longer_offers_the_topic"])
def test_a_caseworker_who_left_or_changed_topics_is_passed_over(people, topic, time_machine, gone):
    client, first, second = people
    time_machine.move_to(LAST_WEEK, tick=False)
    AppointmentFactory(client=client, topic=topic, caseworker=first, start=LAST_WEEK + timedelta(days=1))
    time_machine.move_to(LAST_WEEK + timedelta(days=1), tick=False)
    AppointmentFactory(client=client, topic=topic, caseworker=second, start=LAST_WEEK + timedelta(days=2))
    if gone == "inactive":
        second.active = False
        second.save(update_fields=["active"])
    else:
        second.topics.clear()
    assert own_caseworker(client=client, topic=topic) == first


def test_another_offices_caseworker_is_not_the_own_one_here(people, topic):
    client, _first, _second = people
    elsewhere = TopicFactory()
    stranger = CaseworkerFactory(office=elsewhere.office, topics=[elsewhere, topic])
    AppointmentFactory(client=client, topic=elsewhere, caseworker=stranger, start=LAST_WEEK)
    assert own_caseworker(client=client, topic=topic) is None
    assert own_caseworker(client=client, topic=elsewhere) == stranger


def test_another_clients_history_does_not_count(people, topic):
    _client, first, _second = people
    AppointmentFactory(topic=topic, caseworker=first, start=LAST_WEEK)
    assert own_caseworker(client=ClientFactory(), topic=topic) is None
