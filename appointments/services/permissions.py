"""Who may see and act on what, decided here alone: caseworker own, coordinator office, superuser all;
a client by their booking's link. Every refusal is NotFound, the same as absence, so nothing leaks."""

from django.db.models import Exists, OuterRef, QuerySet

from appointments.exceptions import NotFound
from appointments.models import (
    Appointment,
    CalendarLink,
    Caseworker,
    Client,
    GroupSession,
    GroupSessionInterpreter,
    Interpreter,
    InterpreterRequest,
    Invitation,
    Office,
)
from appointments.services.references import normalize_reference
from appointments.services.tokens import hash_token, token_matches

_BOOKING_RELATIONS = ("topic__office", "caseworker", "client", "interpreter_request")


def sees_everything(user) -> bool:
    """An active superuser sees and acts on everything, at every office (calls excepted: see can_call)."""
    return bool(getattr(user, "is_superuser", False)) and user.is_active


def caseworker_for(user) -> Caseworker | None:
    """The user's active caseworker profile, or None (anonymous, interpreter, client, inactive)."""
    if not getattr(user, "is_authenticated", False):
        return None
    caseworker = getattr(user, "caseworker", None)
    if caseworker is None or not caseworker.active:
        return None
    return caseworker


def interpreter_for(user) -> Interpreter | None:
    """The user's active interpreter profile, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    interpreter = getattr(user, "interpreter", None)
    if interpreter is None or not interpreter.active:
        return None
    return interpreter


def sees_office(caseworker: Caseworker) -> bool:
    """A coordinator sees the whole of their office; any other caseworker only what is theirs."""
    return caseworker.is_coordinator


def coordinator_for(user) -> Caseworker | None:
    """The user's caseworker profile if it coordinates its office (or the user is a superuser)."""
    caseworker = caseworker_for(user)
    if caseworker is None or not (sees_office(caseworker) or user.is_superuser):
        return None
    return caseworker


def access_own_caseworker(user) -> Caseworker:
    """The user's own active caseworker profile, for pages about their own day or feed; else NotFound."""
    caseworker = caseworker_for(user)
    if caseworker is None:
        raise NotFound
    return caseworker


def access_interpreter(user) -> Interpreter:
    """The user's active interpreter profile, for the interpreter's pages and API; NotFound otherwise."""
    interpreter = interpreter_for(user)
    if interpreter is None:
        raise NotFound
    return interpreter


def second_factor_required(user) -> bool:
    """Whether the user must log in with a second factor: a coordinator of an office that asks for it."""
    coordinator = coordinator_for(user)
    return coordinator is not None and coordinator.office.coordinators_need_second_factor


def access_coordinator(user) -> Caseworker:
    """The user's coordinating caseworker profile for an office-wide page; NotFound for everybody else."""
    coordinator = coordinator_for(user)
    if coordinator is None:
        raise NotFound
    return coordinator


def _covers(viewer: Caseworker, caseworker_id: int, office_id: int) -> bool:
    return viewer.pk == caseworker_id or (sees_office(viewer) and viewer.office_id == office_id)


def caseworker_covers(caseworker: Caseworker, appointment: Appointment) -> bool:
    """A caseworker's own appointment, or one of their office when they coordinate it."""
    return _covers(caseworker, appointment.caseworker_id, appointment.topic.office_id)


def is_staff_viewer(user) -> bool:
    """Whether the user may open the staff pages at all: an active caseworker or a superuser."""
    return caseworker_for(user) is not None or bool(getattr(user, "is_superuser", False))


def access_staff(user) -> Caseworker | None:
    """A member of staff's caseworker profile (None for a superuser without one); NotFound for others."""
    if not is_staff_viewer(user):
        raise NotFound
    return caseworker_for(user)


