"""reassign_clients: an absent caseworker's appointments keep their time with a colleague who is free
then, clients get the usual "moved" messages, open invitations follow, and everything is audited."""

from datetime import timedelta

import pytest

from appointments.exceptions import ApplicationError
from appointments.models import Appointment, AuditEntry, Invitation, Notification
from appointments.services.reassignment import affected_by_absences, colleagues_for, reassign_clients
from tests.appointments.services.reassignment_setup import (
    absent_and_colleague,
    appointment,
    invitation,
    sick,
)
from tests.factories import CaseworkerFactory, UserFactory
from tests.scenario import MONDAY, TUESDAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


@pytest.fixture
def team(topic):
    return absent_and_colleague(topic)


@pytest.fixture
def coordinator(topic):
    return CaseworkerFactory(office=topic.office, is_coordinator=True).user


def test_an_absence_lists_the_booked_and_invited_clients_it_hits(topic, team):
    absent, colleague = team
    booked = appointment(topic, absent, at(TUESDAY, "09:00"))
    appointment(topic, absent, at(TUESDAY + timedelta(7), "09:00"))  # after the absence
    appointment(topic, colleague, at(TUESDAY, "09:00"))  # someone else's
    fixed = invitation(topic, absent, start=at(TUESDAY, "10:00"), held=True)
    window = invitation(
        topic, absent, window=(at(TUESDAY + timedelta(1), "08:00"), at(TUESDAY + timedelta(8), "08:00"))
    )
    invitation(
        topic, absent, window=(at(TUESDAY + timedelta(6), "08:00"), at(TUESDAY + timedelta(8), "08:00"))
    )
    sick(absent)

    (impact,) = affected_by_absences(absent)

    assert impact.appointments == [booked]
    assert impact.invitations == [fixed, window]


def test_appointments_keep_their_time_with_the_colleague_when_free(topic, team, coordinator, now):
    absent, colleague = team
    soon = appointment(topic, absent, at(MONDAY, "08:30"))  # within the office's 2 hours' notice
    later = appointment(topic, absent, at(TUESDAY, "09:00"))

    result = reassign_clients(
        from_caseworker=absent,
        to_caseworker=colleague,
        appointments=[soon, later],
        invitations=[],
        by=coordinator,
    )

    assert result.moved == [soon, later]
    assert result.kept == []
    for moved in Appointment.objects.filter(pk__in=[soon.pk, later.pk]):
        assert moved.caseworker == colleague
        assert moved.version == 1
        assert moved.start in (soon.start, later.start)


def test_the_clients_are_told_with_the_moved_message_and_staff_get_invites(topic, team, coordinator):
    absent, colleague = team
    absent.user.email, colleague.user.email = "yilmaz@example.org", "weber@example.org"
    absent.user.save()
    colleague.user.save()
    moving = appointment(topic, absent, at(TUESDAY, "09:00"))

    reassign_clients(
        from_caseworker=absent, to_caseworker=colleague, appointments=[moving], invitations=[], by=coordinator
    )

    messages = Notification.objects.filter(appointment=moving, appointment_version=1)
    client_sms = messages.get(audience="client", channel="sms", kind=Notification.Kind.RESCHEDULED)
    assert client_sms.recipient == moving.client.phone
    assert "Di 1.12. um 09:00" in client_sms.body
    invites = set(messages.filter(audience="caseworker").values_list("recipient", "kind"))
    assert invites == {("weber@example.org", "rescheduled"), ("yilmaz@example.org", "cancelled")}


def test_an_appointment_the_colleague_cannot_take_stays_and_is_reported(topic, team, coordinator):
    absent, colleague = team
    busy = appointment(topic, absent, at(TUESDAY, "10:00"))
    appointment(topic, colleague, at(TUESDAY, "10:15"))  # overlaps 10:00–10:30
    afternoon = appointment(topic, absent, at(TUESDAY, "14:00"))  # Weber works until 12
    free = appointment(topic, absent, at(TUESDAY, "09:00"))

    result = reassign_clients(
        from_caseworker=absent,
        to_caseworker=colleague,
        appointments=[busy, afternoon, free],
        invitations=[],
        by=coordinator,
    )

    assert result.moved == [free]
    assert result.kept == [busy, afternoon]
    assert set(Appointment.objects.filter(caseworker=absent).values_list("pk", flat=True)) == {
        busy.pk,
        afternoon.pk,
    }
    assert not Notification.objects.filter(appointment__in=[busy, afternoon]).exists()


