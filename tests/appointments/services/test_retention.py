"""Retention: personal data of past appointments anonymised after the office's period, figures kept."""

from datetime import datetime, timedelta
from importlib import import_module
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from appointments.models import (
    Appointment,
    AuditEntry,
    Client,
    GroupCallPass,
    InterpreterRequest,
    Notification,
    PhoneVerification,
)
from appointments.services import retention
from appointments.services.booking import cancel_appointment, record_outcome
from appointments.services.group_sessions import schedule_group_session
from appointments.services.outbox.compose import queue_sms
from appointments.services.outbox.worker import run_due_messages
from appointments.services.retention import anonymise_expired
from appointments.services.verification import start_phone_verification
from tests.factories import InterpreterFactory, TopicFactory
from tests.scenario import AYLIN_IN_FULL, TUESDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]

TUESDAY_END = TUESDAY_9 + timedelta(minutes=30)
PHONE = "+4915123456789"


def days_after_end(time_machine, days: float, end: datetime = TUESDAY_END) -> datetime:
    moment = end + timedelta(days=days)
    time_machine.move_to(moment, tick=False)
    return moment


@pytest.fixture
def held(topic, time_machine):
    """An appointment with an interpreter, its messages sent, held and closed with a note."""
    InterpreterFactory(languages=["ar"])
    appointment = book(topic, client=AYLIN_IN_FULL, interpreter_language="ar").appointment
    run_due_messages()
    time_machine.move_to(TUESDAY_END, tick=False)
    run_due_messages()
    return record_outcome(appointment=appointment, outcome="completed", note="Frau Demir bringt Unterlagen")


def test_89_days_after_the_end_everything_is_kept(held, time_machine):
    days_after_end(time_machine, 89)

    assert anonymise_expired() == 0

    client = Client.objects.get()
    assert (client.name, client.phone, client.email) == ("Aylin Demir", PHONE, "aylin@example.org")
    held.refresh_from_db()
    assert held.outcome_note == "Frau Demir bringt Unterlagen"
    assert Notification.objects.filter(recipient=PHONE).exists()
    assert not AuditEntry.objects.filter(action="anonymised").exists()


def test_91_days_after_the_end_the_client_is_anonymised(held, time_machine, caseworker):
    request_status = held.interpreter_request.status
    days_after_end(time_machine, 91)

    assert anonymise_expired() == 1

    client = Client.objects.get()
    assert client.name == "–"
    assert client.phone == f"anon-{client.pk}"
    assert (client.email, client.customer_number, client.sms_consent) == ("", "", False)
    held.refresh_from_db()
    assert held.outcome_note == ""
    assert not Notification.objects.filter(appointment=held).exclude(body="", subject="").exists()
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    assert all(r.startswith("anon-") for r in recipients), recipients
    # What the figures count survives.
    assert (held.status, held.mode, held.language, held.start, held.end) == (
        "completed",
        "video",
        "de",
        TUESDAY_9,
        TUESDAY_END,
    )
    assert (held.topic_id, held.caseworker_id) == (Appointment.objects.get().topic_id, caseworker.pk)
    assert InterpreterRequest.objects.get(appointment=held).status == request_status
    assert Notification.objects.filter(appointment=held).count() > 0


def test_an_audit_entry_per_client_by_the_system(held, time_machine, office):
    days_after_end(time_machine, 91)
    anonymise_expired()

    [entry] = AuditEntry.objects.filter(action="anonymised")
    assert (entry.party, entry.client_id, entry.office_id, entry.actor_id) == (
        "system",
        held.client_id,
        office.pk,
        None,
    )


def test_a_second_run_changes_nothing(held, time_machine):
    days_after_end(time_machine, 91)
    assert anonymise_expired() == 1
    client = Client.objects.values().get()
    entries = AuditEntry.objects.count()

    days_after_end(time_machine, 92)
    assert anonymise_expired() == 0
    assert Client.objects.values().get()["phone"] == client["phone"]
    assert AuditEntry.objects.count() == entries


def test_a_client_with_a_newer_appointment_is_kept_but_the_old_free_text_goes(topic, time_machine):
    old = book(topic, client=AYLIN_IN_FULL).appointment
    cancel_appointment(appointment=old, by="client", reason="Bin bei Dr. Yilmaz, Aylin")
    run_due_messages()
    later = TUESDAY_9 + timedelta(weeks=9)  # a Tuesday again
    time_machine.move_to(later - timedelta(days=2), tick=False)
    newer = book(topic, later, client=AYLIN_IN_FULL).appointment
    run_due_messages()
    days_after_end(time_machine, 91)

    assert anonymise_expired() == 0

    client = Client.objects.get()
    assert (client.name, client.phone) == ("Aylin Demir", PHONE)
    old.refresh_from_db()
    assert (old.status, old.cancel_reason) == ("cancelled", "")
    assert not Notification.objects.filter(appointment=old).exclude(body="", subject="").exists()
    assert Notification.objects.filter(appointment=newer, recipient=PHONE).exists()


def test_the_office_retention_period_decides(topic, office, time_machine):
    office.retention_days = 30
    office.save(update_fields=["retention_days"])
    book(topic, client=AYLIN_IN_FULL)
    days_after_end(time_machine, 29)
    assert anonymise_expired() == 0
    days_after_end(time_machine, 31)
    assert anonymise_expired() == 1