def can_view_caseworker(user, caseworker: Caseworker) -> bool:
    """Whether the user may see this caseworker's day: themselves, their office's coordinator, a superuser."""
    if sees_everything(user):
        return True
    viewer = caseworker_for(user)
    return viewer is not None and _covers(viewer, caseworker.pk, caseworker.office_id)


def can_view_appointment(user, appointment: Appointment) -> bool:
    """Own appointments for a caseworker, the office's for a coordinator, all for a superuser."""
    if sees_everything(user):
        return True
    viewer = caseworker_for(user)
    return viewer is not None and caseworker_covers(viewer, appointment)


def can_act_on_appointment(user, appointment: Appointment) -> bool:
    """Recording an outcome and joining the call follow the same rule as seeing the appointment."""
    return can_view_appointment(user, appointment)


def can_call(user, appointment: Appointment) -> bool:
    """Calls are for the people in them: the appointment's caseworker or a coordinator of its office
    (covering) joins its room and rings the conference; a superuser as such does not."""
    caseworker = caseworker_for(user)
    return caseworker is not None and caseworker_covers(caseworker, appointment)


def interprets(user, appointment: Appointment) -> bool:
    """Whether the user is the interpreter who accepted this appointment's request (and joins its room)."""
    interpreter = interpreter_for(user)
    return (
        interpreter is not None
        and InterpreterRequest.objects.filter(
            appointment=appointment, interpreter=interpreter, status=InterpreterRequest.Status.ACCEPTED
        ).exists()
    )


def interprets_group_session(user, session: GroupSession) -> bool:
    """Whether the user is an interpreter assigned to the session (and joins its video room)."""
    interpreter = interpreter_for(user)
    return (
        interpreter is not None
        and GroupSessionInterpreter.objects.filter(session=session, interpreter=interpreter).exists()
    )


def access_caseworker(user, caseworker_id: int) -> Caseworker:
    """The caseworker whose day the user asked for, if they may see it; NotFound for unknown and forbidden."""
    caseworker = Caseworker.objects.select_related("office").filter(pk=caseworker_id).first()
    if caseworker is None or not can_view_caseworker(user, caseworker):
        raise NotFound
    return caseworker


def access_staff_appointment(user, appointment_id: int) -> Appointment:
    """The appointment for a member of staff who may act on it; NotFound alike for unknown and forbidden."""
    appointment = (
        Appointment.objects.select_related("topic__office", "caseworker").filter(pk=appointment_id).first()
    )
    if appointment is None or not can_act_on_appointment(user, appointment):
        raise NotFound
    return appointment


def clients_visible_to(user) -> QuerySet[Client]:
    """Clients a member of staff may find: a caseworker those with an appointment with them, a coordinator
    those with an appointment on a topic of the office, a superuser all; nobody else any."""
    if sees_everything(user):
        return Client.objects.all()
    viewer = caseworker_for(user)
    if viewer is None:
        return Client.objects.none()
    if sees_office(viewer):
        seen = Appointment.objects.filter(client=OuterRef("pk"), topic__office_id=viewer.office_id)
        invited = Invitation.objects.filter(client=OuterRef("pk"), topic__office_id=viewer.office_id)
    else:
        seen = Appointment.objects.filter(client=OuterRef("pk"), caseworker_id=viewer.pk)
        invited = Invitation.objects.filter(client=OuterRef("pk"), caseworker_id=viewer.pk)
    return Client.objects.filter(Exists(seen) | Exists(invited))


def can_book_at(user, office: Office) -> bool:
    """Whether `user`, booking on a client's behalf, may book at this office: a caseworker only at
    their own office (elsewhere the client books, with the SMS code); a superuser anywhere."""
    if sees_everything(user):
        return True
    profile = getattr(user, "caseworker", None)
    return profile is None or profile.office_id == office.pk


def serves_client(user, client: Client) -> bool:
    """Whether the user is a caseworker of an office that has or had an appointment with the client:
    staff who know the person and may correct their details."""
    viewer = caseworker_for(user)
    return (
        viewer is not None
        and Appointment.objects.filter(client=client, topic__office_id=viewer.office_id).exists()
    )


