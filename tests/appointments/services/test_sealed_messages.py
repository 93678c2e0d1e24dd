"""No private link or code at rest in clear text: message texts are sealed in the table, and what
stays once a message is done is masked. A resend still has the whole text."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection

from appointments.fields import seal, unseal
from appointments.models import Notification
from appointments.services.booking import reschedule_appointment
from appointments.services.outbox.compose import queue_sms
from appointments.services.outbox.worker import claim_due_messages, deliver, run_due_messages
from appointments.services.texts import mask_private
from appointments.services.verification import start_phone_verification
from tests.scenario import TUESDAY_9, book

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("now", "caseworker")]


def raw_bodies() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM appointments_notification WHERE body <> ''")
        return [row[0] for row in cursor.fetchall()]


def test_the_table_holds_no_manage_link_or_code_in_clear_text(topic, django_capture_on_commit_callbacks):
    booking = book(topic, email="a@example.org")
    start_phone_verification(phone="0151 23456789")  # still pending: no on-commit send here
    token = booking.manage_token

    messages = Notification.objects.filter(
        appointment=booking.appointment, kind="confirmation", audience="client"
    )
    assert [token in message.body for message in messages] == [True, True]  # the worker reads it whole
    stored = raw_bodies()
    assert len(stored) >= 4
    assert not [body for body in stored if token in body or "/m/" in body or "Code" in body]
    [code] = Notification.objects.filter(kind=Notification.Kind.VERIFICATION_CODE)
    assert code.body in [unseal(body) for body in stored]


def test_once_done_only_the_masked_text_stays(topic, sms_outbox):
    booking = book(topic, email="a@example.org")
    run_due_messages()

    email = Notification.objects.get(appointment=booking.appointment, channel="email", audience="client")
    assert email.status == Notification.Status.SENT
    assert booking.manage_token in mail.outbox[0].body  # the e-mail went out whole
    assert booking.manage_token not in email.body
    assert "/m/…" in email.body
    sms = Notification.objects.get(appointment=booking.appointment, channel="sms", kind="confirmation")
    assert booking.manage_token in sms.body  # until its delivery report: a resend needs it


def test_an_invitation_link_and_a_code_are_masked_too():
    text = "Ihre Einladung: https://termine.example/e/Ab3_x-9QzK Code 123456, Termin 30.11.2026 09:30"

    masked = mask_private(text)

    assert masked == "Ihre Einladung: https://termine.example/e/… Code ••••••, Termin 30.11.2026 09:30"
    assert mask_private("https://termine.example/m/") == "https://termine.example/m/"


def test_a_message_overtaken_by_a_move_is_masked(topic, now):
    booking = book(topic, email="a@example.org")
    claimed = [m for m in claim_due_messages(now=now) if m.channel == "sms"]
    reschedule_appointment(appointment=booking.appointment, start=TUESDAY_9 + timedelta(hours=1))
    claimed[0].appointment.refresh_from_db()

    deliver(claimed[0], now=now)

    claimed[0].refresh_from_db()
    assert (claimed[0].status, claimed[0].error) == (Notification.Status.CANCELLED, "superseded")
    assert booking.manage_token not in claimed[0].body
    assert "/m/…" in claimed[0].body


def test_an_earlier_secret_key_still_opens_what_it_sealed(settings):
    sealed = seal("http://x/m/token")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 40

    assert unseal(sealed) == "http://x/m/token"
    assert unseal(seal("again")) == "again"


def test_a_lost_key_reads_as_empty_not_as_a_crash(settings, now):
    message = queue_sms(to="+4915123456789", body="Ihr Code 123456", kind="verification_code", language="de")
    settings.SECRET_KEY = "a-new-key-" + "y" * 40

    assert Notification.objects.get(pk=message.pk).body == ""


def test_the_migration_seals_texts_written_before(now):
    from importlib import import_module

    migration = import_module("appointments.migrations.0015_edge_data")
    message = queue_sms(to="+4915123456789", body="Ihr Code 123456", kind="verification_code", language="de")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE appointments_notification SET body = %s WHERE id = %s", ["legacy 654321", message.pk]
        )
    sealed_before = queue_sms(to="+4915123456789", body="already sealed", kind="reply", language="de")

    migration.seal_existing_bodies(None, type("Editor", (), {"connection": connection})())

    assert "legacy 654321" not in raw_bodies()
    assert Notification.objects.get(pk=message.pk).body == "legacy 654321"
    assert Notification.objects.get(pk=sealed_before.pk).body == "already sealed"
