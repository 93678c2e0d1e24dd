"""Twilio webhooks: signatures checked, delivery status recorded, STOP/START and 1/2 answered."""

import re
from datetime import timedelta

import pytest
from twilio.request_validator import RequestValidator

from appointments.models import Appointment, Client, InboundSms, Notification
from appointments.services.booking import ClientDetails, book_appointment, reschedule_appointment
from appointments.services.outbox.worker import run_due_messages
from frontend.public.times import KNOWN_CLIENT
from tests.scenario import TUESDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]

TOKEN = "twilio-auth-token"
PHONE = "+4915123456789"
STATUS_URL = "/webhooks/twilio/sms-status/"
INBOUND_URL = "/webhooks/twilio/sms-inbound/"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.SITE_URL = "https://termine.example.org"


@pytest.fixture
def twilio_post(client, settings, django_capture_on_commit_callbacks):
    """POST as Twilio does, signed for our public URL (or with the signature given)."""

    def post(path, data, signature=None):
        if signature is None:
            signature = RequestValidator(TOKEN).compute_signature(f"{settings.SITE_URL}{path}", data)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data, headers=headers)

    return post


@pytest.mark.parametrize("path", [STATUS_URL, INBOUND_URL])
class TestSignature:
    def test_missing_signature_is_refused(self, twilio_post, path):
        assert twilio_post(path, {"From": PHONE, "Body": "STOP"}, signature="").status_code == 403

    def test_wrong_signature_is_refused(self, twilio_post, path):
        assert twilio_post(path, {"From": PHONE, "Body": "STOP"}, signature="bm90IGl0").status_code == 403

    def test_signature_for_other_data_is_refused(self, twilio_post, settings, path):
        other = RequestValidator(TOKEN).compute_signature(f"{settings.SITE_URL}{path}", {"Body": "START"})
        assert twilio_post(path, {"From": PHONE, "Body": "STOP"}, signature=other).status_code == 403

    def test_valid_signature_is_accepted(self, twilio_post, path):
        assert twilio_post(path, {"From": PHONE, "Body": "hi", "MessageSid": "SMx"}).status_code in (200, 204)

    def test_without_a_configured_token_everything_is_refused(self, twilio_post, settings, path):
        signature = RequestValidator(TOKEN).compute_signature(f"{settings.SITE_URL}{path}", {"Body": "x"})
        settings.TWILIO_AUTH_TOKEN = ""
        assert twilio_post(path, {"Body": "x"}, signature=signature).status_code == 403


class TestStatus:
    def test_records_delivery_once_and_never_backwards(self, topic, twilio_post):
        book(topic, mode="telephone")
        run_due_messages()
        message = Notification.objects.get(channel="sms", kind="confirmation")
        report = {"MessageSid": message.provider_message_id, "AccountSid": "AC1"}
        for status in ["sent", "delivered", "delivered", "delivered", "delivered", "delivered", "sent"]:
            assert twilio_post(STATUS_URL, {**report, "MessageStatus": status}).status_code == 204
        message.refresh_from_db()
        assert message.delivery_status == "delivered"

    def test_unsubscribed_report_clears_consent(self, topic, twilio_post):
        book(topic, mode="telephone")
        run_due_messages()
        message = Notification.objects.get(channel="sms", kind="confirmation")
        twilio_post(
            STATUS_URL,
            {"MessageSid": message.provider_message_id, "MessageStatus": "undelivered", "ErrorCode": "21610"},
        )
        assert Client.objects.get().sms_consent is False