def can_manage_availability(user, caseworker: Caseworker) -> bool:
    """Whether the user may change this caseworker's hours and absences: themselves, their office's
    coordinator, a superuser. Today the same circle as seeing their day, named apart so the rules can part."""
    return can_view_caseworker(user, caseworker)


def can_invite_for(user, caseworker: Caseworker) -> bool:
    """Whether the user may invite clients to this caseworker (or withdraw and reprint those
    invitations): the same circle as seeing their day, named apart so the rules can part."""
    return can_view_caseworker(user, caseworker)


def access_own_calendar(user) -> Caseworker:
    """Whose own calendar the user may link, unlink and read: only their own (a coordinator too)."""
    return access_own_caseworker(user)


def calendar_links_visible_to(user) -> QuerySet[CalendarLink]:
    """The calendar links a coordinator sees for their office (addresses, never passwords); none else."""
    coordinator = coordinator_for(user)
    if coordinator is None:
        return CalendarLink.objects.none()
    return CalendarLink.objects.filter(caseworker__office_id=coordinator.office_id)


DATA_PROTECTION_PERMISSION = "appointments.process_all_client_data"


def is_data_protection_officer(user) -> bool:
    """The central data-protection role, whose export and erasure cover a client at every office:
    a user with the permission "Can export and erase a client's data at every office" (given to
    the user or to a group in the admin); superusers have every permission."""
    return bool(getattr(user, "is_active", False)) and user.has_perm(DATA_PROTECTION_PERMISSION)


def privacy_scope(user, office: Office) -> Office | None:
    """The office whose data the user's export and erasure cover (that of the coordinator's page),
    or None for every office: the central data-protection role."""
    return None if is_data_protection_officer(user) else office


def access_office_client(user, client_id: int) -> Client:
    """A client with an appointment at the office the user coordinates; NotFound for unknown and forbidden."""
    office_id = access_coordinator(user).office_id
    client = Client.objects.filter(pk=client_id, appointments__topic__office_id=office_id).first()
    if client is None:
        raise NotFound
    return client


def access_booking(*, reference: str, token: str | None) -> Appointment:
    """The booking for a reference and its manage token; NotFound alike for a wrong code or token."""
    appointment = (
        Appointment.objects.select_related(*_BOOKING_RELATIONS)
        .filter(reference=normalize_reference(reference))
        .first()
    )
    if appointment is None or not token or not token_matches(token, appointment.manage_token_hash):
        raise NotFound
    return appointment


def access_booking_by_token(*, token: str) -> Appointment:
    """The booking a manage token belongs to (the short link /m/<token> in messages); NotFound otherwise."""
    appointment = (
        Appointment.objects.select_related(*_BOOKING_RELATIONS)
        .filter(manage_token_hash=hash_token(token or ""))
        .first()
    )
    if appointment is None or not token:
        raise NotFound
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


def visible_group_sessions(user) -> QuerySet[GroupSession]:
    """The sessions a caseworker hosts; a coordinator's office's; a superuser's: all. NotFound for others."""
    viewer = access_staff(user)
    if viewer is None:
        return GroupSession.objects.all()
    sessions = GroupSession.objects.filter(topic__office_id=viewer.office_id)
    return sessions if sees_office(viewer) else sessions.filter(hosts=viewer)


def access_group_session(user, session_id: int) -> GroupSession:
    """A session its hosts, its office's coordinators and superusers may open; NotFound for others."""
    session = visible_group_sessions(user).filter(pk=session_id).first()
    if session is None:
        raise NotFound
    return session


def can_schedule_group_sessions(user) -> bool:
    """Scheduling sessions, assigning their interpreters and calling them off is a coordinator's
    (or a superuser's) task."""
    return coordinator_for(user) is not None or sees_everything(user)
