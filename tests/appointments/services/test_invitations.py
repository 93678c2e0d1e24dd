"""invite_client and what the client does with an invitation: open, confirm, choose, decline; staff revoke."""

from datetime import date, datetime, time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from appointments.exceptions import ApplicationError, SlotNotOffered, SlotTaken
from appointments.models import Appointment, AuditEntry, Client, Invitation, Notification
from appointments.services.availability import free_slots
from appointments.services.booking import ClientDetails, book_appointment
from appointments.services.figures import office_figures
from appointments.services.invitations import (
    CODE_LENGTH,
    InvitationClosed,
    InvitationNotFound,
    accept_invitation,
    choose_invitation_time,
    decline_invitation,
    expire_invitations,
    find_invitation_by_code,
    invitation_link,
    invitation_times,
    invite_client,
    open_invitation,
    reissue_letter_code,
    remind_invitations,
    revoke_invitation,
)
from appointments.services.permissions import clients_visible_to
from appointments.services.references import REFERENCE_ALPHABET, normalize_reference
from appointments.services.retention import anonymise_expired
from appointments.services.tokens import hash_token, token_matches
from tests.factories import CaseworkerFactory, ClientFactory, UserFactory, week_of_hours
from tests.scenario import BERLIN, MONDAY_EVENING, TUESDAY, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now")]


@pytest.fixture
def client_record():
    return ClientFactory(name="Aylin Demir", language="tr", email="aylin@example.org")


def invite(caseworker, topic, client, **kwargs):
    kwargs.setdefault("modes", ["telephone", "video"])
    kwargs.setdefault("deadline", MONDAY_EVENING)
    kwargs.setdefault("channels", ["sms"])
    kwargs.setdefault("invited_by", caseworker.user)
    if "window" not in kwargs:
        kwargs.setdefault("start", at(TUESDAY, "10:00"))
    return invite_client(caseworker=caseworker, topic=topic, client=client, **kwargs)


