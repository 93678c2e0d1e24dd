"""Clients: the one record per mobile number, who may change it, and finding a client who phones.

One `Client` per number is shared by every office. A booking changes an existing client's
details only with proof that the number or the person is known: the SMS code for that number
was used up by this booking, or a member of staff of an office that has or had an appointment
with the client books. Then the change is in the audit log (contact_changed, with the field
names). Without proof the booking goes ahead with the record as it is and the differing
details are not stored: the messages go to the number's owner in their language and with
their consent as recorded, and the booking's audit entry says `details_kept`.
"""

from contextlib import suppress
from dataclasses import dataclass

from django.db.models import F, Func, Q, Value
from django.db.models.functions import Upper

from appointments.exceptions import InvalidPhoneNumber
from appointments.models import AuditEntry, Client, Office
from appointments.services.audit import record_audit
from appointments.services.permissions import clients_visible_to, serves_client
from appointments.services.phones import normalize_mobile_number

# Typed into customer numbers by people and letters alike, and meaningless for matching.
_SEPARATORS = (" ", "-", "/", ".")
MAX_RESULTS = 10


def customer_number_key(raw: str) -> str:
    """A customer number as compared: upper case, without spaces, dashes, slashes or dots."""
    key = raw.upper()
    for separator in _SEPARATORS:
        key = key.replace(separator, "")
    return key


def _stored_key() -> Func:
    """`customer_number_key` done by the database on the stored numbers."""
    expression = Upper(F("customer_number"))
    for separator in _SEPARATORS:
        expression = Func(expression, Value(separator), Value(""), function="REPLACE")
    return expression


def find_clients_by_number(query: str, *, viewer) -> list[Client]:
    """The clients `viewer` may see whose mobile number or customer number is `query`, by name.

    A number is matched in full, never in part: a search must not list strangers who share digits.
    """
    query = query.strip()
    match = Q()
    with suppress(InvalidPhoneNumber):
        match |= Q(phone=normalize_mobile_number(query))
    key = customer_number_key(query)
    if key:
        match |= Q(customer_key=key)
    if not match:
        return []
    clients = clients_visible_to(viewer).annotate(customer_key=_stored_key())
    return list(clients.filter(match).order_by("name", "pk")[:MAX_RESULTS])


CONTACT_FIELDS = ("name", "email", "customer_number", "language", "sms_consent")
DETAILS_KEPT = "details_kept"


@dataclass(frozen=True)
class ClientDetails:
    """What a client tells us about themselves when booking."""

    name: str
    phone: str
    email: str = ""
    customer_number: str = ""
    language: str = "de"
    sms_consent: bool = False


@dataclass(frozen=True)
class BookingClient:
    """The client a booking is for, and whether details that differed from the record were left out."""

    client: Client
    details_kept: bool = False


def client_for_booking(
    *, details: ClientDetails, phone: str, office: Office, verified: bool, actor=None
) -> BookingClient:
    """The client with this E.164 number, created from `details` if new; call inside the booking's
    transaction.

    An existing client's details change only with proof: `verified` (this booking used up an SMS
    code for the number) or `actor` being staff of an office that serves the client. The change is
    audited for `office`. Without proof the record stays as it is and the result says so.
    """
    values = {
        "name": details.name.strip(),
        "email": details.email,
        "customer_number": details.customer_number,
        "language": details.language,
        "sms_consent": details.sms_consent,
    }
    # Locked, so that two bookings for one number neither lose a change nor create it twice.
    person, created = Client.objects.select_for_update().get_or_create(phone=phone, defaults=values)
    if created:
        return BookingClient(person)
    changed = [field for field in CONTACT_FIELDS if getattr(person, field) != values[field]]
    if not changed:
        return BookingClient(person)
    if not (verified or (actor is not None and serves_client(actor, person))):
        return BookingClient(person, details_kept=True)
    for field in changed:
        setattr(person, field, values[field])
    person.save(update_fields=[*changed, "updated_at"])
    record_audit(
        action=AuditEntry.Action.CONTACT_CHANGED,
        actor=actor,
        client=person,
        office=office,
        detail=",".join(changed),
    )
    return BookingClient(person)