def test_a_colleague_who_does_not_speak_the_language_cannot_take_it(topic, team, coordinator):
    absent, colleague = team
    absent.languages.add("tr")
    turkish = appointment(topic, absent, at(TUESDAY, "09:00"), language="tr")

    result = reassign_clients(
        from_caseworker=absent,
        to_caseworker=colleague,
        appointments=[turkish],
        invitations=[],
        by=coordinator,
    )

    assert result.kept == [turkish]


def test_open_invitations_follow_and_a_held_time_moves_when_free(topic, team, coordinator):
    absent, colleague = team
    held = invitation(topic, absent, start=at(TUESDAY, "09:00"), held=True)
    window = invitation(topic, absent, window=(at(TUESDAY, "08:00"), at(TUESDAY + timedelta(8), "08:00")))
    appointment(topic, colleague, at(TUESDAY, "11:00"))
    clash = invitation(topic, absent, start=at(TUESDAY, "11:00"), held=True)

    result = reassign_clients(
        from_caseworker=absent,
        to_caseworker=colleague,
        appointments=[],
        invitations=[held, window, clash],
        by=coordinator,
    )

    assert result.invitations_moved == [held, window]
    assert result.invitations_kept == [clash]
    assert Invitation.objects.get(pk=held.pk).caseworker == colleague
    assert Appointment.objects.get(pk=held.appointment_id).caseworker == colleague
    assert Invitation.objects.get(pk=window.pk).caseworker == colleague
    assert Invitation.objects.get(pk=clash.pk).caseworker == absent
    assert Appointment.objects.get(pk=clash.appointment_id).caseworker == absent


def test_every_move_is_in_the_audit_log_by_the_coordinator(topic, team, coordinator):
    absent, colleague = team
    moving = appointment(topic, absent, at(TUESDAY, "09:00"))
    invited = invitation(topic, absent, window=(at(TUESDAY, "08:00"), at(TUESDAY + timedelta(8), "08:00")))

    reassign_clients(
        from_caseworker=absent,
        to_caseworker=colleague,
        appointments=[moving],
        invitations=[invited],
        by=coordinator,
    )

    entries = AuditEntry.objects.filter(action=AuditEntry.Action.REASSIGNED)
    assert sorted(
        entries.values_list("client_id", "appointment_id", "actor_id", "party", "detail")
    ) == sorted(
        [
            (moving.client_id, moving.pk, coordinator.pk, "staff", "caseworker"),
            (invited.client_id, None, coordinator.pk, "staff", "invitation"),
        ]
    )
    assert set(entries.values_list("office_id", flat=True)) == {topic.office_id}


def test_what_changed_meanwhile_is_left_alone(topic, team, coordinator):
    absent, colleague = team
    cancelled = appointment(topic, absent, at(TUESDAY, "09:00"), status=Appointment.Status.CANCELLED)
    others = appointment(topic, CaseworkerFactory(office=topic.office, topics=[topic]), at(TUESDAY, "09:00"))
    declined = invitation(topic, absent, window=(at(TUESDAY, "08:00"), at(TUESDAY + timedelta(8), "08:00")))
    Invitation.objects.filter(pk=declined.pk).update(status=Invitation.Status.DECLINED)

    result = reassign_clients(
        from_caseworker=absent,
        to_caseworker=colleague,
        appointments=[cancelled, others],
        invitations=[declined],
        by=coordinator,
    )

    assert result.moved == []
    assert result.invitations_moved == []
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REASSIGNED).exists()


@pytest.mark.parametrize("who", ["self", "inactive", "other_office"])
def test_the_colleague_must_be_an_active_one_of_the_same_office(topic, team, coordinator, who):
    absent, colleague = team
    if who == "self":
        colleague = absent
    elif who == "inactive":
        colleague.active = False
    else:
        colleague = CaseworkerFactory()
    with pytest.raises(ApplicationError) as refused:
        reassign_clients(
            from_caseworker=absent, to_caseworker=colleague, appointments=[], invitations=[], by=coordinator
        )
    assert refused.value.field == "to_caseworker"


def test_colleagues_are_the_other_active_caseworkers_of_the_office(topic, team):
    absent, colleague = team
    CaseworkerFactory(office=topic.office, active=False)
    CaseworkerFactory()
    assert colleagues_for(absent) == [colleague]


def test_staff_user_without_caseworker_profile_is_recorded_as_staff(topic, team):
    absent, colleague = team
    moving = appointment(topic, absent, at(TUESDAY, "09:00"))
    reassign_clients(
        from_caseworker=absent,
        to_caseworker=colleague,
        appointments=[moving],
        invitations=[],
        by=UserFactory(),
    )
    assert AuditEntry.objects.get(action=AuditEntry.Action.REASSIGNED).party == "staff"
