"""Who may take an interpreter request: speaks its language, takes its mode, works and is free then;
and who is busy at a time (absent, in a job, or interpreting a group session), for requests and sessions."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from appointments.models import (
    Appointment,
    GroupSession,
    GroupSessionInterpreter,
    Interpreter,
    InterpreterAbsence,
    InterpreterAvailability,
    InterpreterRequest,
)

Status = InterpreterRequest.Status
# Still waiting for an interpreter: offered, reminded and escalated until someone accepts.
ACTIVE = InterpreterRequest.leading_to(Status.ACCEPTED)


def _works_then(
    interpreter: Interpreter, appointment: Appointment, hours: list[InterpreterAvailability]
) -> bool:
    zone = appointment.topic.office.zone
    start, end = appointment.start.astimezone(zone), appointment.end.astimezone(zone)
    mine = [h for h in hours if h.interpreter_id == interpreter.pk]
    # Without hours of their own a freelancer is asked at any time.
    return not mine or any(
        h.weekday == start.weekday() and h.start_time <= start.time() and end.time() <= h.end_time
        for h in mine
    )


def busy_interpreters(
    interpreter_ids: Iterable[int], start: datetime, end: datetime, *, except_request: int | None = None
) -> set[int]:
    """Those of these interpreters who are not free from `start` to `end`: absent, in an accepted
    job (other than `except_request`), or assigned to a scheduled group session at that time."""
    ids = list(interpreter_ids)
    absent = InterpreterAbsence.objects.filter(interpreter_id__in=ids, start__lt=end, end__gt=start)
    jobs = InterpreterRequest.objects.filter(
        interpreter_id__in=ids, status=Status.ACCEPTED, blocked_from__lt=end, blocked_until__gt=start
    ).exclude(pk=except_request)
    sessions = GroupSessionInterpreter.objects.filter(
        interpreter_id__in=ids,
        session__status=GroupSession.Status.SCHEDULED,
        session__blocked_from__lt=end,
        session__blocked_until__gt=start,
    )
    return {pk for busy in (absent, jobs, sessions) for pk in busy.values_list("interpreter_id", flat=True)}


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
    busy = busy_interpreters(ids, appointment.start, appointment.end, except_request=interpreter_request.pk)
    return [i for i in candidates if i.pk not in busy and _works_then(i, appointment, hours)]


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
