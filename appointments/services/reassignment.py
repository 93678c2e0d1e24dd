"""An absent caseworker's clients go to a colleague: appointments keep their time, invitations follow.

Coordinators see who an absence hits (`affected_by_absence`) and move them in one step
(`reassign_clients`). An appointment moves only if the colleague could take it at its time (the
same check as booking, `check_start`, minus the office's notice: the client chose the time long
ago); otherwise it stays and is reported. On PostgreSQL the exclusion constraint has the last word,
so a booking that takes the colleague's time meanwhile leaves the appointment where it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.events import appointment_event, caseworker_group, publish, publish_appointment
from appointments.exceptions import ApplicationError, SlotTaken
from appointments.models import Absence, Appointment, AuditEntry, Caseworker, Invitation
from appointments.services.audit import record_audit
from appointments.services.availability import check_start
from appointments.services.booking import consultation_language, save_with_first_free
from appointments.services.hours import absences_with_appointments
from appointments.services.locks import locked
from appointments.services.outbox.compose import schedule_appointment_messages

Status = Appointment.Status


@dataclass(frozen=True)
class AbsenceImpact:
    """Who an absence hits: booked appointments in it, and open invitations to a time or window in it."""

    absence: Absence
    appointments: list[Appointment]
    invitations: list[Invitation]


@dataclass
class Reassignment:
    """What moved to the colleague, and what stayed (the colleague is not free then, or it changed)."""

    moved: list[Appointment] = field(default_factory=list)
    kept: list[Appointment] = field(default_factory=list)
    invitations_moved: list[Invitation] = field(default_factory=list)
    invitations_kept: list[Invitation] = field(default_factory=list)


def _hits(invitation: Invitation, absence: Absence, now: datetime) -> bool:
    """Whether the invitation's fixed time lies in the rest of the absence, or its window overlaps it."""
    since = max(absence.start, now)
    if invitation.start is not None:
        return since <= invitation.start < absence.end
    return invitation.window_from < absence.end and invitation.window_until > since


def affected_by_absences(caseworker: Caseworker, now: datetime | None = None) -> list[AbsenceImpact]:
    """Each of the caseworker's absences not over yet, with the clients it hits; two queries in all."""
    now = now or timezone.now()
    rows = absences_with_appointments(caseworker, now)
    if not rows:
        return []
    first = max(now, min(absence.start for absence, _booked in rows))
    last = max(absence.end for absence, _booked in rows)
    invitations = list(
        Invitation.objects.filter(caseworker=caseworker, status=Invitation.Status.OPEN, deadline__gt=now)
        .filter(Q(start__gte=first, start__lt=last) | Q(window_from__lt=last, window_until__gt=first))
        .select_related("topic__office", "client", "appointment")
        .order_by(Coalesce("start", "window_from"), "pk")  # in time order on any database
    )
    return [
        AbsenceImpact(absence, booked, [i for i in invitations if _hits(i, absence, now)])
        for absence, booked in rows
    ]


def colleagues_for(caseworker: Caseworker) -> list[Caseworker]:
    """Who can take over: the other active caseworkers of the office."""
    return list(
        Caseworker.objects.filter(office_id=caseworker.office_id, active=True)
        .exclude(pk=caseworker.pk)
        .order_by("display_name", "pk")
    )


def _takes(to: Caseworker, *, appointment: Appointment, now: datetime) -> bool:
    """Whether the colleague offers this appointment's topic, mode and language at its time, and is free."""
    spoken = consultation_language(
        language=appointment.language, interpreter_language=appointment.interpreter_language
    )
    check = check_start(
        topic=appointment.topic,
        mode=appointment.mode,
        start=appointment.start,
        language=spoken,
        exclude_appointment_id=appointment.pk,
        caseworker_ids=[to.pk],
        now=now,
        office_policy=False,
    )
    return bool(check.free)


def _hand_over(appointment: Appointment, to: Caseworker) -> bool:
    """Give the locked appointment to the colleague, unless the database finds their time taken."""
    appointment.version += 1
    try:
        save_with_first_free(appointment, [to.pk], ["version"])
    except SlotTaken:
        return False
    appointment.caseworker = to
    return True


def _move_appointment(
    appointment: Appointment, *, from_caseworker: Caseworker, to: Caseworker, by, now: datetime
) -> bool:
    current = locked(appointment)
    if current.caseworker_id != from_caseworker.pk or not current.is_changeable(now):
        return False
    if not _takes(to, appointment=current, now=now) or not _hand_over(current, to):
        return False
    schedule_appointment_messages(
        appointment=current,
        event="rescheduled",
        previous_caseworker_email=from_caseworker.user.email,
        now=now,
    )
    record_audit(action=AuditEntry.Action.REASSIGNED, actor=by, appointment=current, detail="caseworker")
    publish_appointment(current, "rescheduled")
    publish([caseworker_group(from_caseworker.pk)], dict(appointment_event(current, "rescheduled")))
    return True


def _held_time_follows(held: Appointment | None, to: Caseworker, now: datetime) -> bool:
    """A fixed time held for the invitation goes with it if the colleague is free then."""
    if held is None or held.status != Status.HELD:
        return True
    return _takes(to, appointment=held, now=now) and _hand_over(held, to)


def _move_invitation(
    invitation: Invitation, *, from_caseworker: Caseworker, to: Caseworker, by, now: datetime
) -> bool:
    current = Invitation.objects.select_for_update().select_related("topic__office").get(pk=invitation.pk)
    if current.caseworker_id != from_caseworker.pk or current.status != Invitation.Status.OPEN:
        return False
    if not to.topics.filter(pk=current.topic_id).exists():
        return False
    held = locked(current.appointment) if current.appointment_id is not None else None
    if not _held_time_follows(held, to, now):
        return False
    current.caseworker = to
    current.save(update_fields=["caseworker", "updated_at"])
    record_audit(
        action=AuditEntry.Action.REASSIGNED,
        actor=by,
        client=current.client,
        office=current.topic.office,
        detail="invitation",
    )
    return True


def reassign_clients(
    *,
    from_caseworker: Caseworker,
    to_caseworker: Caseworker,
    appointments: list[Appointment],
    invitations: list[Invitation],
    by: AbstractBaseUser | None,
    now: datetime | None = None,
) -> Reassignment:
    """Move the given appointments and open invitations of `from_caseworker` to a colleague.

    Appointments keep their time and go only if the colleague could take them then; their clients
    get the usual "moved" messages (the new caseworker the invite, the old one its cancellation).
    Open invitations go to the colleague, a held fixed time with them if they are free then.
    Whatever cannot move stays with `from_caseworker` and is returned in `kept`/`invitations_kept`.
    """
    now = now or timezone.now()
    if (
        to_caseworker.pk == from_caseworker.pk
        or not to_caseworker.active
        or to_caseworker.office_id != from_caseworker.office_id
    ):
        raise ApplicationError(
            _("Please choose an active colleague of the same office."), field="to_caseworker"
        )
    result = Reassignment()
    with transaction.atomic():
        for appointment in sorted(appointments, key=lambda a: a.pk):
            moved = _move_appointment(
                appointment, from_caseworker=from_caseworker, to=to_caseworker, by=by, now=now
            )
            (result.moved if moved else result.kept).append(appointment)
        for invitation in sorted(invitations, key=lambda i: i.pk):
            moved = _move_invitation(
                invitation, from_caseworker=from_caseworker, to=to_caseworker, by=by, now=now
            )
            (result.invitations_moved if moved else result.invitations_kept).append(invitation)
    return result