class TestInvite:
    def test_a_fixed_time_is_held_and_the_sms_carries_the_link(self, caseworker, topic, client_record):
        issued = invite(caseworker, topic, client_record, note="Bitte Lebenslauf bereithalten.")
        invitation = Invitation.objects.get()
        assert invitation == issued.invitation
        assert invitation.status == Invitation.Status.OPEN
        assert token_matches(issued.token, invitation.token_hash)
        assert issued.token not in invitation.token_hash
        assert invitation.code_hash == hash_token(normalize_reference(issued.code))
        held = invitation.appointment
        assert held.status == Appointment.Status.HELD
        assert (held.caseworker, held.start, held.client) == (caseworker, at(TUESDAY, "10:00"), client_record)
        assert held.manage_token_hash == ""
        sms = Notification.objects.get(invitation=invitation)
        assert (sms.kind, sms.channel, sms.recipient, sms.language) == (
            Notification.Kind.INVITATION,
            "sms",
            client_record.phone,
            "tr",
        )
        assert invitation_link(issued.token) in sms.body
        assert "1.12." in sms.body  # Turkish date of the invited time
        # A held time gets no booking messages or reminders.
        assert not Notification.objects.filter(appointment=held).exists()
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.actor_id, entry.client_id, entry.detail) == (
            AuditEntry.Action.INVITED,
            caseworker.user.pk,
            client_record.pk,
            "fixed",
        )

    def test_the_code_is_short_typeable_and_grouped(self, caseworker, topic, client_record):
        code = invite(caseworker, topic, client_record).code
        assert len(code) == CODE_LENGTH + 1
        assert code[5] == "-"
        assert set(code.replace("-", "")) <= set(REFERENCE_ALPHABET)

    def test_the_held_time_is_not_offered_to_self_booking(self, caseworker, topic, client_record):
        invite(caseworker, topic, client_record)
        starts = [slot.start for slot in free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)]
        assert at(TUESDAY, "10:00") not in starts
        assert at(TUESDAY, "09:30") in starts
        with pytest.raises(SlotTaken):
            book_appointment(
                topic=topic,
                mode="video",
                start=at(TUESDAY, "10:00"),
                client=ClientDetails(name="Other Person", phone="0151 99999999"),
            )

    def test_a_time_the_caseworker_is_not_free_is_refused(self, caseworker, topic, client_record):
        invite(caseworker, topic, client_record)
        with pytest.raises(SlotTaken):
            invite(caseworker, topic, ClientFactory(), start=at(TUESDAY, "10:00"))
        with pytest.raises(SlotNotOffered):
            invite(caseworker, topic, ClientFactory(), start=at(TUESDAY, "15:00"))
        assert Invitation.objects.count() == 1

    def test_e_mail_has_note_notice_and_code(self, caseworker, topic, client_record):
        topic.invitation_notice = "Rechtsfolgenbelehrung: Wenn Sie nicht kommen …"
        topic.save()
        issued = invite(caseworker, topic, client_record, channels=["email"], note="Unterlagen mitbringen")
        mail = Notification.objects.get(invitation=issued.invitation)
        assert mail.channel == "email"
        assert mail.recipient == "aylin@example.org"
        for part in ("Unterlagen mitbringen", "Rechtsfolgenbelehrung", issued.code, caseworker.display_name):
            assert part in mail.body
        assert invitation_link(issued.token) in mail.body

    def test_a_new_client_is_created_and_a_known_number_is_not_overwritten(self, caseworker, topic):
        known = ClientFactory(name="Aylin Demir", phone="+4915123456789", language="ar")
        details = ClientDetails(name="Somebody Else", phone="0151 23456789", language="de", sms_consent=True)
        invitation = invite(caseworker, topic, details).invitation
        assert invitation.client == known
        known.refresh_from_db()
        assert (known.name, known.language) == ("Aylin Demir", "ar")
        assert invitation.language == "ar"
        fresh = ClientDetails(name="Neu Kunde", phone="0151 11112222", language="uk", sms_consent=True)
        created = invite(caseworker, topic, fresh, start=at(TUESDAY, "11:00")).invitation.client
        assert (created.name, created.phone, created.language) == ("Neu Kunde", "+4915111112222", "uk")

    def test_only_the_caseworker_or_a_coordinator_of_the_office_invites(
        self, caseworker, topic, client_record
    ):
        colleague = CaseworkerFactory(office=topic.office, topics=[topic])
        stranger_coordinator = CaseworkerFactory(is_coordinator=True)
        with pytest.raises(ApplicationError) as refused:
            invite(caseworker, topic, client_record, invited_by=colleague.user)
        assert refused.value.field == "caseworker"
        with pytest.raises(ApplicationError):
            invite(caseworker, topic, client_record, invited_by=stranger_coordinator.user)
        coordinator = CaseworkerFactory(office=topic.office, is_coordinator=True)
        assert invite(caseworker, topic, client_record, invited_by=coordinator.user).invitation.pk

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"modes": ["in_person"]}, "modes"),
            ({"modes": []}, "modes"),
            ({"channels": []}, "channels"),
            ({"channels": ["pigeon"]}, "channels"),
            ({"deadline": at(TUESDAY, "11:00")}, "deadline"),  # after the invited time
            ({"deadline": datetime(2026, 11, 29, 12, tzinfo=BERLIN)}, "deadline"),  # past
            # Both a window and a start.
            (
                {"window": (at(TUESDAY, "09:00"), at(TUESDAY, "12:00")), "start": at(TUESDAY, "10:00")},
                "start",
            ),
            ({"channels": ["email"], "client": "no-email"}, "channels"),
            ({"channels": ["sms"], "client": "no-consent"}, "channels"),
        ],
    )
    def test_bad_invitations_are_refused_with_the_field(
        self, caseworker, topic, client_record, changes, field
    ):
        person = client_record
        match changes.pop("client", None):
            case "no-email":
                person = ClientFactory(email="")
            case "no-consent":
                person = ClientFactory(sms_consent=False)
        with pytest.raises(ApplicationError) as refused:
            invite(caseworker, topic, person, **changes)
        assert refused.value.field == field
        assert not Invitation.objects.exists()
        assert not Appointment.objects.exists()

    def test_a_window_beyond_the_horizon_or_without_free_time_is_refused(
        self, caseworker, topic, client_record
    ):
        far = at(TUESDAY + timedelta(days=40), "09:00")
        with pytest.raises(ApplicationError) as refused:
            invite(
                caseworker, topic, client_record, window=(at(TUESDAY, "09:00"), far), deadline=MONDAY_EVENING
            )
        assert refused.value.field == "window"
        saturday = date(2026, 12, 5)
        with pytest.raises(ApplicationError) as refused:
            invite(caseworker, topic, client_record, window=(at(saturday, "00:00"), at(saturday, "23:00")))
        assert refused.value.field == "window"

    def test_a_letter_only_invitation_sends_nothing(self, caseworker, topic, client_record):
        issued = invite(caseworker, topic, client_record, channels=["letter"])
        assert not Notification.objects.filter(invitation=issued.invitation).exists()

    def test_reissuing_the_letter_code_replaces_the_old_one(self, caseworker, topic, client_record):
        issued = invite(caseworker, topic, client_record, channels=["letter"])
        new_code = reissue_letter_code(invitation=issued.invitation, by=caseworker.user)
        assert new_code != issued.code
        with pytest.raises(InvitationNotFound):
            find_invitation_by_code(code=issued.code)
        assert find_invitation_by_code(code=new_code.lower().replace("-", " ")) == issued.invitation
        with pytest.raises(ApplicationError):
            reissue_letter_code(invitation=issued.invitation, by=UserFactory())


