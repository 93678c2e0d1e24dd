"""Interpreter requests: who is offered one, first accept wins, and the escalation ladder.

A request is offered to interpreters who speak its language, take its mode, work at
that time and are not booked then. A preferred interpreter (the client's last one, or
one a caseworker names) has it alone for the office's window; then the whole pool.
Unanswered offers are reminded, the coordinator is alerted, and at last the office's
telephone interpreting service is recorded. Accepting is one conditional UPDATE; on
PostgreSQL an exclusion constraint keeps an interpreter from two overlapping jobs.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from statistics import median

from django.db import DatabaseError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.events import (
    caseworker_group,
    interpreter_group,
    interpreter_language_group,
    interpreter_request_event,
    office_group,
    publish,
)
from appointments.exceptions import ApplicationError, NotAllowed
from appointments.models import (
    Appointment,
    AuditEntry,
    Interpreter,
    InterpreterAbsence,
    InterpreterAvailability,
    InterpreterDecline,
    InterpreterRequest,
    Language,
    Notification,
    Office,
)
from appointments.services.audit import record_audit
from appointments.services.calendar import interpreter_url
from appointments.services.locks import locked_before_start
from appointments.services.outbox.compose import alert_coordinator, schedule_participant_messages
from appointments.services.texts import render, when

Status = InterpreterRequest.Status
ACTIVE = (Status.OPEN, Status.ESCALATED)


class AlreadyTaken(ApplicationError):
    status_code = 409
    default_message = _("Another interpreter has just accepted this request.")


def _is_free(interpreter: Interpreter, request: InterpreterRequest, hours, absences, busy) -> bool:
    appointment = request.appointment
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
        and b.pk != request.pk
        and b.blocked_from < appointment.end
        and b.blocked_until > appointment.start
        for b in busy
    )


def eligible_interpreters(request: InterpreterRequest) -> list[Interpreter]:
    """Interpreters who speak the language, take the mode, work then, are free then and did not decline."""
    appointment = request.appointment
    candidates = [
        interpreter
        for interpreter in Interpreter.objects.filter(active=True, languages__language=request.language_id)
        .exclude(declines__request=request)
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
    return [i for i in candidates if _is_free(i, request, hours, absences, busy)]


def _preferred_window_open(request: InterpreterRequest, now: datetime) -> bool:
    office = request.appointment.topic.office
    return (
        request.preferred_interpreter_id is not None
        and request.offered_at is not None
        and now < request.offered_at + timedelta(minutes=office.interpreter_preferred_minutes)
    )


def _offer_values(request: InterpreterRequest) -> dict[str, object]:
    appointment = request.appointment
    local = appointment.start.astimezone(appointment.topic.office.zone)
    return {
        "language": Language.objects.get(pk=request.language_id).name,
        "minutes": appointment.topic.minutes,
        "mode": render("de", "modes", appointment.mode),
        "url": interpreter_url(),
        **when("de", local),
    }


def _text_interpreters(
    request: InterpreterRequest, interpreters: list[Interpreter], kind: str, text: str
) -> None:
    appointment = request.appointment
    body = render("de", "interpreter", text, **_offer_values(request))
    Notification.objects.bulk_create(
        [
            Notification(
                appointment=appointment,
                appointment_version=appointment.version,
                kind=kind,
                channel=Notification.Channel.SMS,
                audience=Notification.Audience.INTERPRETER,
                recipient=interpreter.phone,
                body=body,
                due_at=timezone.now(),
            )
            for interpreter in interpreters
            if interpreter.sms_consent and interpreter.phone
        ],
        ignore_conflicts=True,
    )


def _offer(request: InterpreterRequest, interpreters: list[Interpreter], now: datetime) -> None:
    """Tell these interpreters, live and by SMS, that the request waits for them."""
    _text_interpreters(request, interpreters, Notification.Kind.INTERPRETER_OFFER, "offer")
    event = dict(interpreter_request_event(request, "offered"))
    publish([interpreter_group(i.pk) for i in interpreters], event)


def request_interpreter(
    *,
    appointment: Appointment,
    language: str,
    preferred: Interpreter | None = None,
    now: datetime | None = None,
) -> InterpreterRequest:
    """Create the request for an appointment and offer it: to the preferred interpreter first, if any.

    Without one named, the interpreter the client had last time in this language is preferred.
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
    request = InterpreterRequest.objects.create(
        appointment=appointment,
        language_id=language,
        preferred_interpreter=preferred,
        blocked_from=appointment.start,
        blocked_until=appointment.end,
        offered_at=now,
        created_at=now,
    )
    eligible = eligible_interpreters(request)
    if preferred is not None and preferred in eligible:
        _offer(request, [preferred], now)
    else:
        request.pool_offered_at = now
        request.save(update_fields=["pool_offered_at"])
        _offer(request, eligible, now)
    _tell_staff(request, "offered")
    return request


