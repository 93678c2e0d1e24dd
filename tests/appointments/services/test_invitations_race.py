"""Concurrent uses of one invitation race for real on PostgreSQL: exactly one books, the rest find it used."""

from datetime import time

import pytest

from appointments.exceptions import SlotTaken
from appointments.models import Appointment, Invitation
from appointments.services.invitations import (
    InvitationClosed,
    accept_invitation,
    choose_invitation_time,
    decline_invitation,
    expire_invitations,
    invite_client,
)
from tests.appointments.services.test_booking_race import assert_no_overlaps, race
from tests.factories import CaseworkerFactory, ClientFactory, TopicFactory, week_of_hours
from tests.scenario import MONDAY_EVENING, TUESDAY, at

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("now")]

RACERS = 20
LOSING = (InvitationClosed, SlotTaken)


@pytest.fixture
def caseworker():
    topic = TopicFactory()
    worker = CaseworkerFactory(office=topic.office, topics=[topic])
    week_of_hours(worker)
    return worker


def invite(caseworker, **kwargs):
    return invite_client(
        caseworker=caseworker,
        topic=caseworker.topics.get(),
        client=ClientFactory(),
        modes=["video"],
        deadline=MONDAY_EVENING,
        channels=["sms"],
        invited_by=caseworker.user,
        **kwargs,
    ).invitation


def fresh(invitation):
    return Invitation.objects.get(pk=invitation.pk)


def test_twenty_confirmations_of_one_fixed_invitation_book_once(caseworker):
    invitation = invite(caseworker, start=at(TUESDAY, "10:00"))
    outcomes = race([lambda: accept_invitation(invitation=fresh(invitation)) for _ in range(RACERS)], LOSING)
    assert outcomes == {"booked": 1, "taken": RACERS - 1}
    assert Appointment.objects.get().status == Appointment.Status.BOOKED
    assert fresh(invitation).status == Invitation.Status.BOOKED


def test_twenty_choices_in_one_window_book_once(caseworker):
    invitation = invite(caseworker, window=(at(TUESDAY, "09:00"), at(TUESDAY, "12:00")))
    # Some on the same time.
    starts = [at(TUESDAY, time(9 + i // 4, (i % 4) * 15)) for i in range(RACERS // 2)] * 2
    outcomes = race(
        [
            lambda start=start: choose_invitation_time(invitation=fresh(invitation), start=start)
            for start in starts
        ],
        LOSING,
    )
    assert outcomes == {"booked": 1, "taken": RACERS - 1}
    assert Appointment.objects.filter(status=Appointment.Status.BOOKED).count() == 1
    assert_no_overlaps()


def test_confirming_declining_choosing_and_expiring_at_once_end_in_one_answer(caseworker):
    invitation = invite(caseworker, start=at(TUESDAY, "10:00"))
    attempts = []
    for i in range(RACERS):
        match i % 4:
            case 0:
                attempts.append(lambda: accept_invitation(invitation=fresh(invitation)))
            case 1:
                attempts.append(lambda: decline_invitation(invitation=fresh(invitation)))
            case 2:
                attempts.append(
                    lambda: choose_invitation_time(invitation=fresh(invitation), start=at(TUESDAY, "11:00"))
                )
            case 3:
                attempts.append(lambda: expire_invitations())
    outcomes = race(attempts, LOSING)
    # Expiry finds nothing due (the deadline is tonight) and returns; of the others one answer wins.
    assert outcomes == {"booked": 1 + RACERS // 4, "taken": RACERS - 1 - RACERS // 4}
    status = fresh(invitation).status
    assert status in (Invitation.Status.BOOKED, Invitation.Status.DECLINED)
    booked = Appointment.objects.filter(status=Appointment.Status.BOOKED).count()
    assert booked == (1 if status == Invitation.Status.BOOKED else 0)
    if status == Invitation.Status.DECLINED:
        assert not Appointment.objects.filter(status=Appointment.Status.HELD).exists()