class TestOpen:
    def test_opening_records_the_first_time(self, caseworker, topic, client_record, now):
        issued = invite(caseworker, topic, client_record)
        assert open_invitation(token=issued.token).pk == issued.invitation.pk
        issued.invitation.refresh_from_db()
        assert issued.invitation.opened_at == now

    @pytest.mark.parametrize("token", ["", "x" * 22, "not a token"])
    def test_an_unknown_link_is_not_found(self, token):
        with pytest.raises(InvitationNotFound):
            open_invitation(token=token)

    @pytest.mark.parametrize("code", ["", "ACDEF", "ACDEF-HJKMN", "ÄÖÜ"])
    def test_an_unknown_code_is_not_found(self, code):
        with pytest.raises(InvitationNotFound):
            find_invitation_by_code(code=code)

    def test_after_the_deadline_it_is_expired_even_before_the_worker_ran(
        self, caseworker, topic, client_record
    ):
        issued = invite(caseworker, topic, client_record)
        with pytest.raises(InvitationClosed) as closed:
            open_invitation(token=issued.token, now=MONDAY_EVENING + timedelta(minutes=1))
        assert closed.value.state == Invitation.Status.EXPIRED


class TestAccept:
    def test_confirming_makes_the_held_time_a_booking_with_the_usual_messages(
        self, caseworker, topic, client_record
    ):
        issued = invite(caseworker, topic, client_record)
        booking = accept_invitation(invitation=issued.invitation, mode="telephone")
        appointment = Appointment.objects.get()
        assert appointment == booking.appointment == issued.invitation.appointment
        assert appointment.status == Appointment.Status.BOOKED
        assert appointment.mode == "telephone"
        assert token_matches(booking.manage_token, appointment.manage_token_hash)
        kinds = set(Notification.objects.filter(appointment=appointment).values_list("kind", flat=True))
        assert {Notification.Kind.CONFIRMATION, Notification.Kind.REMINDER} <= kinds
        invitation = Invitation.objects.get()
        assert invitation.status == Invitation.Status.BOOKED
        assert invitation.answered_at is not None
        booked = AuditEntry.objects.get(action=AuditEntry.Action.BOOKED)
        assert (booked.party, booked.detail) == ("client", "invitation")

    def test_a_link_used_once_is_closed(self, caseworker, topic, client_record):
        issued = invite(caseworker, topic, client_record)
        accept_invitation(invitation=issued.invitation)
        for use in (
            lambda: accept_invitation(invitation=issued.invitation),
            lambda: open_invitation(token=issued.token),
            lambda: find_invitation_by_code(code=issued.code),
            lambda: decline_invitation(invitation=issued.invitation),
        ):
            with pytest.raises(InvitationClosed) as closed:
                use()
            assert closed.value.state == Invitation.Status.BOOKED
        assert Appointment.objects.filter(status=Appointment.Status.BOOKED).count() == 1

    def test_a_mode_not_invited_is_refused(self, caseworker, topic, client_record):
        issued = invite(caseworker, topic, client_record, modes=["video"])
        with pytest.raises(ApplicationError):
            accept_invitation(invitation=issued.invitation, mode="telephone")

    def test_a_window_invitation_needs_a_chosen_time(self, caseworker, topic, client_record):
        issued = invite(caseworker, topic, client_record, window=(at(TUESDAY, "09:00"), at(TUESDAY, "12:00")))
        with pytest.raises(ApplicationError):
            accept_invitation(invitation=issued.invitation)


