"""The audit log: who viewed or changed which client's data; written in the change's transaction."""

from django.db.models import QuerySet

from appointments.models import Appointment, AuditEntry, Client, Office

Party = Appointment.Party


def record_audit(
    *,
    action: str,
    actor=None,
    appointment: Appointment | None = None,
    client: Client | None = None,
    office: Office | None = None,
    party: str | None = None,
    detail: str = "",
) -> AuditEntry:
    """Write one entry; `actor` is the user who acted (staff); without one it was the client,
    unless `party` says the system did it.

    `detail` must be a fixed word such as a status or a field name, never text a person typed.
    """
    if appointment is not None:
        client_id = appointment.client_id
        office_id = appointment.topic.office_id
    else:
        client_id = client.pk if client is not None else None
        office_id = office.pk if office is not None else _office_of(client)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    if party is None:
        party = Party.STAFF if authenticated else Party.CLIENT
    return AuditEntry.objects.create(
        action=action,
        party=party,
        actor_id=actor.pk if authenticated else None,
        actor_name=actor.get_username() if authenticated else "",
        office_id=office_id,
        client_id=client_id,
        appointment_id=appointment.pk if appointment is not None else None,
        appointment_reference=appointment.reference if appointment is not None else "",
        detail=detail[:200],
    )


def _office_of(client: Client | None) -> int | None:
    """The office of the client's latest appointment: whose coordinators read the entry."""
    if client is None:
        return None
    return (
        Appointment.objects.filter(client=client)
        .order_by("-start")
        .values_list("topic__office_id", flat=True)
        .first()
    )


def history_of(appointment: Appointment) -> QuerySet[AuditEntry]:
    """Every entry about one appointment, oldest first."""
    return AuditEntry.objects.filter(appointment_id=appointment.pk).order_by("at", "id")


def office_audit_log(office: Office, *, client_id: int | None = None) -> QuerySet[AuditEntry]:
    """The office's entries, newest first, optionally about one client."""
    entries = AuditEntry.objects.filter(office_id=office.pk)
    if client_id is not None:
        entries = entries.filter(client_id=client_id)
    return entries
