"""Asking for an interpreter (with a booking or by staff), calling it off, and following the appointment."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import ApplicationError, NotAllowed
from appointments.models import (
    Appointment,
    AuditEntry,
    Interpreter,
    InterpreterRequest,
    Language,
    Mode,
    Notification,
)
from appointments.services.audit import record_audit
from appointments.services.interpreter_matching import eligible_interpreters
from appointments.services.interpreter_notices import (
    invite_interpreter,
    offer,
    tell_language_pool,
    tell_staff,
)
from appointments.services.interpreter_offers import reopen
from appointments.services.locks import locked_before_start
from appointments.services.overlaps import INTERPRETER_OVERLAP, is_overlap

Status = InterpreterRequest.Status


def check_interpreter_language(code: str | None, *, modes: Iterable[str], field: str) -> None:
    """An interpreter language must exist; a sign language (DGS) is interpreted only on video,
    where the interpreter can be seen: every mode the client may end up in must be video."""
    if not code:
        return
    language = Language.objects.filter(code=code).first()
    if language is None:
        raise ApplicationError(_("This language is not available."), field=field)
    if language.sign_language and any(mode != Mode.VIDEO for mode in modes):
        raise ApplicationError(
            _("Sign language interpreting is only possible in a video consultation."), field=field
        )


def request_interpreter(
    *,
    appointment: Appointment,
    language: str,
    preferred: Interpreter | None = None,
    now: datetime | None = None,
) -> InterpreterRequest:
    """Create the request for an appointment and offer it: to the preferred interpreter first, if any.

    Without one named, the interpreter the client had last time in this language is preferred;
    they have it alone for the office's window, then the whole pool is offered it.
    """
    now = now or timezone.now()
    if preferred is None:
        last = (
            InterpreterRequest.objects.filter(
                appointment__client=appointment.client, language_id=language, status=Status.ACCEPTED
            )
            .exclude(appointment=appointment)
            .order_by("-accepted_at")
            .first()
        )
        preferred = last.interpreter if last else None
    interpreter_request = InterpreterRequest.objects.create(
        appointment=appointment,
        language_id=language,
        preferred_interpreter=preferred,
        blocked_from=appointment.start,
        blocked_until=appointment.end,
        offered_at=now,
        created_at=now,
    )
    eligible = eligible_interpreters(interpreter_request)
    if preferred is not None and preferred in eligible:
        offer(interpreter_request, [preferred])
    else:
        interpreter_request.pool_offered_at = now
        interpreter_request.save(update_fields=["pool_offered_at"])
        offer(interpreter_request, eligible)
    tell_staff(interpreter_request, "offered")
    return interpreter_request


def interpreters_to_prefer(appointment: Appointment) -> list[Interpreter]:
    """Active interpreters who take the appointment's mode, with their languages: whom staff may name."""
    interpreters = Interpreter.objects.filter(active=True).prefetch_related("languages").order_by("name")
    return [interpreter for interpreter in interpreters if appointment.mode in interpreter.modes]


