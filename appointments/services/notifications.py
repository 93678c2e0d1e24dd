"""Messages about appointments: written as Notification rows with the change, sent by workers.

The booking services call `schedule_appointment_messages` inside their transaction, so a
message exists exactly when its change was committed. Workers claim due rows with
FOR UPDATE SKIP LOCKED under a lease; a reaper returns leases of workers that died.
Every result of a send is committed on its own, so a crash repeats at most the one
message whose provider call was in flight. Retries and their backoff live here alone.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from appointments.events import caseworker_group, office_group, publish
from appointments.models import Appointment, Client, Invitation, Notification
from appointments.providers.sms import NotMobile, SmsError, Unsubscribed, classify_twilio_error, send_sms
from appointments.services.calendar import (
    book_url,
    build_invite,
    interpreter_url,
    invite_method,
    invite_part,
    manage_url,
)
from appointments.services.texts import mask_private, render, when

logger = logging.getLogger(__name__)

Kind = Notification.Kind
Channel = Notification.Channel
Audience = Notification.Audience
Status = Notification.Status

MAX_ATTEMPTS = 6
LEASE = timedelta(seconds=60)
# A reminder at least this long before asks the client to confirm by replying 1 or 2.
REPLY_REMINDER_MINUTES = 12 * 60

_EVENT_KINDS = {"booked": Kind.CONFIRMATION, "rescheduled": Kind.RESCHEDULED, "cancelled": Kind.CANCELLED}
_EMAIL_KINDS = {Kind.CONFIRMATION, Kind.RESCHEDULED, Kind.CANCELLED, Kind.REMINDER}


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 30 s, 1, 2, 4, 8 minutes …, at most 30 minutes."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), timedelta(minutes=30))


def status_callback_url() -> str:
    return f"{settings.SITE_URL}/webhooks/twilio/sms-status/"


def _values(appointment: Appointment, language: str, manage_token: str | None) -> dict[str, str]:
    office = appointment.topic.office
    return {
        "office": office.name,
        "mode": render(language, "modes", appointment.mode),
        "reference": appointment.reference,
        "manage_url": manage_url(manage_token),
        # A cancelled booking's own page books again with the same caseworker first (my caseworker).
        "book_url": manage_url(manage_token)
        if manage_token and appointment.status == Appointment.Status.CANCELLED
        else book_url(),
        "phone": appointment.client.phone,
        **when(language, appointment.start.astimezone(office.zone)),
    }


def _email(appointment: Appointment, kind: str, language: str, values: dict[str, str]) -> tuple[str, str]:
    values = {**values, "next_steps": render(language, "next_steps", appointment.mode, **values)}
    return (
        render(language, "email", f"{kind}_subject", **values),
        render(language, "email", kind, **values),
    )


def schedule_appointment_messages(
    *,
    appointment: Appointment,
    event: str,
    manage_token: str | None = None,
    previous_caseworker_email: str = "",
    now: datetime | None = None,
) -> None:
    """Write the messages that a booking, a move or a cancellation causes, and its reminders.

    Call inside the change's transaction, after the appointment's version was raised.
    Pending messages of earlier versions are withdrawn: a moved appointment never
    fires its old reminder. A caseworker it moved away from gets the invite cancelled.
    """
    now = now or timezone.now()
    Notification.objects.filter(
        appointment=appointment,
        status=Status.PENDING,
        appointment_version__lt=appointment.version,
        audience__in=[Audience.CLIENT, Audience.CASEWORKER],
    ).update(status=Status.CANCELLED, error="superseded", updated_at=now)

    client = appointment.client
    language = client.language
    values = _values(appointment, language, manage_token)
    kind = _EVENT_KINDS[event]
    base = {"appointment": appointment, "appointment_version": appointment.version, "language": language}
    rows = []
    if client.sms_consent:
        body = render(language, "sms", kind, **values)
        rows.append(
            Notification(
                **base, kind=kind, channel=Channel.SMS, recipient=client.phone, body=body, due_at=now
            )
        )
    if client.email:
        subject, body = _email(appointment, kind, language, values)
        rows.append(
            Notification(
                **base,
                kind=kind,
                channel=Channel.EMAIL,
                recipient=client.email,
                subject=subject,
                body=body,
                due_at=now,
            )
        )
    caseworker_email = appointment.caseworker.user.email
    invites = [(caseworker_email, kind)]
    if previous_caseworker_email != caseworker_email:
        invites.append((previous_caseworker_email, Kind.CANCELLED))
    rows.extend(
        Notification(
            **{**base, "language": settings.LANGUAGE_CODE},
            kind=invite_kind,
            channel=Channel.EMAIL,
            audience=Audience.CASEWORKER,
            recipient=email,
            subject=f"{appointment.reference}: {appointment.get_mode_display()}",
            body="",
            due_at=now,
        )
        for email, invite_kind in invites
        if email
    )
    if event != "cancelled":
        rows.extend(_reminders(appointment, values, base, now))
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _reminders(
    appointment: Appointment, values: dict[str, str], base: dict, now: datetime
) -> list[Notification]:
    client = appointment.client
    language = base["language"]
    rows = []
    for minutes in appointment.topic.office.reminder_offsets_minutes:
        due = appointment.start - timedelta(minutes=minutes)
        if due <= now:
            continue
        common = {**base, "kind": Kind.REMINDER, "reminder_minutes": minutes, "due_at": due}
        if client.sms_consent:
            template = "reminder_reply" if minutes >= REPLY_REMINDER_MINUTES else "reminder"
            body = render(language, "sms", template, **values)
            rows.append(Notification(**common, channel=Channel.SMS, recipient=client.phone, body=body))
        elif client.email:
            subject, body = _email(appointment, "reminder", language, values)
            rows.append(
                Notification(
                    **common, channel=Channel.EMAIL, recipient=client.email, subject=subject, body=body
                )
            )
    return rows


def queue_sms(*, to: str, body: str, kind: str, language: str, now: datetime | None = None) -> Notification:
    """A message that belongs to no appointment (a code, a reply), sent by the worker like any other."""
    return Notification.objects.create(
        kind=kind,
        channel=Channel.SMS,
        recipient=to,
        body=body,
        language=language,
        due_at=now or timezone.now(),
    )


def alert_coordinator(*, office, subject: str, body: str, also: tuple[str, ...] = ()) -> None:
    """E-mail the office's coordinators (and `also`) once the caller's transaction commits."""
    recipients = [address for address in (office.coordinator_email, *also) if address]
    if not recipients:
        return
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=recipients)
    transaction.on_commit(lambda: _send_quietly(message))


def _send_quietly(message: EmailMessage) -> None:
    try:
        message.send()
    except OSError:
        logger.warning("Coordinator alert could not be sent", exc_info=True)


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
    return notification.kind == Kind.REMINDER and appointment.status != Appointment.Status.BOOKED


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


def _client_of(notification: Notification) -> Client | None:
    if notification.audience != Audience.CLIENT:
        return None
    if notification.appointment is not None:
        return notification.appointment.client
    if notification.invitation_id is not None:
        return notification.invitation.client
    return None


def _deliver_sms(notification: Notification, now: datetime) -> None:
    client = _client_of(notification)
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
        # A code is never sent twice: a new one is asked for instead.
        _finish(
            notification,
            keep_body=notification.kind != Kind.VERIFICATION_CODE,
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
    _tell_staff_it_failed(notification)


def _tell_staff_it_failed(notification: Notification) -> None:
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
    """An SMS that cannot reach a phone goes by e-mail if we have one; else staff see it failed."""
    client = _client_of(notification)
    if client is None or not client.email or notification.kind not in _EMAIL_KINDS:
        return
    values = _values(notification.appointment, notification.language, None)
    subject, body = _email(notification.appointment, notification.kind, notification.language, values)
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
    message = EmailMessage(
        subject=notification.subject,
        body=notification.body or notification.subject,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.recipient],
    )
    if appointment is not None and notification.kind in (Kind.CONFIRMATION, Kind.RESCHEDULED, Kind.CANCELLED):
        audience = {Audience.CLIENT: "client", Audience.INTERPRETER: "interpreter"}.get(
            notification.audience, "staff"
        )
        withdrawn = notification.kind == Kind.CANCELLED
        ics = build_invite(
            appointment, audience=audience, language=notification.language, withdrawn=withdrawn, now=now
        )
        message.attach(invite_part(ics, invite_method(appointment, withdrawn=withdrawn)))
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


# Twilio's message statuses in the order they happen; a status never moves a message backwards.
_DELIVERY_RANK = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3, "receiving": 3}
_FINAL = {"delivered", "undelivered", "failed", "read", "canceled"}


def record_delivery_status(
    *, message_id: str, status: str, error_code: int | None = None, now: datetime | None = None
) -> bool:
    """Apply a provider's status report once and never backwards; True if it changed anything.

    An undeliverable SMS is retried (unreachable phone), falls back to e-mail (landline),
    or clears the client's consent (unsubscribed); what stays failed is shown to staff.
    """
    now = now or timezone.now()
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related(
                "appointment__client", "appointment__topic__office", "appointment__caseworker__user"
            )
            .filter(provider_message_id=message_id)
            .first()
        )
        if notification is None or notification.delivery_status in _FINAL:
            return False
        if status not in _FINAL and _DELIVERY_RANK.get(status, -1) <= _DELIVERY_RANK.get(
            notification.delivery_status, -1
        ):
            return False
        notification.delivery_status = status
        fields = ["delivery_status", "updated_at"]
        if status in ("undelivered", "failed"):
            fields += _after_undelivered(notification, error_code, now)
        if status in _FINAL and notification.status != Status.PENDING:
            # Arrived, or not to be sent again: only the masked text stays.
            notification.body = mask_private(notification.body)
            fields.append("body")
        notification.save(update_fields=fields)
    return True


def _after_undelivered(notification: Notification, error_code: int | None, now: datetime) -> list[str]:
    error = classify_twilio_error(error_code, None, f"undelivered {error_code}")
    notification.error = error.reason
    if isinstance(error, Unsubscribed):
        Client.objects.filter(phone=notification.recipient).update(sms_consent=False)
    elif isinstance(error, NotMobile):
        fall_back_to_email(notification, now=now)
    elif error.retry and notification.attempts < MAX_ATTEMPTS:
        # A new attempt is a new message at the provider, with its own id and statuses.
        notification.status = Status.PENDING
        notification.due_at = now + backoff(notification.attempts)
        notification.provider_message_id = ""
        notification.delivery_status = ""
        return ["error", "status", "due_at", "provider_message_id"]
    notification.status = Status.FAILED
    _tell_staff_it_failed(notification)
    return ["error", "status"]


def schedule_participant_messages(
    *,
    appointment: Appointment,
    event: str,
    audience: str,
    email: str,
    phone: str,
    now: datetime | None = None,
) -> None:
    """Invite, updates and reminders for a third participant (the interpreter), in German.

    E-mail carries the .ics (REQUEST or CANCEL); SMS says when it moved or was cancelled,
    and reminds before it. Pending messages of this participant's earlier versions are withdrawn.
    """
    now = now or timezone.now()
    recipients = [address for address in (email, phone) if address]
    Notification.objects.filter(
        appointment=appointment, audience=audience, recipient__in=recipients, status=Status.PENDING
    ).update(status=Status.CANCELLED, error="superseded", updated_at=now)
    language = settings.LANGUAGE_CODE
    local = appointment.start.astimezone(appointment.topic.office.zone)
    request = appointment.interpreter_request
    values = {
        "language": request.language.name,
        "mode": render(language, "modes", appointment.mode),
        "url": interpreter_url(),
        **when(language, local),
    }
    kind = _EVENT_KINDS[event]
    base = {
        "appointment": appointment,
        "appointment_version": appointment.version,
        "language": language,
        "audience": audience,
    }
    rows = []
    if email:
        subject = render(language, "interpreter", "booked_subject", **values)
        text = "booked" if event != "cancelled" else "cancelled"
        rows.append(
            Notification(
                **base,
                kind=kind,
                channel=Channel.EMAIL,
                recipient=email,
                subject=subject,
                body=render(language, "interpreter", text, **values),
                due_at=now,
            )
        )
    if phone and event in ("rescheduled", "cancelled"):
        text = "moved" if event == "rescheduled" else "cancelled"
        rows.append(
            Notification(
                **base,
                kind=kind,
                channel=Channel.SMS,
                recipient=phone,
                body=render(language, "interpreter", text, **values),
                due_at=now,
            )
        )
    if phone and event != "cancelled":
        for minutes in appointment.topic.office.reminder_offsets_minutes:
            due = appointment.start - timedelta(minutes=minutes)
            if due > now:
                rows.append(
                    Notification(
                        **base,
                        kind=Kind.REMINDER,
                        reminder_minutes=minutes,
                        channel=Channel.SMS,
                        recipient=phone,
                        body=render(language, "interpreter", "reminder", **values),
                        due_at=due,
                    )
                )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def schedule_invitation_messages(
    *, invitation: Invitation, kind: str, link: str, code: str, now: datetime | None = None
) -> None:
    """The invitation (or its reminder) by SMS and/or e-mail, as the caseworker chose, in the
    client's language; inside the invitation's transaction. The letter is printed, not sent."""
    now = now or timezone.now()
    client = invitation.client
    language = invitation.language
    office = invitation.topic.office
    zone = office.zone
    deadline = when(language, invitation.deadline.astimezone(zone))
    values = {
        "office": office.name,
        "caseworker": invitation.caseworker.display_name,
        "topic": invitation.topic.name,
        "modes": ", ".join(render(language, "modes", mode) for mode in invitation.modes),
        "deadline": f"{deadline['date']} {deadline['time']}",
        "url": link,
        "code": code,
        "code_url": f"{settings.SITE_URL}/e/",
        "details": "".join(
            f"\n{text}\n" for text in (invitation.note, invitation.topic.invitation_notice) if text
        ),
        "window_from": "",
        "window_until": "",
    }
    if invitation.start is not None:
        values.update(when(language, invitation.start.astimezone(zone)))
        template = "invitation_fixed"
    else:
        values["window_from"] = when(language, invitation.window_from.astimezone(zone))["long_date"]
        last = invitation.window_until - timedelta(seconds=1)
        values["window_until"] = when(language, last.astimezone(zone))["long_date"]
        template = "invitation_window"
    if kind == Kind.INVITATION_REMINDER:
        template = "invitation_reminder"
    base = {"invitation": invitation, "kind": kind, "language": language, "due_at": now}
    rows = []
    if Invitation.Channel.SMS in invitation.channels and client.sms_consent:
        body = render(language, "sms", template, **values)
        rows.append(Notification(**base, channel=Channel.SMS, recipient=client.phone, body=body))
    if Invitation.Channel.EMAIL in invitation.channels and client.email:
        rows.append(
            Notification(
                **base,
                channel=Channel.EMAIL,
                recipient=client.email,
                subject=render(language, "email", f"{template}_subject", **values),
                body=render(language, "email", template, **values),
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