class TestChoose:
    def test_in_a_window_only_the_caseworkers_free_times_are_offered_and_one_books(
        self, caseworker, topic, client_record
    ):
        other = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(other, start=time(13), end=time(15))
        issued = invite(caseworker, topic, client_record, window=(at(TUESDAY, "09:00"), at(TUESDAY, "17:00")))
        starts = [slot.start for slot in invitation_times(invitation=issued.invitation)]
        assert starts[0] == at(TUESDAY, "09:00")
        assert starts[-1] == at(TUESDAY, "11:30")
        with pytest.raises(SlotNotOffered):
            # Only the colleague then.
            choose_invitation_time(invitation=issued.invitation, start=at(TUESDAY, "13:00"))
        with pytest.raises(SlotNotOffered):
            choose_invitation_time(invitation=issued.invitation, start=at(date(2026, 12, 2), "09:00"))
        booking = choose_invitation_time(
            invitation=issued.invitation, start=at(TUESDAY, "11:00"), mode="video"
        )
        assert (booking.appointment.caseworker, booking.appointment.start) == (
            caseworker,
            at(TUESDAY, "11:00"),
        )
        assert Invitation.objects.get().appointment == booking.appointment
        with pytest.raises(InvitationClosed):
            choose_invitation_time(invitation=issued.invitation, start=at(TUESDAY, "09:00"))

    def test_a_team_invitation_offers_the_teams_times(self, caseworker, topic, client_record):
        other = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(other, start=time(13), end=time(15))
        issued = invite(
            caseworker,
            topic,
            client_record,
            window=(at(TUESDAY, "09:00"), at(TUESDAY, "17:00")),
            team=[other],
        )
        starts = [slot.start for slot in invitation_times(invitation=issued.invitation)]
        assert at(TUESDAY, "13:00") in starts
        booking = choose_invitation_time(invitation=issued.invitation, start=at(TUESDAY, "13:00"))
        assert booking.appointment.caseworker == other

    def test_another_time_on_a_fixed_invitation_releases_the_held_one(self, caseworker, topic, client_record):
        issued = invite(caseworker, topic, client_record)
        starts = [slot.start for slot in invitation_times(invitation=issued.invitation)]
        assert at(TUESDAY, "10:00") not in starts  # held for this very invitation
        assert at(date(2026, 12, 14), "09:00") in starts  # ten working days ahead
        assert at(date(2026, 12, 15), "09:00") not in starts
        booking = choose_invitation_time(invitation=issued.invitation, start=at(date(2026, 12, 3), "09:00"))
        held = Appointment.objects.get(pk=issued.invitation.appointment_id)
        assert held.status == Appointment.Status.CANCELLED
        assert Invitation.objects.get().appointment == booking.appointment
        assert at(TUESDAY, "10:00") in [
            slot.start for slot in free_slots(topic=topic, date_from=TUESDAY, date_to=TUESDAY)
        ]

    def test_a_taken_time_leaves_the_held_one_held(self, caseworker, topic, client_record):
        issued = invite(caseworker, topic, client_record)
        book_appointment(
            topic=topic,
            mode="video",
            start=at(TUESDAY, "09:00"),
            client=ClientDetails(name="A B", phone="0151 99999999"),
        )
        with pytest.raises(SlotTaken):
            choose_invitation_time(invitation=issued.invitation, start=at(TUESDAY, "09:00"))
        assert Appointment.objects.get(pk=issued.invitation.appointment_id).status == Appointment.Status.HELD


