"""Finding a booking without its link: booking code and mobile number, proven by an SMS code.

Nothing a visitor sees may tell whether a booking matches: the limits that can refuse them
are counted before the lookup (per number a day, whether it matches or not), a code goes out
through the worker (no provider call in the request either way), refusals after the lookup
are silent, and every wrong or missing code gets the same answer. A booking that had
FIND_MAX_WRONG_CODES wrong codes is locked for FIND_LOCK_HOURS: no codes for it, no code
accepted; its private link keeps working.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import ApplicationError, VerificationFailed
from appointments.models import Appointment, Office
from appointments.services.limits import client_mobile_number, take_for_number
from appointments.services.permissions import booking_for_phone
from appointments.services.verification import confirm_phone_verification, start_phone_verification


def _not_found() -> VerificationFailed:
    return VerificationFailed(
        _("The code is not correct or has expired. Please check the SMS or ask for a new code."), field="code"
    )


def _findable(appointment: Appointment | None, now: datetime) -> bool:
    return appointment is not None and not (
        appointment.find_locked_until and appointment.find_locked_until > now
    )


def start_finding(*, reference: str, phone: str, language: str, now: datetime | None = None) -> str | None:
    """Send a code if a findable booking has this code and number; its verification's id, or None.

    Raises only for what does not depend on the booking: a number no office may text, or
    one asked about too often today (rate "find-number", counted for every attempt).
    """
    now = now or timezone.now()
    e164 = client_mobile_number(phone, offices=Office.objects.all())
    take_for_number("find-number", e164)
    appointment = booking_for_phone(reference=reference, phone=e164)
    if not _findable(appointment, now):
        return None
    try:
        verification = start_phone_verification(
            phone=e164, language=language, office=appointment.topic.office, at_once=False, now=now
        )
    except ApplicationError:  # the number's own limits or the office's budget: as if nothing matched
        return None
    return str(verification.pk)


def confirm_finding(
    *, reference: str, verification_id: str | None, code: str, now: datetime | None = None
) -> None:
    """Return if the code proves the booking's number; else one VerificationFailed for every case.

    A wrong code counts against the booking; the one that reaches FIND_MAX_WRONG_CODES locks it.
    """
    now = now or timezone.now()
    appointment = booking_for_phone(reference=reference)
    if not verification_id or not _findable(appointment, now):
        raise _not_found()
    try:
        confirm_phone_verification(verification_id=verification_id, code=code, now=now)
    except VerificationFailed:
        bookings = Appointment.objects.filter(pk=appointment.pk)
        bookings.update(find_failures=F("find_failures") + 1)
        bookings.filter(find_failures__gte=settings.FIND_MAX_WRONG_CODES).update(
            find_failures=0, find_locked_until=now + timedelta(hours=settings.FIND_LOCK_HOURS)
        )
        raise _not_found() from None
    Appointment.objects.filter(Q(pk=appointment.pk), ~Q(find_failures=0)).update(find_failures=0)
