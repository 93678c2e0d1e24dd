"""An appointment locked for a change: read afresh under FOR UPDATE, for every service that changes it."""

from datetime import datetime

from django.utils.translation import gettext as _

from appointments.exceptions import NotAllowed
from appointments.models import Appointment


def locked(appointment: Appointment) -> Appointment:
    """The appointment as it is now, locked until the caller's transaction ends."""
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("topic__office")
        .get(pk=appointment.pk)
    )


def locked_before_start(appointment: Appointment, now: datetime) -> Appointment:
    """Locked, and still booked and not begun: what moving, cancelling and interpreter changes need."""
    appointment = locked(appointment)
    if not appointment.is_changeable(now):
        raise NotAllowed(_("This appointment can no longer be changed."))
    return appointment
