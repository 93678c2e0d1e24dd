"""Group sessions: scheduling them, booking and counting their places, cancelling them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import ApplicationError, NotAllowed
from appointments.models import Appointment, Caseworker, GroupSession, Language, Mode, Topic
from appointments.services.booking import (
    Booking,
    booking_client,
    cancel_appointment,
    checked_phone,
    confirm_booking,
    new_booking,
    use_verification,
)
from appointments.services.calls import new_call_room
from appointments.services.clients import ClientDetails
from appointments.services.group_calls import group_modes
from appointments.services.interpreter_notices import tell_group_interpreter

Status = Appointment.Status
# The most places a session may have: what a room of the office, and later one Janus, carries.
MOST_PLACES = 30


class SessionFull(ApplicationError):
    """Every place is taken; `next_session` is the topic's next one with a place left, if any."""

    status_code = 409
    default_message = _("This group session is full.")

    def __init__(self, next_session: GroupSession | None) -> None:
        super().__init__(field="session")
        self.next_session = next_session


@dataclass(frozen=True)
class SessionPlaces:
    session: GroupSession
    taken: int

    @property
    def left(self) -> int:
        return max(self.session.capacity - self.taken, 0)


def _taken() -> Count:
    return Count("places", filter=~Q(places__status=Status.CANCELLED))


def _bookable(topic: Topic, now: datetime) -> QuerySet[GroupSession]:
    return GroupSession.objects.filter(
        topic=topic, status=GroupSession.Status.SCHEDULED, start__gte=now + topic.office.min_notice
    )


def upcoming_sessions(topic: Topic, *, now: datetime | None = None) -> list[SessionPlaces]:
    """The topic's sessions that can still be booked, with how many places are taken."""
    now = now or timezone.now()
    sessions = _bookable(topic, now).annotate(taken=_taken()).prefetch_related("languages").order_by("start")
    return [SessionPlaces(session, session.taken) for session in sessions]


def bookable_session(topic: Topic, pk: int, *, now: datetime | None = None) -> GroupSession | None:
    """The topic's session `pk` if it can still be booked (full or not: booking counts the places)."""
    return _bookable(topic, now or timezone.now()).filter(pk=pk).first()


def next_session_with_places(session: GroupSession, *, now: datetime) -> GroupSession | None:
    later = _bookable(session.topic, now).filter(start__gt=session.start).annotate(taken=_taken())
    return later.filter(taken__lt=F("capacity")).order_by("start").first()


def schedule_group_session(
    *,
    topic: Topic,
    start: datetime,
    hosts: Iterable[Caseworker],
    capacity: int,
    mode: str = Mode.IN_PERSON,
    languages: Iterable[Language] = (),
    now: datetime | None = None,
) -> GroupSession:
    """A new session of a group topic, hosted by caseworkers of its office who are free then."""
    now = now or timezone.now()
    hosts = list(hosts)
    if not topic.group:
        raise ApplicationError(_("This topic is not a group session."), field="topic")
    if mode not in group_modes():
        raise ApplicationError(
            _("Group sessions are held at the job centre here: video needs the group call server (Janus)."),
            field="mode",
        )
    if not hosts or any(host.office_id != topic.office_id or not host.active for host in hosts):
        raise ApplicationError(_("Choose hosts of this office."), field="hosts")
    if not 1 <= capacity <= MOST_PLACES:
        raise ApplicationError(
            _("This group session can have between 1 and %(most)d places.") % {"most": MOST_PLACES},
            field="capacity",
        )
    if timezone.is_naive(start) or start < now:
        raise ApplicationError(_("Choose a time in the future."), field="start")
    session = GroupSession(topic=topic, mode=mode, capacity=capacity, call_room=new_call_room())
    session.set_times(start)
    with transaction.atomic():
        # Lock the hosts, so that two sessions cannot give one host the same hour.
        list(Caseworker.objects.select_for_update().filter(pk__in=[host.pk for host in hosts]))
        _check_hosts_free(session, hosts)
        session.save()
        session.hosts.set(hosts)
        session.languages.set(languages)
    return session


def _check_hosts_free(session: GroupSession, hosts: list[Caseworker]) -> None:
    overlapping = Q(blocked_from__lt=session.blocked_until, blocked_until__gt=session.blocked_from)
    busy = (
        Appointment.objects.filter(overlapping, caseworker__in=hosts, group_session__isnull=True)
        .exclude(status=Status.CANCELLED)
        .exists()
        or GroupSession.objects.filter(
            overlapping, hosts__in=hosts, status=GroupSession.Status.SCHEDULED
        ).exists()
    )
    if busy:
        raise ApplicationError(_("A host has another appointment at this time."), field="hosts")


def book_place(
    *,
    session: GroupSession,
    client: ClientDetails,
    verification_token: str | None = None,
    booked_by: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> Booking:
    """A place in a group session for a client; never more places than the session has.

    The same checks of the client as `book_appointment` (code, calling code, cap on upcoming
    bookings, the client's record); the session's row is locked while its places are counted.
    """
    now = now or timezone.now()
    topic = session.topic
    phone = checked_phone(topic=topic, client=client, booked_by=booked_by)
    with transaction.atomic():
        session = GroupSession.objects.select_for_update().select_related("topic__office").get(pk=session.pk)
        if session.status != GroupSession.Status.SCHEDULED or session.start < now + topic.office.min_notice:
            raise NotAllowed(_("This group session can no longer be booked."), field="session")
        verified = use_verification(
            topic=topic, phone=phone, token=verification_token, booked_by=booked_by, now=now
        )
        places = session.places.exclude(status=Status.CANCELLED)
        if places.filter(client__phone=phone).exists():
            raise NotAllowed(_("You already have a place in this group session."), field="session")
        if places.count() >= session.capacity:
            raise SessionFull(next_session_with_places(session, now=now))
        found = booking_client(
            topic=topic, phone=phone, details=client, verified=verified, booked_by=booked_by, now=now
        )
        place, token = new_booking(
            client=found.client,
            caseworker=session.hosts.order_by("pk").first(),
            topic=topic,
            mode=session.mode,
            language=client.language,
            group_session=session,
            booked_by=booked_by,
        )
        place.set_times(session.start, topic)
        place.save()
        return confirm_booking(
            appointment=place, manage_token=token, actor=booked_by, now=now, details_kept=found.details_kept
        )


def locked_changeable_session(session: GroupSession, now: datetime) -> GroupSession:
    """The session's row, locked, while it is scheduled and has not begun; NotAllowed after that."""
    # Only the session's row: its topic and office are shared by every session of theirs.
    session = (
        GroupSession.objects.select_for_update(of=("self",))
        .select_related("topic__office")
        .get(pk=session.pk)
    )
    if session.status != GroupSession.Status.SCHEDULED or session.start <= now:
        raise NotAllowed(_("This group session can no longer be changed."))
    return session


def cancel_group_session(
    *,
    session: GroupSession,
    reason: str = "",
    actor: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> GroupSession:
    """The session is called off: every booked place is cancelled with its message, its interpreters
    are told, the hosts and interpreters are free."""
    now = now or timezone.now()
    with transaction.atomic():
        session = locked_changeable_session(session, now)
        for place in session.places.filter(status=Status.BOOKED):
            cancel_appointment(
                appointment=place, by=Appointment.Party.STAFF, reason=reason, actor=actor, now=now
            )
        for assignment in session.interpreters.select_related("interpreter", "language"):
            tell_group_interpreter(assignment, "cancelled", now)
        session.status = GroupSession.Status.CANCELLED
        session.save(update_fields=["status"])
    return session
