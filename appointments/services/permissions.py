"""Who may see and act on which appointment: caseworker own, coordinator office, superuser all."""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from appointments.models import Appointment, Caseworker, Client, Interpreter, Invitation, Office


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


def coordinator_for(user) -> Caseworker | None:
    """The user's caseworker profile if it coordinates its office (or the user is a superuser)."""
    caseworker = caseworker_for(user)
    if caseworker is None or not (caseworker.is_coordinator or user.is_superuser):
        return None
    return caseworker


def second_factor_required(user) -> bool:
    """Whether the user must log in with a second factor: a coordinator of an office that asks for it."""
    coordinator = coordinator_for(user)
    return coordinator is not None and coordinator.office.coordinators_need_second_factor


def access_coordinator(user) -> Caseworker:
    """The user's coordinating caseworker profile for an office-wide page; 404 for everybody else."""
    coordinator = coordinator_for(user)
    if coordinator is None:
        raise Http404
    return coordinator


def caseworker_covers(caseworker: Caseworker, appointment: Appointment) -> bool:
    """A caseworker's own appointment, or one of their office when they coordinate it."""
    return caseworker.pk == appointment.caseworker_id or (
        caseworker.is_coordinator and caseworker.office_id == appointment.topic.office_id
    )


def is_staff_viewer(user) -> bool:
    """Whether the user may open the staff pages at all: an active caseworker or a superuser."""
    return caseworker_for(user) is not None or bool(getattr(user, "is_superuser", False))


def can_view_caseworker(user, caseworker: Caseworker) -> bool:
    """Whether the user may see this caseworker's day: themselves, their office's coordinator, a superuser."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    viewer = caseworker_for(user)
    if viewer is None:
        return False
    return viewer.pk == caseworker.pk or (viewer.is_coordinator and viewer.office_id == caseworker.office_id)


def can_view_appointment(user, appointment: Appointment) -> bool:
    """Own appointments for a caseworker, the office's for a coordinator, all for a superuser."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    viewer = caseworker_for(user)
    return viewer is not None and caseworker_covers(viewer, appointment)


def can_act_on_appointment(user, appointment: Appointment) -> bool:
    """Recording an outcome and joining the call follow the same rule as seeing the appointment."""
    return can_view_appointment(user, appointment)


def access_caseworker(user, caseworker_id: int) -> Caseworker:
    """The caseworker whose day the user asked for, if they may see it; 404 for unknown and forbidden."""
    caseworker = Caseworker.objects.select_related("office").filter(pk=caseworker_id).first()
    if caseworker is None or not can_view_caseworker(user, caseworker):
        raise Http404
    return caseworker


def access_staff_appointment(user, appointment_id: int) -> Appointment:
    """The appointment for a member of staff who may act on it; 404 alike for unknown and forbidden."""
    appointment = (
        Appointment.objects.select_related("topic__office", "caseworker").filter(pk=appointment_id).first()
    )
    if appointment is None or not can_act_on_appointment(user, appointment):
        raise Http404
    return appointment


def clients_visible_to(user) -> QuerySet[Client]:
    """Clients a member of staff may find: a caseworker those with an appointment with them, a coordinator
    those with an appointment on a topic of the office, a superuser all; nobody else any."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Client.objects.all()
    viewer = caseworker_for(user)
    if viewer is None:
        return Client.objects.none()
    if viewer.is_coordinator:
        seen = Appointment.objects.filter(client=OuterRef("pk"), topic__office_id=viewer.office_id)
        invited = Invitation.objects.filter(client=OuterRef("pk"), topic__office_id=viewer.office_id)
    else:
        seen = Appointment.objects.filter(client=OuterRef("pk"), caseworker_id=viewer.pk)
        invited = Invitation.objects.filter(client=OuterRef("pk"), caseworker_id=viewer.pk)
    return Client.objects.filter(Exists(seen) | Exists(invited))


def can_book_at(user, office: Office) -> bool:
    """Whether `user`, booking on a client's behalf, may book at this office: a caseworker only at
    their own office (elsewhere the client books, with the SMS code); a superuser anywhere."""
    if getattr(user, "is_superuser", False) and user.is_active:
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
    """A client with an appointment at the office the user coordinates; 404 for unknown and forbidden."""
    office_id = access_coordinator(user).office_id
    client = Client.objects.filter(pk=client_id, appointments__topic__office_id=office_id).first()
    if client is None:
        raise Http404
    return client
