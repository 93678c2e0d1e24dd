"""An interpreter's side of a request: what they are offered, first accept wins, declining, giving back."""

from __future__ import annotations

from datetime import datetime

from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.exceptions import ApplicationError, NotAllowed, NotFound
from appointments.models import Interpreter, InterpreterDecline, InterpreterRequest
from appointments.services.interpreter_matching import (
    ACTIVE,
    busy_interpreters,
    eligible_interpreters,
    offered_to,
)
from appointments.services.interpreter_notices import (
    invite_interpreter,
    offer,
    tell_language_pool,
    tell_staff,
)
from appointments.services.overlaps import INTERPRETER_OVERLAP, is_overlap

Status = InterpreterRequest.Status


class AlreadyTaken(ApplicationError):
    status_code = 409
    default_message = _("Another interpreter has just accepted this request.")


def offers_for(interpreter: Interpreter, *, now: datetime | None = None) -> list[InterpreterRequest]:
    """Requests this interpreter may accept now, earliest first."""
    now = now or timezone.now()
    languages = interpreter.languages.values_list("language_id", flat=True)
    waiting = (
        InterpreterRequest.objects.filter(
            status__in=ACTIVE, language_id__in=languages, appointment__start__gt=now
        )
        .exclude(declines__interpreter=interpreter)
        .select_related("appointment__topic__office", "appointment__client")
        .order_by("appointment__start")
    )
    return [each for each in waiting if offered_to(each, interpreter, now)]


def assignments_for(interpreter: Interpreter, *, now: datetime | None = None) -> QuerySet[InterpreterRequest]:
    """This interpreter's accepted jobs that have not ended yet, earliest first."""
    now = now or timezone.now()
    return (
        InterpreterRequest.objects.filter(
            interpreter=interpreter, status=Status.ACCEPTED, appointment__end__gt=now
        )
        .select_related("appointment__topic__office", "appointment__client")
        .order_by("appointment__start")
    )


def _with_appointment(request_id: int) -> InterpreterRequest | None:
    return (
        InterpreterRequest.objects.select_related("appointment__topic__office", "appointment__client")
        .filter(pk=request_id)
        .first()
    )


def access_interpreter_request(*, request_id: int, interpreter: Interpreter) -> InterpreterRequest:
    """A request this interpreter is offered or assigned; NotFound for any other, so ids reveal nothing."""
    interpreter_request = _with_appointment(request_id)
    if interpreter_request is None:
        raise NotFound
    if interpreter_request.interpreter_id == interpreter.pk or (
        interpreter_request.status in ACTIVE and offered_to(interpreter_request, interpreter, timezone.now())
    ):
        return interpreter_request
    raise NotFound


def accept_interpreter_request(
    *, request_id: int, interpreter: Interpreter, now: datetime | None = None
) -> InterpreterRequest:
    """Take the request if nobody has: one conditional UPDATE decides among any number of racers.

    Whoever speaks the language and comes second is told it was taken (409); anyone else
    learns nothing about the request (404). On PostgreSQL an exclusion constraint keeps an
    interpreter from two overlapping jobs.
    """
    now = now or timezone.now()
    interpreter_request = _with_appointment(request_id)
    if (
        interpreter_request is None
        or not interpreter.languages.filter(language_id=interpreter_request.language_id).exists()
    ):
        raise NotFound
    if interpreter_request.interpreter_id == interpreter.pk:
        return interpreter_request
    if (
        interpreter_request.status in ACTIVE
        and interpreter_request.interpreter_id is None
        and not offered_to(interpreter_request, interpreter, now)
    ):
        # Not offered to them, unless it was taken meanwhile: then they were simply too late.
        interpreter_request.refresh_from_db(fields=["status", "interpreter"])
        if interpreter_request.status in ACTIVE and interpreter_request.interpreter_id is None:
            raise NotFound
    if interpreter_request.status not in ACTIVE or interpreter_request.interpreter_id is not None:
        raise AlreadyTaken
    appointment = interpreter_request.appointment
    with transaction.atomic():
        # Their row locked, as when staff assign them to a group session: the two never give them one hour.
        Interpreter.objects.select_for_update().filter(pk=interpreter.pk).first()
        if busy_interpreters(
            [interpreter.pk], appointment.start, appointment.end, except_request=interpreter_request.pk
        ):
            raise NotAllowed(_("You already have an assignment at this time."))
        try:
            with transaction.atomic():
                # The transition to ACCEPTED as one UPDATE, so that of many racers exactly one wins.
                taken = InterpreterRequest.objects.filter(
                    pk=interpreter_request.pk,
                    status__in=InterpreterRequest.leading_to(Status.ACCEPTED),
                    interpreter__isnull=True,
                ).update(status=Status.ACCEPTED, interpreter=interpreter, accepted_at=now, updated_at=now)
        except DatabaseError as exc:
            if not is_overlap(exc, INTERPRETER_OVERLAP):
                raise
            raise NotAllowed(_("You already have an assignment at this time.")) from exc
        if not taken:
            raise AlreadyTaken
        interpreter_request.refresh_from_db()
        tell_language_pool(interpreter_request, "taken")
        tell_staff(interpreter_request, "taken")
        invite_interpreter(interpreter_request, "booked", now)
    return interpreter_request


def decline_interpreter_request(
    *, request_id: int, interpreter: Interpreter, reason: str = "", now: datetime | None = None
) -> None:
    """The interpreter says no to an offer (with a reason, if they like); it is not offered to them again."""
    interpreter_request = access_interpreter_request(request_id=request_id, interpreter=interpreter)
    if interpreter_request.interpreter_id == interpreter.pk:
        raise NotAllowed(_("You have accepted this request; withdraw from it instead."))
    InterpreterDecline.objects.create(
        request=interpreter_request, interpreter=interpreter, reason=reason, created_at=now or timezone.now()
    )


def reopen(interpreter_request: InterpreterRequest, now: datetime) -> None:
    """An accepted request is open again: offered at once to every eligible interpreter."""
    interpreter_request.move_to(Status.OPEN)
    interpreter_request.interpreter = None
    interpreter_request.accepted_at = None
    interpreter_request.pool_offered_at = now
    interpreter_request.save(
        update_fields=[
            "status",
            "interpreter",
            "accepted_at",
            "pool_offered_at",
            "blocked_from",
            "blocked_until",
            "updated_at",
        ]
    )
    offer(interpreter_request, eligible_interpreters(interpreter_request))
    tell_language_pool(interpreter_request, "reopened")
    tell_staff(interpreter_request, "reopened")


def withdraw_from_assignment(
    *, request_id: int, interpreter: Interpreter, reason: str = "", now: datetime | None = None
) -> InterpreterRequest:
    """An interpreter gives a job back: it is offered again at once, to everyone but them."""
    now = now or timezone.now()
    with transaction.atomic():
        interpreter_request = (
            InterpreterRequest.objects.select_for_update(of=("self",))
            .select_related("appointment__topic__office")
            .filter(pk=request_id, interpreter=interpreter, status=Status.ACCEPTED)
            .first()
        )
        if interpreter_request is None:
            raise NotFound
        if interpreter_request.appointment.start <= now:
            raise NotAllowed(_("This appointment has already begun."))
        InterpreterDecline.objects.create(
            request=interpreter_request,
            interpreter=interpreter,
            reason=reason,
            withdrawn=True,
            created_at=now,
        )
        invite_interpreter(interpreter_request, "cancelled", now)
        reopen(interpreter_request, now)
    return interpreter_request
