"""Twilio's delivery reports: applied once, never backwards; an undelivered SMS is retried or given up."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from appointments.models import Client, Notification
from appointments.providers.sms import NotMobile, Unsubscribed, classify_twilio_error
from appointments.services.outbox.worker import (
    MAX_ATTEMPTS,
    backoff,
    fall_back_to_email,
    tell_staff_it_failed,
)
from appointments.services.texts import mask_private

Status = Notification.Status

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
    tell_staff_it_failed(notification)
    return ["error", "status"]
