"""Messages about appointments: written with the change, sent by the worker, never twice, never stale."""

from datetime import time, timedelta

import pytest
from django.core import mail

from appointments.models import Client, Notification
from appointments.providers import sms
from appointments.services.booking import (
    ClientDetails,
    book_appointment,
    cancel_appointment,
    reschedule_appointment,
)
from appointments.services.outbox.delivery_status import record_delivery_status
from appointments.services.outbox.worker import (
    MAX_ATTEMPTS,
    backoff,
    claim_due_messages,
    release_expired_leases,
    run_due_messages,
)
from appointments.services.texts import mask_private
from tests.factories import CaseworkerFactory, UserFactory, week_of_hours
from tests.scenario import TUESDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]

Status = Notification.Status
Kind = Notification.Kind


def rows(**filters):
    return list(Notification.objects.filter(**filters).order_by("due_at", "channel"))


class FailingBackend(sms.BaseBackend):
    """Raises whatever the test put in `error`, and counts the calls."""

    error: Exception | None = None
    calls = 0

    def send(self, *, to, body, status_callback=None):
        FailingBackend.calls += 1
        if FailingBackend.error:
            raise FailingBackend.error
        return "SM-ok"


@pytest.fixture
def failing(settings):
    settings.SMS_BACKEND = f"{__name__}.FailingBackend"
    FailingBackend.calls = 0
    FailingBackend.error = None
    return FailingBackend


class TestScheduling:
    def test_booking_writes_confirmation_and_reminders(self, topic, now):
        booking = book(topic, mode="telephone", email="a@example.org")
        messages = rows(appointment=booking.appointment)
        assert {(m.kind, m.channel, m.reminder_minutes) for m in messages} == {
            (Kind.CONFIRMATION, "sms", 0),
            (Kind.CONFIRMATION, "email", 0),
            (Kind.REMINDER, "sms", 24 * 60),
            (Kind.REMINDER, "sms", 60),
        }
        reminders = {m.reminder_minutes: m.due_at for m in messages if m.kind == Kind.REMINDER}
        assert reminders == {1440: TUESDAY_9 - timedelta(days=1), 60: TUESDAY_9 - timedelta(hours=1)}
        sms_body = next(m.body for m in messages if m.kind == Kind.CONFIRMATION and m.channel == "sms")
        assert booking.manage_token in sms_body
        assert booking.appointment.reference in sms_body
        assert topic.name not in sms_body

    def test_nothing_by_sms_without_consent(self, topic):
        booking = book(topic, mode="telephone", sms_consent=False, email="a@example.org")
        assert {m.channel for m in rows(appointment=booking.appointment)} == {"email"}

    def test_reminders_already_past_are_not_written(self, topic, time_machine):
        time_machine.move_to(TUESDAY_9 - timedelta(hours=5), tick=False)
        booking = book(topic, mode="telephone")
        assert [m.reminder_minutes for m in rows(appointment=booking.appointment, kind=Kind.REMINDER)] == [60]

    def test_moving_withdraws_the_old_reminders(self, topic):
        booking = book(topic, mode="telephone")
        moved = reschedule_appointment(appointment=booking.appointment, start=TUESDAY_9 + timedelta(hours=2))
        old = rows(appointment=moved, appointment_version=0)
        assert {m.status for m in old if m.kind == Kind.REMINDER} == {Status.CANCELLED}
        new = rows(appointment=moved, appointment_version=1)
        assert {(m.kind, m.status) for m in new} == {
            (Kind.RESCHEDULED, Status.PENDING),
            (Kind.REMINDER, Status.PENDING),
        }
        assert {m.due_at for m in new if m.kind == Kind.REMINDER} == {
            TUESDAY_9 + timedelta(hours=2) - timedelta(days=1),
            TUESDAY_9 + timedelta(hours=1),
        }

    def test_cancelling_withdraws_reminders_and_tells_the_client(self, topic):
        booking = book(topic, mode="telephone", email="a@example.org")
        cancel_appointment(appointment=booking.appointment, by="client")
        pending = rows(appointment=booking.appointment, status=Status.PENDING)
        assert {(m.kind, m.channel) for m in pending if m.appointment_version == 1} == {
            (Kind.CANCELLED, "sms"),
            (Kind.CANCELLED, "email"),
        }
        assert not [m for m in pending if m.kind == Kind.REMINDER]

    def test_the_caseworker_gets_invites_too(self, topic, caseworker):
        caseworker.user.email = "fachkraft@jobcenter.example"
        caseworker.user.save()
        booking = book(topic, mode="telephone")
        staff = rows(appointment=booking.appointment, audience="caseworker")
        assert [(m.kind, m.channel, m.recipient) for m in staff] == [
            (Kind.CONFIRMATION, "email", "fachkraft@jobcenter.example")
        ]

    def test_texts_are_in_the_clients_language(self, topic):
        booking = book(topic, mode="telephone", client_language="uk")
        body = rows(appointment=booking.appointment, kind=Kind.CONFIRMATION)[0].body
        assert "Код" in body
        assert "запис" in body


