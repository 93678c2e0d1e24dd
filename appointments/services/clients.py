"""Finding a client who phones the office: by mobile number however typed, or by customer number."""

from contextlib import suppress

from django.db.models import F, Func, Q, Value
from django.db.models.functions import Upper

from appointments.exceptions import InvalidPhoneNumber
from appointments.models import Client
from appointments.services.permissions import clients_visible_to
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


def find_clients(query: str, *, viewer) -> list[Client]:
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
