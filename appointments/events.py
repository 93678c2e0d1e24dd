"""Real-time events: small typed JSON payloads, sent to Channels groups only after the commit.

Consumers in realtime/ join these groups and forward the text of `event.message` to their sockets as it is.
A channel layer that is down (Redis gone) loses the event with a warning, never the change:
clients that reconnect fetch the current state over HTTP.
"""

import json
import logging
from typing import Literal, TypedDict

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from appointments.models import Appointment, InterpreterRequest, Invitation

logger = logging.getLogger(__name__)


def caseworker_group(caseworker_id: int) -> str:
    return f"staff.caseworker.{caseworker_id}"


def office_group(office_id: int) -> str:
    return f"staff.office.{office_id}"


def interpreter_language_group(language: str) -> str:
    return f"interpreters.language.{language}"


def interpreter_group(interpreter_id: int) -> str:
    return f"interpreters.{interpreter_id}"


class AppointmentEvent(TypedDict):
    type: Literal["appointment"]
    op: Literal["booked", "held", "rescheduled", "cancelled", "completed", "no_show", "confirmed_by_client"]
    reference: str
    start: str
    end: str
    mode: str
    topic: str
    language: str
    client: str
    version: int


class InterpreterRequestEvent(TypedDict):
    type: Literal["interpreter_request"]
    op: Literal["offered", "taken", "withdrawn", "escalated", "fallback", "cancelled", "reopened"]
    id: int
    language: str
    start: str
    end: str
    mode: str
    status: str


def _send(group: str, event: dict, text: str) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(group, {"type": "event.message", "text": text})
    except Exception:  # any layer failure (Redis down, full channel): the change stands, the event is lost
        logger.warning(
            "Event %s/%s for %s not delivered", event.get("type"), event.get("op"), group, exc_info=True
        )


def publish(groups: list[str], event: dict) -> None:
    """Send the event to each group once the current transaction has committed.

    The JSON frame is rendered here, once: a group of 2,000 dashboards forwards the same text
    instead of each consumer encoding the event again.
    """
    text = json.dumps(event)
    transaction.on_commit(lambda: [_send(group, event, text) for group in groups])


def first_name(name: str) -> str:
    """The first name only: what an interpreter sees of a client."""
    parts = name.split()
    return parts[0] if parts else ""


def client_label(name: str) -> str:
    """First name and the initial of the last: all a colleague or interpreter needs to see."""
    parts = name.split()
    if len(parts) < 2:
        return parts[0] if parts else ""
    return f"{parts[0]} {parts[-1][:1]}."


def appointment_event(appointment: Appointment, op: str) -> AppointmentEvent:
    zone = appointment.topic.office.zone
    return {
        "type": "appointment",
        "op": op,
        "reference": appointment.reference,
        "start": appointment.start.astimezone(zone).isoformat(),
        "end": appointment.end.astimezone(zone).isoformat(),
        "mode": appointment.mode,
        "topic": appointment.topic.name,
        "language": appointment.interpreter_language or appointment.language,
        "client": client_label(appointment.client.name),
        "version": appointment.version,
    }


def publish_appointment(appointment: Appointment, op: str) -> None:
    """Tell the appointment's caseworker and the office's coordinators."""
    publish(
        [caseworker_group(appointment.caseworker_id), office_group(appointment.topic.office_id)],
        dict(appointment_event(appointment, op)),
    )


def interpreter_request_event(interpreter_request: InterpreterRequest, op: str) -> InterpreterRequestEvent:
    appointment = interpreter_request.appointment
    zone = appointment.topic.office.zone
    return {
        "type": "interpreter_request",
        "op": op,
        "id": interpreter_request.pk,
        "language": interpreter_request.language_id,
        "start": appointment.start.astimezone(zone).isoformat(),
        "end": appointment.end.astimezone(zone).isoformat(),
        "mode": appointment.mode,
        "status": interpreter_request.status,
    }


class InvitationEvent(TypedDict):
    type: Literal["invitation"]
    op: Literal["invited", "opened", "booked", "declined", "expired", "revoked"]
    id: int
    status: str
    topic: str
    client: str
    start: str | None


def invitation_event(invitation: Invitation, op: str) -> InvitationEvent:
    zone = invitation.topic.office.zone
    return {
        "type": "invitation",
        "op": op,
        "id": invitation.pk,
        "status": invitation.status,
        "topic": invitation.topic.name,
        "client": client_label(invitation.client.name),
        "start": invitation.start.astimezone(zone).isoformat() if invitation.start else None,
    }


def publish_invitation(invitation: Invitation, op: str) -> None:
    """Tell the invited caseworker and the office's coordinators."""
    publish(
        [caseworker_group(invitation.caseworker_id), office_group(invitation.topic.office_id)],
        dict(invitation_event(invitation, op)),
    )