def _tell_staff(request: InterpreterRequest, op: str) -> None:
    appointment = request.appointment
    event = dict(interpreter_request_event(request, op))
    publish([caseworker_group(appointment.caseworker_id), office_group(appointment.topic.office_id)], event)


def offers_for(interpreter: Interpreter, *, now: datetime | None = None) -> list[InterpreterRequest]:
    """Requests this interpreter may accept now, earliest first."""
    now = now or timezone.now()
    languages = interpreter.languages.values_list("language_id", flat=True)
    requests = (
        InterpreterRequest.objects.filter(
            status__in=ACTIVE, language_id__in=languages, appointment__start__gt=now
        )
        .exclude(declines__interpreter=interpreter)
        .select_related("appointment__topic__office", "appointment__client")
        .order_by("appointment__start")
    )
    return [request for request in requests if _offered_to(request, interpreter, now)]


def _offered_to(request: InterpreterRequest, interpreter: Interpreter, now: datetime) -> bool:
    """Whether an open request is this interpreter's to take now: still ahead, their tier's turn, eligible."""
    if request.appointment.start <= now:
        return False
    if _preferred_window_open(request, now) and request.preferred_interpreter_id != interpreter.pk:
        return False
    return interpreter in eligible_interpreters(request)


def assignments_for(interpreter: Interpreter, *, now: datetime | None = None):
    now = now or timezone.now()
    return (
        InterpreterRequest.objects.filter(
            interpreter=interpreter, status=Status.ACCEPTED, appointment__end__gt=now
        )
        .select_related("appointment__topic__office", "appointment__client")
        .order_by("appointment__start")
    )