def test_codes_and_replies_to_the_number_go_too(held, time_machine):
    queue_sms(to=PHONE, body="Ihr Termin ist bestätigt.", kind="reply", language="de")
    start_phone_verification(phone=PHONE)
    days_after_end(time_machine, 91)

    anonymise_expired()

    assert not PhoneVerification.objects.exists()
    assert not Notification.objects.filter(recipient=PHONE).exists()
    assert not Notification.objects.filter(appointment__isnull=True).exclude(body="").exists()


def test_finished_message_bodies_are_blanked_after_30_days(topic, time_machine, now):
    booking = book(topic, TUESDAY_9 + timedelta(days=14), client=AYLIN_IN_FULL).appointment
    run_due_messages()
    reply = queue_sms(to="+4915199999999", body="Hilfe: 1 oder 2", kind="reply", language="de")
    run_due_messages()
    pending = Notification.objects.filter(appointment=booking, kind="reminder", channel="sms")
    assert pending.exclude(body="").exists()

    time_machine.move_to(now + timedelta(days=29), tick=False)
    anonymise_expired()
    reply.refresh_from_db()
    assert reply.body == "Hilfe: 1 oder 2"

    time_machine.move_to(now + timedelta(days=31), tick=False)
    anonymise_expired()
    reply.refresh_from_db()
    assert (reply.status, reply.body, reply.recipient) == ("sent", "", "+4915199999999")
    sent = Notification.objects.filter(appointment=booking, kind="confirmation", channel="sms").get()
    assert sent.body == ""
    assert pending.exclude(body="").exists()  # never sent: kept for the worker


def test_spent_verifications_are_deleted_fresh_ones_kept(now, time_machine):
    start_phone_verification(phone="0151 11111111")
    time_machine.move_to(now + timedelta(hours=25), tick=False)
    fresh = start_phone_verification(phone="0151 22222222")

    anonymise_expired()

    assert list(PhoneVerification.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_group_call_passes_go_a_day_after_their_call(now, time_machine, caseworker):
    session = schedule_group_session(
        topic=TopicFactory(office=caseworker.office, group=True),
        start=now + timedelta(days=1),
        hosts=[caseworker],
        capacity=3,
    )
    closes = now + timedelta(days=1, hours=2)
    for participant in (1, 2):
        GroupCallPass.objects.create(
            session=session, user=caseworker.user, participant=participant, token="t", expires_at=closes
        )
    time_machine.move_to(closes + timedelta(hours=23), tick=False)
    anonymise_expired()
    assert GroupCallPass.objects.count() == 2
    time_machine.move_to(closes + timedelta(hours=25), tick=False)
    anonymise_expired()
    assert not GroupCallPass.objects.exists()


def test_works_in_batches(topic, time_machine, monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 2)
    for n in range(5):
        book(
            topic,
            TUESDAY_9 + timedelta(minutes=30 * n),
            client=AYLIN_IN_FULL,
            phone=f"0151 2345000{n}",
            name=f"Person {n}",
        )
    days_after_end(time_machine, 91, end=TUESDAY_END + timedelta(hours=3))

    assert anonymise_expired() == 5
    assert not Client.objects.exclude(phone__startswith="anon-").exists()
    assert AuditEntry.objects.filter(action="anonymised").count() == 5


def test_the_command_and_the_worker_run_it(topic, time_machine):
    book(topic, client=AYLIN_IN_FULL)
    book(topic, TUESDAY_9 + timedelta(hours=1), client=AYLIN_IN_FULL, phone="0151 23450001")
    days_after_end(time_machine, 91)
    Client.objects.filter(phone="+4915123450001").update(name="Bernd Becker")
    out = StringIO()

    call_command("anonymise_expired", stdout=out)

    assert out.getvalue().strip() == "2 clients anonymised"
    assert set(Client.objects.values_list("name", flat=True)) == {"–"}


def test_the_message_worker_anonymises_too(topic, time_machine):
    book(topic, client=AYLIN_IN_FULL)
    days_after_end(time_machine, 91)

    call_command("run_message_worker", "--until-idle")

    assert Client.objects.get().name == "–"
    assert Appointment.objects.get().status == "booked"  # nobody recorded an outcome; it stays as it was


def test_codes_to_numbers_that_never_booked_go_after_the_retention_period(topic, now, time_machine):
    # Ends Tuesday: at day 91 from Monday not yet 90 days past.
    booked = book(topic, client=AYLIN_IN_FULL).appointment
    start_phone_verification(phone="0151 77777777")  # asked for a code, never booked
    start_phone_verification(phone=booked.client.phone)
    run_due_messages()
    never = Notification.objects.filter(recipient="+4915177777777")

    time_machine.move_to(now + timedelta(days=89), tick=False)
    anonymise_expired()
    assert never.exists()

    time_machine.move_to(now + timedelta(days=91), tick=False)
    anonymise_expired()
    assert not never.exists()
    [gone] = Notification.objects.filter(kind="verification_code", recipient__startswith="anon-")
    assert gone.body == ""
    # The client who booked keeps theirs until they are anonymised with their appointments.
    assert Notification.objects.filter(kind="verification_code", recipient=booked.client.phone).exists()


def test_the_message_worker_clears_expired_sessions(now, time_machine):
    store = import_module(settings.SESSION_ENGINE).SessionStore
    old = store()
    old["done"] = {"reference": "K7M4QXAC", "token": "private-manage-token"}
    old.create()
    time_machine.move_to(now + timedelta(seconds=settings.SESSION_COOKIE_AGE + 60), tick=False)
    fresh = store()
    fresh.create()

    call_command("run_message_worker", "--until-idle")

    assert not store().exists(old.session_key)
    assert store().exists(fresh.session_key)
