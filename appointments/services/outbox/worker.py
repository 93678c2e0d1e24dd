"""The outbox worker: claim due rows under a lease, send each, retry with backoff, fall back to e-mail."""

# Workers claim due rows with FOR UPDATE SKIP LOCKED under a lease; a reaper returns leases of
# workers that died. Every result of a send is committed on its own, so a crash repeats at most
# the one message whose provider call was in flight. Retries and their backoff live here alone.

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from appointments.events import caseworker_group, office_group, publish
from appointments.models import Appointment, Client, Invitation, Notification
from appointments.outbox_kinds import KINDS, Due
from appointments.providers.sms import NotMobile, SmsError, Unsubscribed, send_sms
from appointments.services.calendar import build_invite, invite_method, invite_part
from appointments.services.outbox.compose import appointment_email, appointment_values
from appointments.services.texts import mask_private

logger = logging.getLogger(__name__)

Channel = Notification.Channel
Audience = Notification.Audience
Status = Notification.Status

MAX_ATTEMPTS = 6
LEASE = timedelta(seconds=60)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 30 s, 1, 2, 4, 8 minutes …, at most 30 minutes."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), timedelta(minutes=30))


def status_callback_url() -> str:
    return f"{settings.SITE_URL}/webhooks/twilio/sms-status/"


def release_expired_leases(*, now: datetime | None = None) -> int:
    """Give messages claimed by a worker that died back to the others."""
    now = now or timezone.now()
    return Notification.objects.filter(status=Status.SENDING, lease_until__lt=now).update(
        status=Status.PENDING, lease_until=None, updated_at=now
    )


def claim_due_messages(
    *, limit: int = 20, now: datetime | None = None, lease: timedelta = LEASE
) -> list[Notification]:
    """Take up to `limit` due messages for this worker; rows other workers hold are skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, due_at__lte=now)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        return _claim(ids, now=now, lease=lease)


def _claim(ids: list[int], *, now: datetime, lease: timedelta) -> list[Notification]:
    """Lease pending rows that the caller's transaction holds locked."""
    Notification.objects.filter(pk__in=ids).update(
        status=Status.SENDING, lease_until=now + lease, attempts=F("attempts") + 1, updated_at=now
    )
    return list(
        Notification.objects.filter(pk__in=ids)
        .select_related(
            "appointment__client",
            "appointment__topic__office",
            "appointment__caseworker__user",
            "invitation__client",
        )
        .order_by("due_at", "pk")
    )


def _finish(notification: Notification, *, keep_body: bool = False, **changes) -> None:
    """Record a send's result, unless a reaper already handed the row to another worker.

    A message that is done keeps only its masked text (no private link, no code); `keep_body` is
    for one that may still go out again: a retry, or an SMS until its delivery report.
    """
    if not keep_body:
        changes["body"] = mask_private(notification.body)
    changes.setdefault("lease_until", None)
    changes["updated_at"] = timezone.now()
    Notification.objects.filter(pk=notification.pk, status=Status.SENDING).update(**changes)


def _out_of_date(notification: Notification) -> bool:
    appointment = notification.appointment
    if notification.invitation_id is not None:
        return notification.invitation.status != Invitation.Status.OPEN
    if appointment is None:
        return False
    if appointment.version != notification.appointment_version:
        return True
    return (
        KINDS[notification.kind].due is Due.BEFORE_START and appointment.status != Appointment.Status.BOOKED
    )


def deliver(notification: Notification, *, now: datetime | None = None) -> None:
    """Send one claimed message and record what happened."""
    now = now or timezone.now()
    if _out_of_date(notification):
        _finish(notification, status=Status.CANCELLED, error="superseded")
        return
    if notification.channel == Channel.SMS:
        _deliver_sms(notification, now)
    else:
        _deliver_email(notification, now)


def client_of(notification: Notification) -> Client | None:
    """The client a message goes to, if it goes to one we keep: to check consent, or to find an e-mail."""
    if notification.audience != Audience.CLIENT:
        return None
    if notification.appointment is not None:
        return notification.appointment.client
    if notification.invitation_id is not None:
        return notification.invitation.client
    return None


