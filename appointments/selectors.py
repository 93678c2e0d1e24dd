"""Reads of the domain that pages and the API share."""

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from appointments.models import Appointment, Caseworker, Interpreter, InterpreterRequest, Notification, Topic


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


def _client_confirmations() -> QuerySet[Notification]:
    """The client's booking-confirmation SMS of an outer appointment."""
    return Notification.objects.filter(
        appointment=OuterRef("pk"),
        kind=Notification.Kind.CONFIRMATION,
        channel=Notification.Channel.SMS,
        audience=Notification.Audience.CLIENT,
    )


FAILED_DELIVERY = ("undelivered", "failed")


def message_status(status: str | None, delivery_status: str | None) -> str:
    """One word for a message: "failed", "delivered", "sent", "pending" or "" (none written)."""
    if status == Notification.Status.FAILED or delivery_status in FAILED_DELIVERY:
        return "failed"
    if delivery_status == "delivered":
        return "delivered"
    if status == Notification.Status.SENT:
        return "sent"
    return "pending" if status else ""


def day_for(caseworker: Caseworker, day: date) -> list[Appointment]:
    """The caseworker's appointments of one local day (office zone) by start, cancelled ones left out.

    Each carries its topic, client and interpreter request, and `message_status` of the client's
    confirmation SMS; one query whatever the number of appointments.
    """
    zone = caseworker.office.zone
    since = datetime.combine(day, time(0), tzinfo=zone)
    until = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    latest = _client_confirmations().order_by("-appointment_version", "-created_at")
    appointments = (
        Appointment.objects.filter(caseworker=caseworker, start__gte=since, start__lt=until)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("topic__office", "client", "interpreter_request")
        .annotate(
            confirmation_status=Subquery(latest.values("status")[:1]),
            confirmation_delivery=Subquery(latest.values("delivery_status")[:1]),
        )
        .order_by("start")
    )
    rows = list(appointments)
    for appointment in rows:
        appointment.message_status = message_status(
            appointment.confirmation_status, appointment.confirmation_delivery
        )
    return rows


def messages_needing_a_call(caseworker: Caseworker) -> QuerySet[Appointment]:
    """Upcoming booked appointments whose client confirmation SMS failed: someone phones the client."""
    failed = _client_confirmations().filter(
        Q(status=Notification.Status.FAILED) | Q(delivery_status__in=FAILED_DELIVERY)
    )
    return (
        Appointment.objects.filter(
            caseworker=caseworker, status=Appointment.Status.BOOKED, start__gt=timezone.now()
        )
        .filter(Exists(failed))
        .select_related("topic__office", "client")
        .order_by("start")
    )
