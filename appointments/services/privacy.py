"""A client's rights under the GDPR: finding them, what is stored (as JSON), erasure on request.

A coordinator's export and erasure cover their own office's part only (`Scope`): the shared
client record, the office's appointments, the messages about them and the office's audit
entries; and the codes and replies sent to the number, which belong to no office, only while no
other office serves the person. Erasing a person whom another office still serves erases only
this office's part (retention.anonymise_office_part) and leaves the shared record; otherwise
the whole person. The central data-protection role (services/permissions.py) covers every office.

Erasure cancels the client's upcoming appointments so their times are free and the caseworker
and interpreter are told, but sends the client nothing: they asked to be forgotten, and a
message would need their number after it is gone. Then it anonymises them exactly as the
retention period does (services/retention.py).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from appointments.models import (
    Appointment,
    AuditEntry,
    Client,
    Notification,
    Office,
    PhoneVerification,
)
from appointments.services import clients
from appointments.services.audit import office_audit_log, record_audit
from appointments.services.booking import cancel_appointment
from appointments.services.permissions import privacy_scope
from appointments.services.references import normalize_reference
from appointments.services.retention import anonymise_clients, anonymise_office_part

MAX_MATCHES = 20


def find_office_clients(*, office: Office, user, query: str) -> list[Client]:
    """Clients with an appointment at the office, by booking code, or by mobile or customer number
    as the client search matches them (services/clients.py)."""
    query = query.strip()
    if not query:
        return []
    by_number = [client.pk for client in clients.find_clients_by_number(query, viewer=user)]
    matches = Q(pk__in=by_number) | Q(appointments__reference=normalize_reference(query))
    # One filter() call: the booking code must be one of this office's appointments.
    found = Client.objects.filter(matches, appointments__topic__office=office).distinct().order_by("pk")
    return list(found[:MAX_MATCHES])


@dataclass(frozen=True)
class Scope:
    """What of a client an export or erasure covers: one office's part, or every office's (None);
    and whether the number's own rows (codes, replies: no office's) go with it."""

    office: Office | None = None
    number: bool = True


EVERYTHING = Scope()


def privacy_part(client: Client, *, actor, office: Office) -> Scope:
    """The part of the client that `actor`, working for `office`, exports or erases."""
    scope = privacy_scope(actor, office)
    if scope is None:
        return EVERYTHING
    return Scope(office=scope, number=not client.appointments.exclude(topic__office=scope).exists())


def client_appointments(client: Client, scope: Scope = EVERYTHING) -> QuerySet[Appointment]:
    appointments = Appointment.objects.filter(client=client)
    if scope.office is not None:
        appointments = appointments.filter(topic__office=scope.office)
    return appointments.select_related("topic__office", "caseworker", "interpreter_request").order_by("start")


def client_messages(client: Client, scope: Scope = EVERYTHING) -> QuerySet[Notification]:
    """Messages to the client: about their appointments, and codes and replies to their number."""
    matches = Q(appointment__client=client, audience=Notification.Audience.CLIENT)
    if scope.office is not None:
        matches &= Q(appointment__topic__office=scope.office)
    if scope.number:
        matches |= Q(appointment__isnull=True, recipient=client.phone)
    return Notification.objects.filter(matches).select_related("appointment").order_by("created_at", "pk")


def client_verifications(client: Client, scope: Scope = EVERYTHING) -> QuerySet[PhoneVerification]:
    if not scope.number:
        return PhoneVerification.objects.none()
    return PhoneVerification.objects.filter(phone=client.phone).order_by("created_at")


def client_audit(client: Client, scope: Scope = EVERYTHING) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.filter(client_id=client.pk)
    if scope.office is not None:
        entries = entries.filter(office_id=scope.office.pk)
    return entries.order_by("at", "id")


def stored_counts(client: Client, *, actor=None, office: Office | None = None, now=None) -> dict[str, int]:
    """How many rows of each kind name the client: what a coordinator sees before export or erasure;
    with `office`, what the `actor`'s export and erasure there cover."""
    now = now or timezone.now()
    scope = privacy_part(client, actor=actor, office=office) if office is not None else EVERYTHING
    appointments = client_appointments(client, scope)
    return {
        "appointments": appointments.count(),
        "upcoming": appointments.filter(status=Appointment.Status.BOOKED, start__gt=now).count(),
        "messages": client_messages(client, scope).count(),
        "verifications": client_verifications(client, scope).count(),
        "audit": client_audit(client, scope).count(),
    }


