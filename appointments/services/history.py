"""One appointment's timeline for staff: audit entries and messages, oldest first, never a message text."""

from dataclasses import dataclass
from datetime import datetime

from appointments.models import Appointment, AuditEntry, Notification
from appointments.selectors import message_status
from appointments.services.audit import history_of

# What staff may see of a message; its body and address can hold a private link or contact data.
MESSAGE_FIELDS = (
    "id",
    "kind",
    "channel",
    "audience",
    "language",
    "status",
    "delivery_status",
    "reminder_minutes",
    "appointment_version",
    "due_at",
    "sent_at",
)


@dataclass(frozen=True)
class HistoryItem:
    """One line of the timeline: an audit entry or a message, and the time it is shown at."""

    at: datetime
    entry: AuditEntry | None = None
    message: Notification | None = None


@dataclass(frozen=True)
class History:
    items: list[HistoryItem]
    confirmation_status: str  # of the client's confirmation SMS, as in the day view


def appointment_history(appointment: Appointment) -> History:
    """The audit entries and messages of an appointment in two queries, whatever their number.

    A message stands at the time it was sent, or else at the time it is (or was) due.
    """
    messages = list(
        Notification.objects.filter(appointment_id=appointment.pk)
        .only(*MESSAGE_FIELDS)
        .order_by("due_at", "id")
    )
    items = [HistoryItem(at=entry.at, entry=entry) for entry in history_of(appointment)]
    items += [HistoryItem(at=message.sent_at or message.due_at, message=message) for message in messages]
    # Within one minute (as shown) changes come first: a change is logged just after the messages it causes.
    items.sort(key=lambda item: (item.at.replace(second=0, microsecond=0), item.entry is None))
    confirmations = [
        message
        for message in messages
        if message.kind == Notification.Kind.CONFIRMATION
        and message.channel == Notification.Channel.SMS
        and message.audience == Notification.Audience.CLIENT
    ]
    latest = max(confirmations, key=lambda m: (m.appointment_version, m.pk), default=None)
    return History(
        items=items,
        confirmation_status=message_status(
            latest.status if latest else None, latest.delivery_status if latest else None
        ),
    )