class TestWorker:
    def test_sends_due_messages_once(self, topic, sms_outbox):
        book(topic, mode="telephone", email="a@example.org")
        assert run_due_messages() == 2
        assert run_due_messages() == 0
        assert len(sms_outbox) == 1
        assert sms_outbox[0].to == "+4915123456789"
        assert len(mail.outbox) == 1
        sent = rows(kind=Kind.CONFIRMATION)
        assert {m.status for m in sent} == {Status.SENT}
        assert all(m.sent_at for m in sent)
        assert next(m for m in sent if m.channel == "sms").provider_message_id.startswith("memory-")

    def test_email_carries_the_invite_with_matching_method(self, topic):
        booking = book(topic, mode="telephone", email="a@example.org", sms_consent=False)
        run_due_messages()
        cancel_appointment(appointment=booking.appointment, by="client")
        run_due_messages()
        invites = [
            part
            for message in mail.outbox
            for part in message.message().walk()
            if part.get_content_type() == "text/calendar"
        ]
        assert [part.get_param("method") for part in invites] == ["REQUEST", "CANCEL"]
        assert b"METHOD:CANCEL" in invites[1].get_payload(decode=True)

    def test_reminders_wait_for_their_time(self, topic, sms_outbox, time_machine):
        book(topic, mode="telephone")
        run_due_messages()
        time_machine.move_to(TUESDAY_9 - timedelta(days=1), tick=False)
        run_due_messages()
        assert "1 = " in sms_outbox[-1].body
        time_machine.move_to(TUESDAY_9 - timedelta(hours=1), tick=False)
        run_due_messages()
        assert len(sms_outbox) == 3
        assert run_due_messages() == 0

    def test_a_reminder_of_an_older_version_skips_itself(self, topic, sms_outbox, time_machine):
        booking = book(topic, mode="telephone")
        stale = rows(kind=Kind.REMINDER, reminder_minutes=60)[0]
        reschedule_appointment(appointment=booking.appointment, start=TUESDAY_9 + timedelta(hours=2))
        # Even if a race had left the old row pending, the worker checks the version.
        Notification.objects.filter(pk=stale.pk).update(status=Status.PENDING)
        time_machine.move_to(TUESDAY_9 - timedelta(minutes=30), tick=False)
        run_due_messages()
        stale.refresh_from_db()
        assert stale.status == Status.CANCELLED
        assert all("09:00" not in m.body for m in sms_outbox)

    def test_temporary_errors_retry_with_backoff_then_fail(self, topic, failing, now, time_machine):
        failing.error = sms.TemporaryError("Twilio 503")
        book(topic, mode="telephone")
        run_due_messages()
        message = rows(channel="sms", kind=Kind.CONFIRMATION)[0]
        assert (message.status, message.attempts, message.due_at) == (Status.PENDING, 1, now + backoff(1))
        for attempt in range(2, MAX_ATTEMPTS + 1):
            time_machine.move_to(message.due_at, tick=False)
            run_due_messages()
            message.refresh_from_db()
            assert message.attempts == attempt
        assert message.status == Status.FAILED
        assert message.error == "Twilio 503"
        assert failing.calls == MAX_ATTEMPTS

    def test_unsubscribed_clears_consent_and_is_never_retried(self, topic, failing):
        failing.error = sms.Unsubscribed("Twilio 400 21610", code=21610)
        book(topic, mode="telephone")
        run_due_messages()
        assert rows(channel="sms", kind=Kind.CONFIRMATION)[0].status == Status.FAILED
        assert Client.objects.get().sms_consent is False
        assert failing.calls == 1

    def test_landline_falls_back_to_email(self, topic, failing):
        failing.error = sms.NotMobile("Twilio 400 21614", code=21614)
        book(topic, mode="telephone", email="a@example.org")
        run_due_messages()
        run_due_messages()
        assert [m.status for m in rows(channel="sms", kind=Kind.CONFIRMATION)] == [Status.FAILED]
        assert len(mail.outbox) == 1  # the one e-mail; the fallback for the same version is not a second

    def test_a_dead_workers_lease_is_returned(self, topic, now, time_machine):
        book(topic, mode="telephone")
        claimed = claim_due_messages(limit=10)
        assert claimed
        assert {m.status for m in rows(status=Status.SENDING)} == {Status.SENDING}
        assert release_expired_leases() == 0
        time_machine.move_to(now + timedelta(minutes=2), tick=False)
        assert release_expired_leases() == len(claimed)
        assert run_due_messages() == len(claimed)

    def test_codes_are_sent_at_once_without_a_worker(
        self, client, sms_outbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/phone-verifications/", {"phone": "0151 23456789"}, content_type="application/json"
            )
        assert response.status_code == 201
        assert len(sms_outbox) == 1
        [code] = rows(kind=Kind.VERIFICATION_CODE)
        assert code.status == Status.SENT
        code_sent = sms_outbox[0].body
        assert "••••••" in code.body  # the code does not stay in the table, the rest of the text does
        assert code.body != code_sent
        assert code.body == mask_private(code_sent)


