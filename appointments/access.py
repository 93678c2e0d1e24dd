"""Fetch an object and check the caller's right to it in one call, for every entry point."""

from django.http import Http404

from appointments.models import Appointment
from appointments.services.booking import normalize_reference
from appointments.services.tokens import token_matches


def access_booking(*, reference: str, token: str | None) -> Appointment:
    """The booking for a reference and its manage token; 404 alike for a wrong code or token."""
    appointment = (
        Appointment.objects.select_related("topic__office", "caseworker", "client", "interpreter_request")
        .filter(reference=normalize_reference(reference))
        .first()
    )
    if appointment is None or not token or not token_matches(token, appointment.manage_token_hash):
        raise Http404
    return appointment
