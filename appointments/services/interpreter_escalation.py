"""The escalation ladder for unanswered interpreter requests: pool, reminder, coordinator alert, fallback."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import InterpreterRequest, Notification, Office
from appointments.services.interpreter_matching import ACTIVE, eligible_interpreters, preferred_window_open
from appointments.services.interpreter_notices import offer, tell_language_pool, tell_staff, text_interpreters
from appointments.services.outbox.compose import alert_coordinator

Status = InterpreterRequest.Status


def escalate_interpreter_requests(*, now: datetime | None = None) -> int:
    """One pass of the escalation ladder over open requests; idempotent, safe to run in every worker."""
    now = now or timezone.now()
    steps = 0
    with transaction.atomic():
        waiting = (
            InterpreterRequest.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(status__in=ACTIVE, appointment__start__gt=now)
            .select_related("appointment__topic__office", "appointment__caseworker__user")
        )
        for interpreter_request in waiting:
            steps += _escalate(interpreter_request, now)
    return steps


def _escalate(interpreter_request: InterpreterRequest, now: datetime) -> int:
    """The one next step this request is due for, if any: 1 if one was taken, else 0."""
    office: Office = interpreter_request.appointment.topic.office
    start = interpreter_request.appointment.start
    if (
        start - timedelta(hours=office.interpreter_fallback_hours) <= now
        and interpreter_request.fallback_at is None
    ):
        _climb(interpreter_request, Status.FALLBACK, now)
        tell_language_pool(interpreter_request, "cancelled")
        return 1
    if (
        start - timedelta(hours=office.interpreter_alert_hours) <= now
        and interpreter_request.escalated_at is None
    ):
        _climb(interpreter_request, Status.ESCALATED, now)
        return 1
    if interpreter_request.pool_offered_at is None and not preferred_window_open(interpreter_request, now):
        interpreter_request.pool_offered_at = now
        interpreter_request.save(update_fields=["pool_offered_at", "updated_at"])
        offer(interpreter_request, eligible_interpreters(interpreter_request))
        return 1
    pool_since = interpreter_request.pool_offered_at
    if (
        pool_since is not None
        and interpreter_request.reminded_at is None
        and now >= pool_since + timedelta(minutes=office.interpreter_reminder_minutes)
    ):
        interpreter_request.reminded_at = now
        interpreter_request.save(update_fields=["reminded_at", "updated_at"])
        text_interpreters(
            interpreter_request,
            eligible_interpreters(interpreter_request),
            Notification.Kind.INTERPRETER_REMINDER,
            "offer_reminder",
        )
        return 1
    return 0


# When a request reached each rung that needs the coordinator.
_STAMPS = {Status.ESCALATED: "escalated_at", Status.FALLBACK: "fallback_at"}


def _climb(interpreter_request: InterpreterRequest, status: str, now: datetime) -> None:
    """Escalate or fall back: the status and its time, the coordinator's alert, the staff's live news."""
    stamp = _STAMPS[status]
    interpreter_request.move_to(status)
    setattr(interpreter_request, stamp, now)
    interpreter_request.save(update_fields=["status", stamp, "updated_at"])
    _alert_coordinator(interpreter_request, fallback=status == Status.FALLBACK)
    tell_staff(interpreter_request, str(status))


def _alert_coordinator(interpreter_request: InterpreterRequest, *, fallback: bool) -> None:
    """The office's coordinators (and the caseworker) learn that nobody accepted, or that it is too late."""
    appointment = interpreter_request.appointment
    office = appointment.topic.office
    local = appointment.start.astimezone(office.zone)
    if fallback:
        subject = _("Telephone interpreting for %(reference)s") % {"reference": appointment.reference}
        body = _(
            "No interpreter accepted the request for %(language)s on %(when)s. "
            "Please book %(service)s for this appointment."
        ) % {
            "language": interpreter_request.language_id,
            "when": f"{local:%d.%m.%Y %H:%M}",
            "service": office.interpreting_fallback,
        }
    else:
        subject = _("No interpreter yet for %(reference)s") % {"reference": appointment.reference}
        body = _("The request for %(language)s on %(when)s is still open.") % {
            "language": interpreter_request.language_id,
            "when": f"{local:%d.%m.%Y %H:%M}",
        }
    alert_coordinator(office=office, subject=subject, body=body, also=(appointment.caseworker.user.email,))