def access_interpreter_request(*, request_id: int, interpreter: Interpreter) -> InterpreterRequest:
    """A request this interpreter is offered or assigned; 404 for any other, so ids reveal nothing."""
    request = (
        InterpreterRequest.objects.select_related("appointment__topic__office", "appointment__client")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise Http404
    if request.interpreter_id == interpreter.pk or (
        request.status in ACTIVE and _offered_to(request, interpreter, timezone.now())
    ):
        return request
    raise Http404


def accept_interpreter_request(
    *, request_id: int, interpreter: Interpreter, now: datetime | None = None
) -> InterpreterRequest:
    """Take the request if nobody has: one conditional UPDATE decides among any number of racers.

    Whoever speaks the language and comes second is told it was taken (409); anyone else
    learns nothing about the request (404).
    """
    now = now or timezone.now()
    request = (
        InterpreterRequest.objects.select_related("appointment__topic__office", "appointment__client")
        .filter(pk=request_id)
        .first()
    )
    if request is None or not interpreter.languages.filter(language_id=request.language_id).exists():
        raise Http404
    if request.interpreter_id == interpreter.pk:
        return request
    if (
        request.status in ACTIVE
        and request.interpreter_id is None
        and not _offered_to(request, interpreter, now)
    ):
        # Not offered to them, unless it was taken meanwhile: then they were simply too late.
        request.refresh_from_db(fields=["status", "interpreter"])
        if request.status in ACTIVE and request.interpreter_id is None:
            raise Http404
    if request.status not in ACTIVE or request.interpreter_id is not None:
        raise AlreadyTaken
    with transaction.atomic():
        try:
            with transaction.atomic():
                taken = InterpreterRequest.objects.filter(
                    pk=request.pk, status__in=ACTIVE, interpreter__isnull=True
                ).update(status=Status.ACCEPTED, interpreter=interpreter, accepted_at=now, updated_at=now)
        except DatabaseError as exc:
            if getattr(exc.__cause__, "sqlstate", None) not in {"23P01", "40P01"}:
                raise
            raise NotAllowed(_("You already have an assignment at this time.")) from exc
        if not taken:
            raise AlreadyTaken
        request.refresh_from_db()
        languages_group = interpreter_language_group(request.language_id)
        publish([languages_group], dict(interpreter_request_event(request, "taken")))
        _tell_staff(request, "taken")
        _invite_interpreter(request, "booked", now)
    return request


def _invite_interpreter(request: InterpreterRequest, event: str, now: datetime) -> None:
    """The interpreter's invite by e-mail and reminders by SMS, as for the other participants."""
    schedule_participant_messages(
        appointment=request.appointment,
        event=event,
        audience=Notification.Audience.INTERPRETER,
        email=request.interpreter.email,
        phone=request.interpreter.phone if request.interpreter.sms_consent else "",
        now=now,
    )


def decline_interpreter_request(
    *, request_id: int, interpreter: Interpreter, reason: str = "", now: datetime | None = None
) -> None:
    request = access_interpreter_request(request_id=request_id, interpreter=interpreter)
    if request.interpreter_id == interpreter.pk:
        raise NotAllowed(_("You have accepted this request; withdraw from it instead."))
    InterpreterDecline.objects.create(
        request=request, interpreter=interpreter, reason=reason, created_at=now or timezone.now()
    )


def _reopen(request: InterpreterRequest, now: datetime) -> None:
    request.status = Status.OPEN
    request.interpreter = None
    request.accepted_at = None
    request.pool_offered_at = now
    request.save(
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
    _offer(request, eligible_interpreters(request), now)
    publish(
        [interpreter_language_group(request.language_id)],
        dict(interpreter_request_event(request, "reopened")),
    )
    _tell_staff(request, "reopened")


def withdraw_from_assignment(
    *, request_id: int, interpreter: Interpreter, reason: str = "", now: datetime | None = None
) -> InterpreterRequest:
    """An interpreter gives a job back: it is offered again at once, to everyone but them."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (
            InterpreterRequest.objects.select_for_update(of=("self",))
            .select_related("appointment__topic__office")
            .filter(pk=request_id, interpreter=interpreter, status=Status.ACCEPTED)
            .first()
        )
        if request is None:
            raise Http404
        if request.appointment.start <= now:
            raise NotAllowed(_("This appointment has already begun."))
        InterpreterDecline.objects.create(
            request=request, interpreter=interpreter, reason=reason, withdrawn=True, created_at=now
        )
        _invite_interpreter(request, "cancelled", now)
        _reopen(request, now)
    return request


def interpreters_to_prefer(appointment: Appointment) -> list[Interpreter]:
    """Active interpreters who take the appointment's mode, with their languages: whom staff may name."""
    interpreters = Interpreter.objects.filter(active=True).prefetch_related("languages").order_by("name")
    return [interpreter for interpreter in interpreters if appointment.mode in interpreter.modes]


def ask_for_interpreter(
    *,
    appointment: Appointment,
    language: str,
    preferred: Interpreter | None = None,
    actor=None,
    now: datetime | None = None,
) -> InterpreterRequest:
    """Staff ask for an interpreter for a booked appointment, naming one they prefer if they like."""
    now = now or timezone.now()
    if not Language.objects.filter(pk=language).exists():
        raise ApplicationError(_("This language is not available."), field="language")
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
        request = request_interpreter(
            appointment=appointment, language=language, preferred=preferred, now=now
        )
        record_audit(
            action=AuditEntry.Action.INTERPRETER,
            actor=actor,
            appointment=appointment,
            detail=f"requested:{language}",
        )
    return request


def cancel_interpreter_request(
    *, appointment: Appointment, actor=None, now: datetime | None = None
) -> InterpreterRequest:
    """Staff call off the interpreter: an assigned one gets the cancellation, the need is dropped."""
    now = now or timezone.now()
    with transaction.atomic():
        appointment = locked_before_start(appointment, now)
        request = (
            InterpreterRequest.objects.select_for_update(of=("self",))
            .select_related("interpreter")
            .filter(appointment=appointment)
            .first()
        )
        if request is None or request.status == Status.CANCELLED:
            raise NotAllowed(_("No interpreter has been requested for this appointment."))
        request.appointment = appointment
        _close(request, now)
        # The appointment keeps its version, so the worker would still send offers not yet out.
        Notification.objects.filter(
            appointment=appointment,
            kind__in=[Notification.Kind.INTERPRETER_OFFER, Notification.Kind.INTERPRETER_REMINDER],
            status=Notification.Status.PENDING,
        ).update(status=Notification.Status.CANCELLED, error="superseded", updated_at=now)
        _tell_staff(request, "cancelled")
        appointment.interpreter_language = ""
        appointment.save(update_fields=["interpreter_language", "updated_at"])
        record_audit(
            action=AuditEntry.Action.INTERPRETER, actor=actor, appointment=appointment, detail="cancelled"
        )
    return request


def appointment_changed(appointment: Appointment, *, now: datetime) -> None:
    """Follow a moved or cancelled appointment: keep, re-offer or close its interpreter request."""
    request = (
        InterpreterRequest.objects.select_for_update(of=("self",)).filter(appointment=appointment).first()
    )
    if request is None or request.status == Status.CANCELLED:
        return
    request.appointment = appointment
    if appointment.status == Appointment.Status.CANCELLED:
        _close(request, now)
        return
    request.blocked_from, request.blocked_until = appointment.start, appointment.end
    if request.status == Status.ACCEPTED:
        if request.interpreter in eligible_interpreters(request) and _moved_along(request):
            _invite_interpreter(request, "rescheduled", now)
            return
        _invite_interpreter(request, "cancelled", now)
        _reopen(request, now)
        return
    request.save(update_fields=["blocked_from", "blocked_until", "updated_at"])
    _offer(request, eligible_interpreters(request), now)


def _close(request: InterpreterRequest, now: datetime) -> None:
    """Cancel a request: an assigned interpreter gets the cancellation, the others see it gone."""
    was_assigned = request.status == Status.ACCEPTED
    request.status = Status.CANCELLED
    request.save(update_fields=["status", "updated_at"])
    if was_assigned:
        _invite_interpreter(request, "cancelled", now)
    publish(
        [interpreter_language_group(request.language_id)],
        dict(interpreter_request_event(request, "cancelled")),
    )


def _moved_along(request: InterpreterRequest) -> bool:
    """Move an accepted job to the appointment's new time, unless the database finds a clash."""
    try:
        with transaction.atomic():
            request.save(update_fields=["blocked_from", "blocked_until", "updated_at"])
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) not in {"23P01", "40P01"}:
            raise
        return False
    return True


def escalate_interpreter_requests(*, now: datetime | None = None) -> int:
    """One pass of the escalation ladder over open requests; idempotent, safe to run in every worker."""
    now = now or timezone.now()
    steps = 0
    with transaction.atomic():
        requests = (
            InterpreterRequest.objects.select_for_update(of=("self",), skip_locked=True)
            .filter(status__in=ACTIVE, appointment__start__gt=now)
            .select_related("appointment__topic__office", "appointment__caseworker__user")
        )
        for request in requests:
            steps += _escalate(request, now)
    return steps


def _escalate(request: InterpreterRequest, now: datetime) -> int:
    office: Office = request.appointment.topic.office
    start = request.appointment.start
    if start - timedelta(hours=office.interpreter_fallback_hours) <= now and request.fallback_at is None:
        request.status = Status.FALLBACK
        request.fallback_at = now
        request.save(update_fields=["status", "fallback_at", "updated_at"])
        _alert_coordinator(request, fallback=True)
        _tell_staff(request, "fallback")
        publish(
            [interpreter_language_group(request.language_id)],
            dict(interpreter_request_event(request, "cancelled")),
        )
        return 1
    if start - timedelta(hours=office.interpreter_alert_hours) <= now and request.escalated_at is None:
        request.status = Status.ESCALATED
        request.escalated_at = now
        request.save(update_fields=["status", "escalated_at", "updated_at"])
        _alert_coordinator(request, fallback=False)
        _tell_staff(request, "escalated")
        return 1
    if request.pool_offered_at is None and not _preferred_window_open(request, now):
        request.pool_offered_at = now
        request.save(update_fields=["pool_offered_at", "updated_at"])
        _offer(request, eligible_interpreters(request), now)
        return 1
    pool_since = request.pool_offered_at
    if (
        pool_since is not None
        and request.reminded_at is None
        and now >= pool_since + timedelta(minutes=office.interpreter_reminder_minutes)
    ):
        request.reminded_at = now
        request.save(update_fields=["reminded_at", "updated_at"])
        _text_interpreters(
            request, eligible_interpreters(request), Notification.Kind.INTERPRETER_REMINDER, "offer_reminder"
        )
        return 1
    return 0


def _alert_coordinator(request: InterpreterRequest, *, fallback: bool) -> None:
    appointment = request.appointment
    office = appointment.topic.office
    local = appointment.start.astimezone(office.zone)
    if fallback:
        subject = _("Telephone interpreting for %(reference)s") % {"reference": appointment.reference}
        body = _(
            "No interpreter accepted the request for %(language)s on %(when)s. "
            "Please book %(service)s for this appointment."
        ) % {
            "language": request.language_id,
            "when": f"{local:%d.%m.%Y %H:%M}",
            "service": office.interpreting_fallback,
        }
    else:
        subject = _("No interpreter yet for %(reference)s") % {"reference": appointment.reference}
        body = _("The request for %(language)s on %(when)s is still open.") % {
            "language": request.language_id,
            "when": f"{local:%d.%m.%Y %H:%M}",
        }
    alert_coordinator(office=office, subject=subject, body=body, also=(appointment.caseworker.user.email,))


def interpreter_figures(*, office: Office, since: datetime, until: datetime) -> list[dict]:
    """Per language: requests, filled, filled before any alert, minutes to accept (median), fallbacks."""
    requests = InterpreterRequest.objects.filter(
        appointment__topic__office=office, created_at__gte=since, created_at__lt=until
    ).exclude(status=Status.CANCELLED, interpreter__isnull=True, accepted_at__isnull=True)
    figures: dict[str, dict] = {}
    for request in requests.select_related("appointment__topic__office"):
        row = figures.setdefault(
            request.language_id,
            {
                "language": request.language_id,
                "requests": 0,
                "filled": 0,
                "filled_in_time": 0,
                "fallbacks": 0,
                "_waits": [],
            },
        )
        row["requests"] += 1
        if request.accepted_at:
            row["filled"] += 1
            row["_waits"].append((request.accepted_at - request.created_at).total_seconds() / 60)
            if request.escalated_at is None:
                row["filled_in_time"] += 1
        if request.fallback_at:
            row["fallbacks"] += 1
    result = []
    for row in sorted(figures.values(), key=lambda r: r["language"]):
        waits = row.pop("_waits")
        row["median_minutes_to_accept"] = round(median(waits), 1) if waits else None
        result.append(row)
    return result


def monthly_interpreter_figures(*, office: Office, month: date | None = None) -> tuple[datetime, list[dict]]:
    """The figures for one calendar month in the office's zone (this month if none is given)."""
    zone = office.zone
    month = month or timezone.now().astimezone(zone).date()
    first = datetime(month.year, month.month, 1, tzinfo=zone)
    after = datetime(month.year + month.month // 12, month.month % 12 + 1, 1, tzinfo=zone)
    return first, interpreter_figures(office=office, since=first, until=after)