class TestInbound:
    def replies(self, sms_outbox):
        return [m.body for m in sms_outbox if m.to == PHONE]

    @pytest.mark.parametrize("word", ["STOP", "stopp", " Stop "])
    def test_stop_clears_consent_and_start_restores_it(self, topic, twilio_post, sms_outbox, word):
        book(topic, mode="telephone")
        twilio_post(INBOUND_URL, {"From": PHONE, "Body": word})
        assert Client.objects.get().sms_consent is False
        assert "START" in sms_outbox[-1].body
        twilio_post(INBOUND_URL, {"From": PHONE, "Body": "START"})
        assert Client.objects.get().sms_consent is True

    def test_after_stop_reminders_are_not_sent(self, topic, twilio_post, sms_outbox, time_machine):
        book(topic, mode="telephone")
        twilio_post(INBOUND_URL, {"From": PHONE, "Body": "STOP"})
        count = len(sms_outbox)
        time_machine.move_to(TUESDAY_9 - timedelta(hours=1), tick=False)
        run_due_messages()
        assert len(sms_outbox) == count

    def answer(self, topic, twilio_post, time_machine, word, language="de"):
        booking = book(topic, mode="telephone", client_language=language)
        time_machine.move_to(TUESDAY_9 - timedelta(days=1), tick=False)
        run_due_messages()
        twilio_post(INBOUND_URL, {"From": PHONE, "Body": word})
        booking.appointment.refresh_from_db()
        return booking.appointment

    def test_1_confirms_the_appointment(self, topic, twilio_post, sms_outbox, time_machine):
        appointment = self.answer(topic, twilio_post, time_machine, "1")
        assert appointment.client_confirmed_at is not None
        assert appointment.status == "booked"
        assert "bestätigt" in sms_outbox[-1].body

    def test_2_cancels_frees_the_time_and_links_to_a_new_booking(
        self, topic, twilio_post, sms_outbox, time_machine
    ):
        appointment = self.answer(topic, twilio_post, time_machine, "2", language="en")
        assert appointment.status == Appointment.Status.CANCELLED
        assert appointment.cancelled_by == "client"
        run_due_messages()
        assert "cancelled" in sms_outbox[-1].body
        assert "https://termine.example.org/" in sms_outbox[-1].body

    def test_2_links_to_booking_again_with_the_own_caseworker(
        self, topic, twilio_post, sms_outbox, time_machine, client
    ):
        appointment = self.answer(topic, twilio_post, time_machine, "2", language="en")
        run_due_messages()
        (link,) = re.findall(r"https://termine\.example\.org(/m/[\w-]{22})\b", sms_outbox[-1].body)
        page = client.get(link, follow=True)
        assert page.status_code == 200
        assert "Dieser Termin ist abgesagt." in page.content.decode()
        # The page proved who the client is: booking again offers their own caseworker first.
        assert client.session[KNOWN_CLIENT] == appointment.client_id

    def test_anything_else_gets_help(self, topic, twilio_post, sms_outbox, time_machine):
        appointment = self.answer(topic, twilio_post, time_machine, "vielleicht")
        assert appointment.client_confirmed_at is None
        assert "1" in sms_outbox[-1].body
        assert "2" in sms_outbox[-1].body

    def test_answers_match_the_latest_asked_appointment_only(self, topic, twilio_post, time_machine):
        first = book(topic, mode="telephone").appointment
        second = book(topic, TUESDAY_9 + timedelta(days=1), mode="telephone").appointment
        time_machine.move_to(TUESDAY_9 - timedelta(days=1), tick=False)
        run_due_messages()
        time_machine.move_to(TUESDAY_9, tick=False)
        run_due_messages()  # the second appointment's 24 h reminder
        twilio_post(INBOUND_URL, {"From": PHONE, "Body": "1"})
        first.refresh_from_db()
        second.refresh_from_db()
        assert second.client_confirmed_at is not None
        assert first.client_confirmed_at is None

    def test_2_with_several_upcoming_bookings_cancels_none_and_links_to_finding_one(
        self, topic, twilio_post, sms_outbox, time_machine
    ):
        first = book(topic, mode="telephone", client_language="en").appointment
        second = book(
            topic, TUESDAY_9 + timedelta(days=1), mode="telephone", client_language="en"
        ).appointment
        time_machine.move_to(TUESDAY_9 - timedelta(days=1), tick=False)
        run_due_messages()
        twilio_post(INBOUND_URL, {"From": PHONE, "Body": "2", "MessageSid": "SM1"})
        assert set(Appointment.objects.values_list("status", flat=True)) == {"booked"}
        assert {first.pk, second.pk} == set(Appointment.objects.values_list("pk", flat=True))
        assert "more than one appointment" in sms_outbox[-1].body
        assert "https://termine.example.org/m/" in sms_outbox[-1].body

    def test_2_for_a_booking_made_with_other_details_links_too(
        self, topic, twilio_post, sms_outbox, time_machine
    ):
        book(topic, TUESDAY_9 + timedelta(hours=1), mode="telephone")  # the record: Aylin Demir
        Appointment.objects.update(status=Appointment.Status.CANCELLED)
        shared = book_appointment(
            topic=topic,
            mode="telephone",
            start=TUESDAY_9,
            client=ClientDetails(name="Someone Else", phone=PHONE, sms_consent=True),
        )
        assert shared.details_kept
        time_machine.move_to(TUESDAY_9 - timedelta(days=1), tick=False)
        run_due_messages()
        twilio_post(INBOUND_URL, {"From": PHONE, "Body": "2"})
        shared.appointment.refresh_from_db()
        assert shared.appointment.status == Appointment.Status.BOOKED
        assert "/m/" in sms_outbox[-1].body

    def test_a_retried_webhook_acts_once(self, topic, twilio_post, sms_outbox):
        book(topic, mode="telephone")
        before = len(sms_outbox)
        for _attempt in range(3):
            assert (
                twilio_post(INBOUND_URL, {"From": PHONE, "Body": "STOP", "MessageSid": "SM1"}).status_code
                == 200
            )
        assert len(sms_outbox) == before + 1
        twilio_post(INBOUND_URL, {"From": PHONE, "Body": "START", "MessageSid": "SM2"})
        assert Client.objects.get().sms_consent is True
        twilio_post(INBOUND_URL, {"From": PHONE, "Body": "STOP", "MessageSid": "SM1"})
        assert Client.objects.get().sms_consent is True
        assert InboundSms.objects.count() == 2

    def test_an_answer_to_a_moved_appointment_is_not_applied(self, topic, twilio_post, time_machine):
        booking = book(topic, mode="telephone")
        time_machine.move_to(TUESDAY_9 - timedelta(days=1), tick=False)
        run_due_messages()
        reschedule_appointment(appointment=booking.appointment, start=TUESDAY_9 + timedelta(hours=2))
        twilio_post(INBOUND_URL, {"From": PHONE, "Body": "2"})
        booking.appointment.refresh_from_db()
        assert booking.appointment.status == Appointment.Status.BOOKED

    def test_strangers_get_no_answer(self, twilio_post, sms_outbox):
        response = twilio_post(INBOUND_URL, {"From": "+4917000000000", "Body": "1"})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/xml")
        assert sms_outbox == []