def ask_for_interpreter(
    *,
    appointment: Appointment,
    language: str,
    preferred: Interpreter | None = None,
    actor: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> InterpreterRequest:
    """Staff ask for an interpreter for a booked appointment, naming one they prefer if they like."""
    now = now or timezone.now()
    check_interpreter_language(language, modes=[appointment.mode], field="language")
    if preferred is not None and not preferred.languages.filter(language_id=language).exists():
        raise ApplicationError(_("This interpreter does not work in this language."), field="preferred")
    with transaction.atomic():
        appointment = locked_before_start(appointment, now)
        previous = InterpreterRequest.objects.filter(appointment=appointment).first()
        if previous is not None:
            if previous.status != Status.CANCELLED:
                raise NotAllowed(_("An interpreter has already been requested for this appointment."))
            # One request per appointment: a cancelled one makes way (the audit log keeps its trace).
            previous.delete()
        appointment.interpreter_language = language
        appointment.save(update_fields=["interpreter_language", "updated_at"])
        interpreter_request = request_interpreter(
            appointment=appointment, language=language, preferred=preferred, now=now
        )
        record_audit(
            action=AuditEntry.Action.INTERPRETER,
            actor=actor,
            appointment=appointment,
            detail=f"requested:{language}",
        )
    return interpreter_request


def cancel_interpreter_request(
    *, appointment: Appointment, actor: AbstractBaseUser | None = None, now: datetime | None = None
) -> InterpreterRequest:
    """Staff call off the interpreter: an assigned one gets the cancellation, the need is dropped."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = locked_before_start(appointment, now)
        interpreter_request = (
            InterpreterRequest.objects.select_for_update(of=("self",))
            .select_related("interpreter")
            .filter(appointment=appointment)
            .first()
        )
        if interpreter_request is None or interpreter_request.status == Status.CANCELLED:
            raise NotAllowed(_("No interpreter has been requested for this appointment."))
        interpreter_request.appointment = appointment
        _close(interpreter_request, now)
        # The appointment keeps its version, so the worker would still send offers not yet out.
        Notification.objects.filter(
            appointment=appointment,
            kind__in=[Notification.Kind.INTERPRETER_OFFER, Notification.Kind.INTERPRETER_REMINDER],
            status=Notification.Status.PENDING,
        ).update(status=Notification.Status.CANCELLED, error="superseded", updated_at=now)
        tell_staff(interpreter_request, "cancelled")
        appointment.interpreter_language = ""
        appointment.save(update_fields=["interpreter_language", "updated_at"])
        record_audit(
            action=AuditEntry.Action.INTERPRETER, actor=actor, appointment=appointment, detail="cancelled"
        )
    return interpreter_request


def appointment_changed(appointment: Appointment, *, now: datetime) -> None:
    """Follow a moved or cancelled appointment: keep, re-offer or close its interpreter request."""
    interpreter_request = (
        InterpreterRequest.objects.select_for_update(of=("self",)).filter(appointment=appointment).first()
    )
    if interpreter_request is None or interpreter_request.status == Status.CANCELLED:
        return
    interpreter_request.appointment = appointment
    if appointment.status == Appointment.Status.CANCELLED:
        _close(interpreter_request, now)
        return
    interpreter_request.blocked_from = appointment.start
    interpreter_request.blocked_until = appointment.end
    if interpreter_request.status == Status.ACCEPTED:
        if interpreter_request.interpreter in eligible_interpreters(interpreter_request) and _moved_along(
            interpreter_request
        ):
            invite_interpreter(interpreter_request, "rescheduled", now)
            return
        invite_interpreter(interpreter_request, "cancelled", now)
        reopen(interpreter_request, now)
        return
    interpreter_request.save(update_fields=["blocked_from", "blocked_until", "updated_at"])
    offer(interpreter_request, eligible_interpreters(interpreter_request))


def _close(interpreter_request: InterpreterRequest, now: datetime) -> None:
    """Cancel a request: an assigned interpreter gets the cancellation, the others see it gone."""
    was_assigned = interpreter_request.status == Status.ACCEPTED
    interpreter_request.move_to(Status.CANCELLED)
    interpreter_request.save(update_fields=["status", "updated_at"])
    if was_assigned:
        invite_interpreter(interpreter_request, "cancelled", now)
    tell_language_pool(interpreter_request, "cancelled")


def _moved_along(interpreter_request: InterpreterRequest) -> bool:
    """Move an accepted job to the appointment's new time, unless the database finds a clash."""
    try:
        with transaction.atomic():
            interpreter_request.save(update_fields=["blocked_from", "blocked_until", "updated_at"])
    except DatabaseError as exc:
        if not is_overlap(exc, INTERPRETER_OVERLAP):
            raise
        return False
    return True
