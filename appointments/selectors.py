"""Reads of the domain that pages and the API share."""

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from appointments.models import (
    Appointment,
    Caseworker,
    Client,
    Interpreter,
    InterpreterRequest,
    Invitation,
    Notification,
    Office,
    Topic,
)
from appointments.services.permissions import caseworker_for, sees_everything, sees_office


def bookable_topics() -> QuerySet[Topic]:
    """Topics staff can book (and invitations can be for), whether or not clients may book them alone."""
    return Topic.objects.filter(active=True).select_related("office")


def self_bookable_topics() -> QuerySet[Topic]:
    """Topics the public pages and API offer: bookable, and open to clients without an invitation."""
    return bookable_topics().filter(self_booking=True)


def own_caseworker(*, client: Client, topic: Topic) -> Caseworker | None:
    """The client's own caseworker (Ansprechperson) for a topic, or None.

    The caseworker of the client's latest appointment or invitation at the topic's office (by when
    it was made, whatever became of it: a cancelled appointment still names who the client had),
    among caseworkers who are active and still offer the topic. Two queries.
    """
    serving = Caseworker.objects.filter(active=True, office_id=topic.office_id, topics=topic)
    latest = [
        rows.filter(client=client, caseworker__in=serving)
        .order_by("-created_at", "-pk")
        .values_list("created_at", "caseworker_id")
        .first()
        for rows in (Appointment.objects, Invitation.objects)
    ]
    found = max((row for row in latest if row is not None), default=None)
    return Caseworker.objects.filter(pk=found[1]).first() if found else None


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
    ).select_related("interpreter_request__language")


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


def _on_days(
    appointments: QuerySet[Appointment], office: Office, first: date, last: date
) -> list[Appointment]:
    """The not-cancelled appointments starting on the office's local days first..last, by start.

    Each carries its topic, client and interpreter request, and `message_status` of the client's
    confirmation SMS; one query whatever the number of appointments.
    """
    since, until = office.day_bounds(first, last)
    latest = _client_confirmations().order_by("-appointment_version", "-created_at")
    rows = list(
        # A group session's places are on its own page, not one row each.
        appointments.filter(start__gte=since, start__lt=until, group_session__isnull=True)
        .exclude(status=Appointment.Status.CANCELLED)
        .select_related("topic__office", "client", "interpreter_request")
        .annotate(
            confirmation_status=Subquery(latest.values("status")[:1]),
            confirmation_delivery=Subquery(latest.values("delivery_status")[:1]),
        )
        .order_by("start", "pk")
    )
    for appointment in rows:
        appointment.message_status = message_status(
            appointment.confirmation_status, appointment.confirmation_delivery
        )
    return rows


def days_for(caseworker: Caseworker, first: date, last: date) -> list[Appointment]:
    """The caseworker's appointments of the local days first..last (office zone); see `_on_days`."""
    return _on_days(Appointment.objects.filter(caseworker=caseworker), caseworker.office, first, last)


def day_for(caseworker: Caseworker, day: date) -> list[Appointment]:
    """The caseworker's appointments of one local day (office zone) by start, cancelled ones left out."""
    return days_for(caseworker, day, day)


def office_day(office: Office, day: date) -> list[tuple[Caseworker, list[Appointment]]]:
    """Each active caseworker of the office with their appointments of the day; two queries in all."""
    caseworkers = list(Caseworker.objects.filter(office=office, active=True).order_by("display_name", "pk"))
    appointments = _on_days(Appointment.objects.filter(caseworker__in=caseworkers), office, day, day)
    by_caseworker: dict[int, list[Appointment]] = {caseworker.pk: [] for caseworker in caseworkers}
    for appointment in appointments:
        by_caseworker[appointment.caseworker_id].append(appointment)
    return [(caseworker, by_caseworker[caseworker.pk]) for caseworker in caseworkers]


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


FOLLOW_UP_DAYS = 14


def invitations_to_follow_up(caseworker: Caseworker) -> QuerySet[Invitation]:
    """The caseworker's invitations that expired unanswered in the last two weeks, unless the client has
    been invited again since or has booked an appointment since: someone contacts those clients."""
    now = timezone.now()
    later_invitation = Invitation.objects.filter(
        client=OuterRef("client"), created_at__gt=OuterRef("created_at")
    )
    later_booking = Appointment.objects.filter(
        client=OuterRef("client"), status=Appointment.Status.BOOKED, created_at__gt=OuterRef("created_at")
    )
    return (
        Invitation.objects.filter(
            caseworker=caseworker,
            status=Invitation.Status.EXPIRED,
            deadline__gte=now - timedelta(days=FOLLOW_UP_DAYS),
        )
        .exclude(Exists(later_invitation))
        .exclude(Exists(later_booking))
        .select_related("client", "topic")
        .order_by("deadline")
    )


def invitations_for(user) -> QuerySet[Invitation]:
    """The invitations a member of staff may see: their own (also as part of a team), their office's
    as coordinator, all for a superuser; newest first, with what `invitation_state` reads."""
    invitations = Invitation.objects.select_related(
        "client", "caseworker", "topic__office", "appointment"
    ).prefetch_related("notifications")
    if sees_everything(user):
        return invitations
    viewer = caseworker_for(user)
    if viewer is None:
        return invitations.none()
    if sees_office(viewer):
        return invitations.filter(topic__office_id=viewer.office_id)
    return invitations.filter(Q(caseworker=viewer) | Q(team=viewer)).distinct()


def invitation_state(invitation: Invitation) -> str:
    """One word for where an invitation stands: booked, declined, expired, revoked once answered or
    closed; before that opened, then the best news of its messages (delivered, sent, failed), else
    pending (a letter, or messages still queued)."""
    if invitation.status != Invitation.Status.OPEN:
        return invitation.status
    if invitation.opened_at is not None:
        return "opened"
    first = [n for n in invitation.notifications.all() if n.kind == Notification.Kind.INVITATION]
    words = {message_status(n.status, n.delivery_status) for n in first}
    for word in ("delivered", "sent", "failed"):
        if word in words:
            return word
    return "pending"