def audit_log(*, office: Office, client_id: int | None = None, reference: str = "") -> QuerySet[AuditEntry]:
    """The office's audit log, newest first, about one client or one booking code if asked."""
    entries = office_audit_log(office, client_id=client_id)
    if reference:
        entries = entries.filter(appointment_reference=normalize_reference(reference))
    return entries


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _appointment(appointment: Appointment) -> dict:
    interpreter_request = getattr(appointment, "interpreter_request", None)
    return {
        "reference": appointment.reference,
        "office": appointment.topic.office.name,
        "topic": appointment.topic.name,
        "caseworker": appointment.caseworker.display_name,
        "mode": appointment.mode,
        "language": appointment.language,
        "interpreter": (
            {"language": interpreter_request.language_id, "status": interpreter_request.status}
            if interpreter_request
            else None
        ),
        "start": _iso(appointment.start),
        "end": _iso(appointment.end),
        "status": appointment.status,
        "cancelled_by": appointment.cancelled_by,
        "cancel_reason": appointment.cancel_reason,
        "outcome_note": appointment.outcome_note,
        "client_confirmed_at": _iso(appointment.client_confirmed_at),
        "booked_at": _iso(appointment.created_at),
    }


def _message(message: Notification) -> dict:
    return {
        "appointment": message.appointment.reference if message.appointment else None,
        "kind": message.kind,
        "channel": message.channel,
        "recipient": message.recipient,
        "subject": message.subject,
        "body": message.body,
        "status": message.status,
        "delivery_status": message.delivery_status,
        "due_at": _iso(message.due_at),
        "sent_at": _iso(message.sent_at),
    }


def export_client_data(client: Client, *, actor, office: Office, now: datetime | None = None) -> dict:
    """What is stored about the client at the coordinator's `office` (everything, for the central
    data-protection role), as JSON-ready data; no hashes of codes or tokens.

    The export is written to the audit log of `office`.
    """
    now = now or timezone.now()
    scope = privacy_part(client, actor=actor, office=office)
    data = {
        "exported_at": _iso(now),
        "office": scope.office.name if scope.office is not None else None,
        "client": {
            "id": client.pk,
            "name": client.name,
            "phone": client.phone,
            "email": client.email,
            "customer_number": client.customer_number,
            "language": client.language,
            "sms_consent": client.sms_consent,
            "created_at": _iso(client.created_at),
            "updated_at": _iso(client.updated_at),
        },
        "appointments": [_appointment(appointment) for appointment in client_appointments(client, scope)],
        "messages": [_message(message) for message in client_messages(client, scope)],
        "phone_verifications": [
            {
                "created_at": _iso(verification.created_at),
                "confirmed_at": _iso(verification.confirmed_at),
                "used_at": _iso(verification.used_at),
            }
            for verification in client_verifications(client, scope)
        ],
        "history": [
            {
                "at": _iso(entry.at),
                "action": entry.action,
                "by": entry.party,
                "appointment": entry.appointment_reference,
            }
            for entry in client_audit(client, scope)
        ],
    }
    record_audit(action=AuditEntry.Action.EXPORTED, actor=actor, client=client, office=office)
    return data


@dataclass(frozen=True)
class Erasure:
    """How many upcoming appointments an erasure cancelled, and whether the shared record stayed
    because another office still serves the client."""

    cancelled: int
    record_kept: bool = False


def erase_client(client: Client, *, actor, office: Office, now: datetime | None = None) -> Erasure:
    """Cancel the client's upcoming appointments at `office` and erase the office's part; the whole
    person once no other office serves them, or always when the actor has the central role.

    Only the client's own messages about the cancellations are withdrawn (by the anonymisation,
    in the same transaction, so no worker ever sees them); the caseworker's and interpreter's go.
    """
    now = now or timezone.now()
    with transaction.atomic():
        scope = privacy_part(client, actor=actor, office=office)
        upcoming = list(
            client_appointments(client, scope).filter(status=Appointment.Status.BOOKED, start__gt=now)
        )
        for appointment in upcoming:
            cancel_appointment(appointment=appointment, by=Appointment.Party.STAFF, actor=actor, now=now)
        if scope.number:
            anonymise_clients([client.pk], now=now, action=AuditEntry.Action.ERASED, actor=actor)
        else:
            anonymise_office_part(client, office=scope.office, now=now, actor=actor)
    return Erasure(cancelled=len(upcoming), record_kept=not scope.number)
