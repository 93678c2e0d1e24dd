"""Reads of the domain that pages and the API share."""

from django.db.models import QuerySet
from django.utils import timezone

from appointments.models import Appointment, Caseworker, Interpreter, InterpreterRequest, Topic


def bookable_topics() -> QuerySet[Topic]:
    return Topic.objects.filter(active=True).select_related("office")


def upcoming_appointments_for(owner: Caseworker | Interpreter) -> QuerySet[Appointment]:
    """A caseworker's, or an interpreter's accepted, appointments from today on."""
    appointments = Appointment.objects.filter(
        status=Appointment.Status.BOOKED, end__gte=timezone.now()
    ).select_related("client", "topic__office")
    if isinstance(owner, Caseworker):
        return appointments.filter(caseworker=owner)
    return appointments.filter(
        interpreter_request__interpreter=owner,
        interpreter_request__status=InterpreterRequest.Status.ACCEPTED,
    )