def _deliver_sms(notification: Notification, now: datetime) -> None:
    client = client_of(notification)
    if client is not None and not client.sms_consent:
        _finish(notification, status=Status.CANCELLED, error="no SMS consent")
        return
    try:
        message_id = send_sms(
            to=notification.recipient, body=notification.body, status_callback=status_callback_url()
        )
    except Unsubscribed as exc:
        Client.objects.filter(phone=notification.recipient).update(sms_consent=False)
        _fail(notification, exc.reason)
    except NotMobile as exc:
        _fail(notification, exc.reason)
        fall_back_to_email(notification, now=now)
    except SmsError as exc:
        _retry_or_fail(notification, exc.reason, retry=exc.retry, now=now)
    else:
        # The text stays (sealed) until the SMS arrived: an unreachable phone means sending it again.
        _finish(
            notification,
            keep_body=not KINDS[notification.kind].sent_once,
            status=Status.SENT,
            provider_message_id=message_id,
            sent_at=now,
        )


def _retry_or_fail(notification: Notification, reason: str, *, retry: bool, now: datetime) -> None:
    logger.warning("Message %s (%s) failed: %s", notification.pk, notification.kind, reason)
    if retry and notification.attempts < MAX_ATTEMPTS:
        _finish(
            notification,
            keep_body=True,
            status=Status.PENDING,
            due_at=now + backoff(notification.attempts),
            error=reason,
        )
    else:
        _fail(notification, reason)


def _fail(notification: Notification, reason: str) -> None:
    _finish(notification, status=Status.FAILED, error=reason)
    tell_staff_it_failed(notification)


def tell_staff_it_failed(notification: Notification) -> None:
    """A client's message that could not be delivered shows up live for the caseworker, who may phone."""
    appointment = notification.appointment
    if appointment is None or notification.audience != Audience.CLIENT:
        return
    event = {
        "type": "message",
        "op": "failed",
        "reference": appointment.reference,
        "kind": notification.kind,
        "channel": notification.channel,
    }
    publish([caseworker_group(appointment.caseworker_id), office_group(appointment.topic.office_id)], event)


def fall_back_to_email(notification: Notification, *, now: datetime) -> None:
    """An SMS that cannot reach a phone goes by e-mail if its kind has one and we have an address."""
    client = client_of(notification)
    declared = KINDS[notification.kind]
    if client is None or not client.email or not declared.email_fallback:
        return
    route = declared.route(Audience.CLIENT, Channel.EMAIL)
    values = appointment_values(notification.appointment, notification.language, None)
    subject, body = appointment_email(notification.appointment, route, notification.language, values)
    Notification.objects.bulk_create(
        [
            Notification(
                appointment=notification.appointment,
                appointment_version=notification.appointment_version,
                kind=notification.kind,
                reminder_minutes=notification.reminder_minutes,
                channel=Channel.EMAIL,
                recipient=client.email,
                language=notification.language,
                subject=subject,
                body=body,
                due_at=now,
            )
        ],
        ignore_conflicts=True,
    )


def _deliver_email(notification: Notification, now: datetime) -> None:
    appointment = notification.appointment
    declared = KINDS[notification.kind]
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body or notification.subject,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
    )
    if appointment is not None and declared.calendar:
        audience = {Audience.CLIENT: "client", Audience.INTERPRETER: "interpreter"}.get(
            notification.audience, "staff"
        )
        ics = build_invite(
            appointment,
            audience=audience,
            language=notification.language,
            withdrawn=declared.withdraws,
            recipient=notification.recipient,
            now=now,
        )
        message.attach(invite_part(ics, invite_method(appointment, withdrawn=declared.withdraws)))
    try:
        message.send()
    except OSError as exc:  # SMTP errors are OSErrors: connection refused, time-outs, 4xx/5xx replies
        _retry_or_fail(notification, f"e-mail: {type(exc).__name__}", retry=True, now=now)
    else:
        _finish(notification, status=Status.SENT, sent_at=now)


def send_now(notification_id: int) -> None:
    """Deliver one message at once, for a person who is waiting (an SMS code); the worker is the fallback."""
    now = timezone.now()
    with transaction.atomic():
        locked = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Status.PENDING)
            .values_list("pk", flat=True)
        )
        batch = _claim(locked, now=now, lease=LEASE)
    for notification in batch:
        deliver(notification, now=now)


def run_due_messages(*, limit: int = 20, lease: timedelta = LEASE, now: datetime | None = None) -> int:
    """One worker round: return expired leases, claim due messages, send them. Returns how many."""
    release_expired_leases(now=now)
    batch = claim_due_messages(limit=limit, now=now, lease=lease)
    for notification in batch:
        deliver(notification, now=now)
    return len(batch)
