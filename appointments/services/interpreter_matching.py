"""Who may take an interpreter request: speaks its language, takes its mode, works and is free then."""

from __future__ import annotations

from datetime import datetime, timedelta

from appointments.models import (
    Interpreter,
    InterpreterAbsence,
    InterpreterAvailability,
    InterpreterRequest,
)

Status = InterpreterRequest.Status
# Still waiting for an interpreter: offered, reminded and escalated until someone accepts.
ACTIVE = InterpreterRequest.leading_to(Status.ACCEPTED)


def _is_free(
    interpreter: Interpreter,
    interpreter_request: InterpreterRequest,
    hours: list[InterpreterAvailability],
    absences: list[InterpreterAbsence],
    busy: list[InterpreterRequest],
) -> bool:
    appointment = interpreter_request.appointment
    zone = appointment.topic.office.zone
    start, end = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
    mine = [h for h in hours if h.interpreter_id == interpreter.pk]
    # Without hours of their own a freelancer is asked at any time.
    if mine and not any(
        h.weekday == start.weekday() and h.start_time <= start.time() and end.time() <= h.end_time
        for h in mine
    ):
        return False
    if any(
        a.interpreter_id == interpreter.pk and a.start < appointment.end and a.end > appointment.start
        for a in absences
    ):
        return False
    return not any(
        b.interpreter_id == interpreter.pk
        and b.pk != interpreter_request.pk
        and b.blocked_from < appointment.end
        and b.blocked_until > appointment.start
        for b in busy
    )


def eligible_interpreters(interpreter_request: InterpreterRequest) -> list[Interpreter]:
    """Interpreters who speak the language, take the mode, work then, are free then and did not decline."""
    appointment = interpreter_request.appointment
    candidates = [
        interpreter
        for interpreter in Interpreter.objects.filter(
            active=True, languages__language=interpreter_request.language_id
        )
        .exclude(declines__request=interpreter_request)
        .distinct()
        if appointment.mode in interpreter.modes
    ]
    ids = [interpreter.pk for interpreter in candidates]
    hours = list(InterpreterAvailability.objects.filter(interpreter_id__in=ids))
    absences = list(
        InterpreterAbsence.objects.filter(
            interpreter_id__in=ids, start__lt=appointment.end, end__gt=appointment.start
        )
    )
    busy = list(
        InterpreterRequest.objects.filter(
            interpreter_id__in=ids,
            status=Status.ACCEPTED,
            blocked_from__lt=appointment.end,
            blocked_until__gt=appointment.start,
        )
    )
    return [i for i in candidates if _is_free(i, interpreter_request, hours, absences, busy)]


def preferred_window_open(interpreter_request: InterpreterRequest, now: datetime) -> bool:
    """Whether the preferred interpreter still has the request alone (the office's window after the offer)."""
    office = interpreter_request.appointment.topic.office
    return (
        interpreter_request.preferred_interpreter_id is not None
        and interpreter_request.offered_at is not None
        and now < interpreter_request.offered_at + timedelta(minutes=office.interpreter_preferred_minutes)
    )


def offered_to(interpreter_request: InterpreterRequest, interpreter: Interpreter, now: datetime) -> bool:
    """Whether an open request is this interpreter's to take now: still ahead, their tier's turn, eligible."""
    if interpreter_request.appointment.start <= now:
        return False
    if (
        preferred_window_open(interpreter_request, now)
        and interpreter_request.preferred_interpreter_id != interpreter.pk
    ):
        return False
    return interpreter in eligible_interpreters(interpreter_request)