class TestDeclineRevokeExpire:
    def test_declining_frees_the_time(self, caseworker, topic, client_record):
        issued = invite(caseworker, topic, client_record)
        decline_invitation(invitation=issued.invitation)
        assert Invitation.objects.get().status == Invitation.Status.DECLINED
        assert Appointment.objects.get().status == Appointment.Status.CANCELLED
        assert AuditEntry.objects.filter(
            action=AuditEntry.Action.INVITATION_DECLINED, party="client"
        ).exists()
        with pytest.raises(InvitationClosed) as closed:
            open_invitation(token=issued.token)
        assert closed.value.state == Invitation.Status.DECLINED

    def test_revoking_closes_links_frees_the_time_and_withdraws_unsent_messages(
        self, caseworker, topic, client_record
    ):
        issued = invite(caseworker, topic, client_record)
        with pytest.raises(ApplicationError):
            revoke_invitation(invitation=issued.invitation, by=UserFactory())
        revoke_invitation(invitation=issued.invitation, by=caseworker.user)
        assert Appointment.objects.get().status == Appointment.Status.CANCELLED
        assert Notification.objects.get(invitation=issued.invitation).status == Notification.Status.CANCELLED
        with pytest.raises(InvitationClosed) as closed:
            open_invitation(token=issued.token)
        assert closed.value.state == Invitation.Status.REVOKED
        assert AuditEntry.objects.filter(action=AuditEntry.Action.INVITATION_REVOKED).count() == 1

    def test_the_worker_expires_what_passed_its_deadline(self, caseworker, topic, client_record):
        issued = invite(caseworker, topic, client_record)
        window = invite(
            caseworker,
            topic,
            ClientFactory(),
            window=(at(TUESDAY, "09:00"), at(TUESDAY, "12:00")),
            deadline=at(TUESDAY, "08:00"),
        )
        assert expire_invitations(now=MONDAY_EVENING - timedelta(minutes=1)) == 0
        assert expire_invitations(now=MONDAY_EVENING) == 1
        assert Invitation.objects.get(pk=issued.invitation.pk).status == Invitation.Status.EXPIRED
        assert Invitation.objects.get(pk=window.invitation.pk).status == Invitation.Status.OPEN
        assert Appointment.objects.get().status == Appointment.Status.CANCELLED
        assert (
            AuditEntry.objects.filter(action=AuditEntry.Action.INVITATION_EXPIRED, party="system").count()
            == 1
        )


