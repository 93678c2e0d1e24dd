"""What the legal pages state for each office: who answers for the data, how long it is kept, who gets it.

The periods are the ones services/retention.py applies, so the privacy notice cannot promise
other periods than the worker keeps; the processors follow from the configured gateways.
"""

from dataclasses import dataclass

from django.conf import settings

from appointments.models import Office
from appointments.services.retention import FINISHED_BODY_DAYS, SPENT_VERIFICATION_HOURS

TWILIO = "Twilio"


@dataclass(frozen=True)
class OfficeLegal:
    """An office with the periods its data is kept for."""

    office: Office
    retention_days: int
    message_text_days: int
    code_hours: int


def legal_offices() -> list[OfficeLegal]:
    return [
        OfficeLegal(
            office=office,
            retention_days=office.retention_days,
            message_text_days=min(FINISHED_BODY_DAYS, office.retention_days),
            code_hours=SPENT_VERIFICATION_HOURS,
        )
        for office in Office.objects.order_by("name")
    ]


def uses_twilio() -> bool:
    """SMS or telephone calls go through Twilio, a processor outside the EU."""
    return any(TWILIO in backend for backend in (settings.SMS_BACKEND, settings.VOICE_BACKEND))