class TestDeliveryStatus:
    @pytest.fixture
    def sent(self, topic):
        book(topic, mode="telephone", email="a@example.org")
        run_due_messages()
        return rows(channel="sms", kind=Kind.CONFIRMATION)[0]

    def test_moves_forward_only_and_once(self, sent):
        assert record_delivery_status(message_id=sent.provider_message_id, status="sent")
        assert record_delivery_status(message_id=sent.provider_message_id, status="delivered")
        for _ in range(5):
            assert not record_delivery_status(message_id=sent.provider_message_id, status="delivered")
        assert not record_delivery_status(message_id=sent.provider_message_id, status="sent")
        sent.refresh_from_db()
        assert sent.delivery_status == "delivered"
        assert "/m/…" in sent.body  # the private link is gone once it arrived
        assert "/m/…" not in sms.outbox[0].body

    def test_unreachable_phone_is_tried_again(self, sent, now, sms_outbox):
        assert record_delivery_status(
            message_id=sent.provider_message_id, status="undelivered", error_code=30003
        )
        sent.refresh_from_db()
        assert (sent.status, sent.provider_message_id, sent.delivery_status) == (Status.PENDING, "", "")
        first = sms_outbox[0].body
        assert "/m/" in first
        assert "/m/…" not in first
        assert sent.body == first  # sent again with its private link, not with a masked one

        run_due_messages(now=now + timedelta(minutes=5))
        assert sms_outbox[-1].body == first

    def test_a_sent_report_before_30003_keeps_the_text_for_the_resend(self, sent):
        assert record_delivery_status(message_id=sent.provider_message_id, status="sent")
        record_delivery_status(message_id=sent.provider_message_id, status="undelivered", error_code=30003)
        sent.refresh_from_db()
        assert sent.status == Status.PENDING
        assert "/m/…" not in sent.body

    def test_landline_reported_later_falls_back_to_email(self, sent):
        record_delivery_status(message_id=sent.provider_message_id, status="undelivered", error_code=30006)
        sent.refresh_from_db()
        assert sent.status == Status.FAILED
        assert sent.error
        assert "/m/…" in sent.body  # never sent again: masked

    def test_unknown_message_changes_nothing(self):
        assert not record_delivery_status(message_id="SM-unknown", status="delivered")


def test_staff_booking_sends_the_same_messages(topic, sms_outbox):
    book_appointment(
        topic=topic,
        mode="telephone",
        start=TUESDAY_9,
        client=ClientDetails(name="Aylin Demir", phone="0151 23456789", sms_consent=True),
        booked_by=UserFactory(),
    )
    run_due_messages()
    assert len(sms_outbox) == 1


def test_a_caseworker_the_appointment_moved_away_from_gets_a_cancel(topic, caseworker):
    caseworker.user.email = "alt@jobcenter.example"
    caseworker.user.save()
    colleague = CaseworkerFactory(office=topic.office, topics=[topic])
    colleague.user.email = "neu@jobcenter.example"
    colleague.user.save()
    week_of_hours(colleague, start=time(14), end=time(16))
    booking = book(topic, mode="telephone")
    run_due_messages()
    reschedule_appointment(appointment=booking.appointment, start=TUESDAY_9 + timedelta(hours=5))
    run_due_messages()
    methods = {
        message.to[0]: [
            part.get_param("method")
            for part in message.message().walk()
            if part.get_content_type() == "text/calendar"
        ]
        for message in mail.outbox
        if message.to[0].endswith("@jobcenter.example")
    }
    assert methods == {"alt@jobcenter.example": ["CANCEL"], "neu@jobcenter.example": ["REQUEST"]}
    assert [m.to[0] for m in mail.outbox].count("alt@jobcenter.example") == 2  # the booking, then the cancel
