"""What a client's SMS to us means: STOP/START for consent, 1 or 2 in answer to the reminder.

Each SMS is acted on once, by the provider's message id (a retried webhook does nothing). A "2"
cancels only when the number has that one upcoming booking and nobody else booked with it
under other details; otherwise the answer is a link to find the booking by its code, because
the sender's number alone does not say which booking, or whose, is meant.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from appointments.models import Appointment, AuditEntry, Client, InboundSms, Notification
from appointments.outbox_kinds import REPLY_REMINDER_MINUTES
from appointments.services.booking import cancel_appointment
from appointments.services.calendar import book_url, find_url
from appointments.services.clients import DETAILS_KEPT
from appointments.services.outbox.compose import queue_sms
from appointments.services.outbox.worker import send_now
from appointments.services.texts import render, when
from appointments.services.tokens import new_token

STOP_WORDS = {"STOP", "STOPP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "ABMELDEN"}
START_WORDS = {"START", "UNSTOP"}


def _asked_appointment(client: Client, now: datetime) -> Appointment | None:
    """The appointment whose reminder last asked this client to answer 1 or 2, if still ahead."""
    asked = (
        Notification.objects.filter(
            appointment__client=client,
            kind=Notification.Kind.REMINDER,
            reminder_minutes__gte=REPLY_REMINDER_MINUTES,
            channel=Notification.Channel.SMS,
            status=Notification.Status.SENT,
        )
        .order_by("-sent_at")
        .select_related("appointment__topic__office")
        .first()
    )
    if asked is None:
        return None
    appointment = asked.appointment
    if not appointment.is_changeable(now):
        return None
    if appointment.version != asked.appointment_version:
        return None
    return appointment


def _ambiguous(client: Client, now: datetime) -> bool:
    """Whether the number's upcoming bookings are more than one, or one was made with other
    details than the record's (services/clients.py): the number is shared, "2" says too little."""
    upcoming = Appointment.objects.filter(client=client, status=Appointment.Status.BOOKED, start__gt=now)
    ids = list(upcoming.values_list("pk", flat=True)[:2])
    return (
        len(ids) > 1
        or AuditEntry.objects.filter(
            action=AuditEntry.Action.BOOKED, appointment_id__in=ids, detail=DETAILS_KEPT
        ).exists()
    )


def _first_delivery(message_id: str, now: datetime) -> bool:
    """Record the provider's id; False if it was recorded before (or is being, concurrently).

    Call inside the transaction that acts on the message, so that a failure records nothing.
    """
    if not message_id:
        return True  # nothing to tell deliveries apart by; the signature check vouched for it
    try:
        with transaction.atomic():
            InboundSms.objects.create(message_sid=message_id[:64], received_at=now)
    except IntegrityError:
        return False
    return True


def handle_inbound_sms(*, sender: str, body: str, message_id: str = "", now: datetime | None = None) -> None:
    """Act on an SMS from `sender` (E.164) once per `message_id`, and queue the answer, in the
    client's language."""
    now = now or timezone.now()
    client = Client.objects.filter(phone=sender).first()
    if client is None:
        return  # No client, no answer: we do not text strangers.
    word = body.strip().upper().rstrip(".!")
    language = client.language
    reply: str | None = None
    with transaction.atomic():
        if not _first_delivery(message_id, now):
            return
        if word in STOP_WORDS:
            Client.objects.filter(pk=client.pk).update(sms_consent=False)
            reply = render(language, "sms", "reply_stopped")
        elif word in START_WORDS:
            Client.objects.filter(pk=client.pk).update(sms_consent=True)
            reply = render(language, "sms", "reply_started")
        elif not client.sms_consent:
            return
        elif word in {"1", "2"} and (appointment := _asked_appointment(client, now)) is not None:
            if word == "1":
                Appointment.objects.filter(pk=appointment.pk).update(client_confirmed_at=now, updated_at=now)
                local = appointment.start.astimezone(appointment.topic.office.zone)
                reply = render(language, "sms", "reply_confirmed", **when(language, local))
            elif _ambiguous(client, now):
                reply = render(language, "sms", "reply_choose", find_url=find_url())
            else:
                # The cancellation message itself tells the client and links to booking again: a
                # fresh private link (tokens exist only as hashes), so their own caseworker comes first.
                token, token_hash = new_token()
                Appointment.objects.filter(pk=appointment.pk).update(manage_token_hash=token_hash)
                cancel_appointment(
                    appointment=appointment,
                    by=Appointment.Party.CLIENT,
                    reason="SMS: 2",
                    manage_token=token,
                    now=now,
                )
        else:
            reply = render(language, "sms", "reply_help", book_url=book_url())
        if reply:
            message = queue_sms(
                to=sender, body=reply, kind=Notification.Kind.REPLY, language=language, now=now
            )
            transaction.on_commit(lambda: send_now(message.pk))