class TestReminder:
    def test_one_reminder_goes_out_the_offices_hours_before_the_deadline(
        self, caseworker, topic, client_record
    ):
        office = topic.office
        office.invitation_reminder_hours = 24
        office.save()
        deadline = at(date(2026, 12, 3), "18:00")
        issued = invite(
            caseworker,
            topic,
            client_record,
            window=(at(TUESDAY, "09:00"), at(date(2026, 12, 4), "12:00")),
            deadline=deadline,
        )
        assert remind_invitations(now=deadline - timedelta(hours=25)) == 0
        assert remind_invitations(now=deadline - timedelta(hours=23)) == 1
        assert remind_invitations(now=deadline - timedelta(hours=22)) == 0
        reminder = Notification.objects.get(kind=Notification.Kind.INVITATION_REMINDER)
        assert reminder.recipient == client_record.phone
        token = reminder.body.rsplit("/e/", 1)[1]
        assert open_invitation(token=token, now=deadline - timedelta(hours=1)) == issued.invitation
        assert open_invitation(token=issued.token, now=deadline - timedelta(hours=1)) == issued.invitation

    def test_no_reminder_for_an_invitation_sent_after_its_reminder_time(
        self, caseworker, topic, client_record
    ):
        invite(caseworker, topic, client_record)  # deadline tonight: within 24 hours already
        assert remind_invitations(now=MONDAY_EVENING - timedelta(hours=1)) == 0

    def test_a_reminder_of_an_answered_invitation_is_not_sent(self, caseworker, topic, client_record):
        deadline = at(date(2026, 12, 3), "18:00")
        issued = invite(
            caseworker,
            topic,
            client_record,
            window=(at(TUESDAY, "09:00"), at(date(2026, 12, 4), "12:00")),
            deadline=deadline,
        )
        remind_invitations(now=deadline - timedelta(hours=23))
        decline_invitation(invitation=issued.invitation, now=deadline - timedelta(hours=22))
        reminder = Notification.objects.get(kind=Notification.Kind.INVITATION_REMINDER)
        assert reminder.status == Notification.Status.CANCELLED


def test_clients_are_not_created_twice(caseworker, topic):
    details = ClientDetails(name="Neu Kunde", phone="0151 11112222", sms_consent=True)
    invite(caseworker, topic, details)
    invite(caseworker, topic, details, start=at(TUESDAY, "11:00"))
    assert Client.objects.count() == 1


class TestAHeldTimeIsNoBooking:
    def test_figures_do_not_count_it(self, caseworker, topic, client_record):
        invite(caseworker, topic, client_record)
        figures = office_figures(office=topic.office, first=TUESDAY, last=TUESDAY)
        assert figures.totals.total == 0

    def test_the_caseworker_finds_a_client_they_invited(self, caseworker, topic, client_record):
        assert client_record not in clients_visible_to(caseworker.user)
        invite(caseworker, topic, client_record, window=(at(TUESDAY, "09:00"), at(TUESDAY, "12:00")))
        assert client_record in clients_visible_to(caseworker.user)
        assert client_record not in clients_visible_to(CaseworkerFactory(office=topic.office).user)

    def test_retention_keeps_a_client_with_a_running_invitation_and_ends_an_old_one(
        self, caseworker, topic, client_record
    ):
        issued = invite(
            caseworker,
            topic,
            client_record,
            window=(at(TUESDAY, "09:00"), at(TUESDAY, "12:00")),
            note="Lebenslauf",
        )
        later = MONDAY_EVENING + timedelta(days=topic.office.retention_days - 1)
        assert anonymise_expired(now=later) == 0
        assert anonymise_expired(now=later + timedelta(days=2)) == 1
        client_record.refresh_from_db()
        assert client_record.name != "Aylin Demir"
        invitation = Invitation.objects.get(pk=issued.invitation.pk)
        assert invitation.note == ""
        assert "/e/" not in Notification.objects.get(invitation=invitation).body


def test_the_message_worker_expires_invitations_on_its_rounds(caseworker, topic, client_record, time_machine):
    issued = invite(caseworker, topic, client_record)
    time_machine.move_to(MONDAY_EVENING + timedelta(minutes=5), tick=False)
    call_command("run_message_worker", "--until-idle", stdout=StringIO())
    assert Invitation.objects.get(pk=issued.invitation.pk).status == Invitation.Status.EXPIRED
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED
