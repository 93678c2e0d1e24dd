"""Fetch an object and check the caller's right to it in one call, for every entry point."""

from django.http import Http404

from appointments.models import Appointment
from appointments.services.booking import normalize_reference
from appointments.services.tokens import hash_token, token_matches

_BOOKING_RELATIONS = ("topic__office", "caseworker", "client", "interpreter_request")


def access_booking(*, reference: str, token: str | None) -> Appointment:
    """The booking for a reference and its manage token; 404 alike for a wrong code or token."""
    appointment = (
        Appointment.objects.select_related(*_BOOKING_RELATIONS)
        .filter(reference=normalize_reference(reference))
        .first()
    )
    if appointment is None or not token or not token_matches(token, appointment.manage_token_hash):
        raise Http404
    return appointment


def access_booking_by_token(*, token: str) -> Appointment:
    """The booking a manage token belongs to (the short link /m/<token> in messages); 404 otherwise."""
    appointment = (
        Appointment.objects.select_related(*_BOOKING_RELATIONS)
        .filter(manage_token_hash=hash_token(token or ""))
        .first()
    )
    if appointment is None or not token:
        raise Http404
    return appointment


def booking_for_phone(*, reference: str, phone: str | None = None) -> Appointment | None:
    """The booking with this code (and, if given, this client's E.164 number); the caller then
    proves the number by SMS code before showing anything."""
    bookings = Appointment.objects.select_related(*_BOOKING_RELATIONS).filter(
        reference=normalize_reference(reference)
    )
    if phone is not None:
        bookings = bookings.filter(client__phone=phone)
    return bookings.first()
