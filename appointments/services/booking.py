"""Booking, rescheduling, cancelling and closing appointments; every change goes through here.

On PostgreSQL an exclusion constraint is the last word on double booking: a
concurrent insert that loses gets SQLSTATE 23P01 (or, in a many-way race, a
deadlock 40P01), which becomes `SlotTaken`. On SQLite, IMMEDIATE transactions
serialise writers, so the availability check inside the transaction decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.events import publish_appointment
from appointments.exceptions import ApplicationError, NotAllowed, SlotNotOffered, SlotTaken
from appointments.models import Appointment, AuditEntry, Caseworker, Language, Topic
from appointments.services.audit import record_audit
from appointments.services.availability import check_start
from appointments.services.calls import new_call_room
from appointments.services.clients import DETAILS_KEPT, BookingClient, ClientDetails, client_for_booking
from appointments.services.interpreter_requests import (
    appointment_changed,
    check_interpreter_language,
    request_interpreter,
)
from appointments.services.limits import check_upcoming_cap, client_mobile_number
from appointments.services.locks import locked, locked_before_start
from appointments.services.outbox.compose import schedule_appointment_messages
from appointments.services.overlaps import APPOINTMENT_OVERLAP, is_overlap
from appointments.services.permissions import can_book_at
from appointments.services.references import new_reference
from appointments.services.tokens import new_token
from appointments.services.verification import consume_verification

Status = Appointment.Status
_ALLOWED_TRANSITIONS = {
    Status.BOOKED: {Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED},
}


@dataclass(frozen=True)
class Booking:
    """A new appointment and its manage token, which exists in clear text only here.

    `details_kept`: the number's client existed with other details, which were left as they were.
    """

    appointment: Appointment
    manage_token: str
    details_kept: bool = False


def consultation_language(*, language: str, interpreter_language: str | None) -> str | None:
    """The language the caseworker must speak: none to ask for when an interpreter comes along,
    because then the consultation is held in the office's language."""
    return None if interpreter_language else language


def _transition(appointment: Appointment, to: str) -> None:
    if to not in _ALLOWED_TRANSITIONS.get(appointment.status, set()):
        raise NotAllowed(_("This appointment can no longer be changed."))
    appointment.status = to
    appointment.version += 1


def check_languages(codes_by_field: dict[str, str | None]) -> None:
    """That every language given is one we offer, in one query; the first field that names
    another is the one the error names."""
    wanted = {code for code in codes_by_field.values() if code}
    known = set(Language.objects.filter(code__in=wanted).values_list("code", flat=True)) if wanted else set()
    for field, code in codes_by_field.items():
        if code and code not in known:
            raise ApplicationError(_("This language is not available."), field=field)


def check_language(code: str | None, field: str) -> None:
    check_languages({field: code})


def reading_language(code: str) -> bool:
    """Whether messages can be written to a client in this language without asking the database:
    the languages of the pages (settings.LANGUAGES), Leichte Sprache included."""
    return code in {language for language, _name in settings.LANGUAGES}


def _check_request(*, topic: Topic, mode: str, start: datetime) -> None:
    if not topic.active:
        raise ApplicationError(_("This topic cannot be booked."), field="topic")
    if topic.group:
        raise ApplicationError(_("Please choose one of the dates of this group session."), field="topic")
    if mode not in topic.modes:
        raise ApplicationError(_("This topic cannot be booked for this kind of consultation."), field="mode")
    if timezone.is_naive(start):
        raise ApplicationError(_("Please give the time with its UTC offset."), field="start")


def _fair_order(caseworker_ids: list[int], *, topic: Topic, start: datetime) -> list[int]:
    """Least booked in the week of `start` first, then the one who waited longest for a booking."""
    local_day = start.astimezone(topic.office.zone).date()
    monday = local_day - timedelta(days=local_day.weekday())
    week_start, week_end = topic.office.day_bounds(monday, monday + timedelta(days=6))
    in_week = Q(start__gte=week_start, start__lt=week_end) & ~Q(status=Status.CANCELLED)
    # One query: the week's load and the latest booking of each, grouped by caseworker.
    figures = {
        caseworker_id: (load, last)
        for caseworker_id, load, last in Appointment.objects.filter(caseworker_id__in=caseworker_ids)
        .values("caseworker_id")
        .annotate(n=Count("id", filter=in_week), last=Max("created_at"))
        .values_list("caseworker_id", "n", "last")
    }
    never = (0, datetime.min.replace(tzinfo=UTC))
    return sorted(caseworker_ids, key=lambda pk: (*figures.get(pk, never), pk))


def free_candidates(
    *,
    topic: Topic,
    mode: str,
    start: datetime,
    language: str | None,
    now: datetime,
    exclude_appointment_id: int | None = None,
    caseworker_ids: list[int] | None = None,
) -> list[int]:
    check = check_start(
        topic=topic,
        mode=mode,
        start=start,
        language=language,
        exclude_appointment_id=exclude_appointment_id,
        caseworker_ids=caseworker_ids,
        now=now,
    )
    if not check.offered:
        raise SlotNotOffered(field="start")
    if not check.free:
        raise SlotTaken(field="start")
    return check.free


def save_with_first_free(
    appointment: Appointment, caseworker_ids: list[int], fields: list[str] | None
) -> None:
    """Give the appointment to the first caseworker the database lets have it."""
    for caseworker_id in caseworker_ids:
        appointment.caseworker_id = caseworker_id
        try:
            with transaction.atomic():
                appointment.save(update_fields=fields and [*fields, "caseworker", "updated_at"])
        except DatabaseError as exc:
            if not is_overlap(exc, APPOINTMENT_OVERLAP):
                raise
            continue
        return
    raise SlotTaken(field="start")


def checked_phone(
    *,
    topic: Topic,
    client: ClientDetails,
    booked_by: AbstractBaseUser | None,
    languages: dict[str, str | None] | None = None,
) -> str:
    """The client's mobile number in E.164, after what every booking checks before its transaction:
    their language (with the booking's other `languages`, in one query), the number and its calling
    code, a name, and that staff book at their own office."""
    client_language = {} if reading_language(client.language) else {"client.language": client.language}
    check_languages({**(languages or {}), **client_language})
    phone = client_mobile_number(client.phone, offices=[topic.office], field="client.phone")
    if not client.name.strip():
        raise ApplicationError(_("Please enter your name."), field="client.name")
    if booked_by is not None and not can_book_at(booked_by, topic.office):
        raise ApplicationError(_("This topic cannot be booked."), field="topic")
    return phone


def use_verification(
    *, topic: Topic, phone: str, token: str | None, booked_by: AbstractBaseUser | None, now: datetime
) -> bool:
    """Inside the booking's transaction: the SMS code's proof used up, where the office asks for one
    and the client books themselves. Whether the number was proven."""
    verified = topic.office.require_phone_verification and booked_by is None
    if verified:
        consume_verification(token=token or "", phone=phone, now=now)
    return verified


def booking_client(
    *,
    topic: Topic,
    phone: str,
    details: ClientDetails,
    verified: bool,
    booked_by: AbstractBaseUser | None,
    now: datetime,
) -> BookingClient:
    """Inside the booking's transaction: the cap on a client's upcoming bookings (not for staff),
    then the client's record (services/clients.py decides whether the details change it)."""
    if booked_by is None:
        check_upcoming_cap(office=topic.office, phone=phone, now=now)
    return client_for_booking(
        details=details, phone=phone, office=topic.office, verified=verified, actor=booked_by
    )


def new_booking(**fields) -> tuple[Appointment, str]:
    """An unsaved appointment with a fresh booking code and manage token (returned in clear text once)."""
    token, token_hash = new_token()
    return Appointment(reference=new_reference(), manage_token_hash=token_hash, **fields), token


def book_appointment(
    *,
    topic: Topic,
    mode: str,
    start: datetime,
    client: ClientDetails,
    language: str = "de",
    interpreter_language: str | None = None,
    verification_token: str | None = None,
    booked_by: AbstractBaseUser | None = None,
    caseworker: Caseworker | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book a consultation at `start` with a fairly chosen free caseworker (or the one given).

    The client's number must have been confirmed by SMS code unless the office
    switched that off or a member of staff books on the client's behalf; staff book
    only at their own office; the number's calling code must be allowed; and a client
    (not staff) may hold only the office's number of upcoming appointments
    (services/limits.py). Whether the details given change an existing client's
    record is `client_for_booking`'s decision (services/clients.py).
    A topic closed to self-booking is booked here only by staff; invitations book it through
    services/invitations.py.
    """
    now = now or timezone.now()
    _check_request(topic=topic, mode=mode, start=start)
    if not topic.self_booking and booked_by is None:
        raise ApplicationError(_("This topic can only be booked with an invitation."), field="topic")
    check_interpreter_language(interpreter_language, modes=[mode], field="interpreter_language")
    phone = checked_phone(topic=topic, client=client, booked_by=booked_by, languages={"language": language})
    spoken = consultation_language(language=language, interpreter_language=interpreter_language)

    with transaction.atomic():
        verified = use_verification(
            topic=topic, phone=phone, token=verification_token, booked_by=booked_by, now=now
        )
        free = free_candidates(
            topic=topic,
            mode=mode,
            start=start,
            language=spoken,
            now=now,
            caseworker_ids=[caseworker.pk] if caseworker else None,
        )
        found = booking_client(
            topic=topic, phone=phone, details=client, verified=verified, booked_by=booked_by, now=now
        )
        appointment, token = new_booking(
            client=found.client,
            topic=topic,
            mode=mode,
            language=language,
            interpreter_language=interpreter_language or "",
            booked_by=booked_by,
            call_room=new_call_room(),
        )
        appointment.set_times(start, topic)
        save_with_first_free(appointment, _fair_order(free, topic=topic, start=start), None)
        return confirm_booking(
            appointment=appointment,
            manage_token=token,
            actor=booked_by,
            now=now,
            details_kept=found.details_kept,
        )


def confirm_booking(
    *,
    appointment: Appointment,
    manage_token: str,
    actor: AbstractBaseUser | None,
    now: datetime,
    detail: str = "",
    details_kept: bool = False,
) -> Booking:
    """What follows a saved booking (whose manage token this is): the messages, the interpreter
    request, the audit entry and the event. Inside the booking's transaction. `details_kept`: the
    client's record stayed as it was although the booking brought other details (no proof)."""
    if not Appointment.caseworker.is_cached(appointment):
        # The invite goes to the caseworker's user's address: both in one query.
        appointment.caseworker = Caseworker.objects.select_related("user").get(pk=appointment.caseworker_id)
    schedule_appointment_messages(appointment=appointment, event="booked", manage_token=manage_token, now=now)
    if appointment.interpreter_language:
        request_interpreter(appointment=appointment, language=appointment.interpreter_language, now=now)
    record_audit(
        action=AuditEntry.Action.BOOKED,
        actor=actor,
        appointment=appointment,
        detail=DETAILS_KEPT if details_kept else detail,
    )
    publish_appointment(appointment, "booked")
    return Booking(appointment=appointment, manage_token=manage_token, details_kept=details_kept)


def reschedule_appointment(
    *,
    appointment: Appointment,
    start: datetime,
    mode: str | None = None,
    manage_token: str | None = None,
    actor: AbstractBaseUser | None = None,
    caseworker: Caseworker | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move an appointment to a new free time; it keeps its reference and its version goes up.

    The same caseworker keeps it when free then; otherwise it goes to another, fairly, or only
    to `caseworker` when one is given (the client chose their own caseworker's time).
    `manage_token`, when the client made the change, goes into the message's link;
    `actor` is the member of staff who moved it (None: the client).
    """
    now = now or timezone.now()
    with transaction.atomic():
        appointment = locked_before_start(appointment, now)
        if appointment.group_session_id is not None:
            raise NotAllowed(_("Another date? Cancel this place and book a place on another date."))
        previous_caseworker = appointment.caseworker
        topic = appointment.topic
        mode = mode or appointment.mode
        _check_request(topic=topic, mode=mode, start=start)
        check_interpreter_language(appointment.interpreter_language, modes=[mode], field="mode")
        spoken = consultation_language(
            language=appointment.language, interpreter_language=appointment.interpreter_language
        )
        free = free_candidates(
            topic=topic,
            mode=mode,
            start=start,
            language=spoken,
            now=now,
            exclude_appointment_id=appointment.pk,
            caseworker_ids=[caseworker.pk] if caseworker else None,
        )
        order = _fair_order(free, topic=topic, start=start)
        if appointment.caseworker_id in order:
            order.remove(appointment.caseworker_id)
            order.insert(0, appointment.caseworker_id)
        appointment.set_times(start, topic)
        appointment.mode = mode
        appointment.version += 1
        save_with_first_free(
            appointment, order, ["start", "end", "blocked_from", "blocked_until", "mode", "version"]
        )
        schedule_appointment_messages(
            appointment=appointment,
            event="rescheduled",
            manage_token=manage_token,
            previous_caseworker_email=previous_caseworker.user.email,
            now=now,
        )
        appointment_changed(appointment, now=now)
        record_audit(action=AuditEntry.Action.RESCHEDULED, actor=actor, appointment=appointment)
        publish_appointment(appointment, "rescheduled")
    return appointment


def cancel_appointment(
    *,
    appointment: Appointment,
    by: str,
    reason: str = "",
    actor: AbstractBaseUser | None = None,
    manage_token: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Cancel before it begins; the time is free again at once. `by` is the party, `actor` the user.

    With `manage_token` (the appointment's current one) the cancellation message links to the
    cancelled booking's own page, whose "book a new appointment" offers the same caseworker first.
    """
    now = now or timezone.now()
    with transaction.atomic():
        appointment = locked_before_start(appointment, now)
        _transition(appointment, Status.CANCELLED)
        appointment.cancelled_by = by
        appointment.cancel_reason = reason
        appointment.save(update_fields=["status", "version", "cancelled_by", "cancel_reason", "updated_at"])
        schedule_appointment_messages(
            appointment=appointment, event="cancelled", manage_token=manage_token, now=now
        )
        appointment_changed(appointment, now=now)
        record_audit(action=AuditEntry.Action.CANCELLED, actor=actor, appointment=appointment, party=by)
        publish_appointment(appointment, "cancelled")
    return appointment


def record_outcome(
    *,
    appointment: Appointment,
    outcome: str,
    note: str = "",
    actor: AbstractBaseUser | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Close an appointment that has begun as completed or no-show."""
    now = now or timezone.now()
    if outcome not in (Status.COMPLETED, Status.NO_SHOW):
        raise ApplicationError(_("Choose completed or no-show."), field="outcome")
    with transaction.atomic():
        appointment = locked(appointment)
        if appointment.start > now:
            raise NotAllowed(_("The outcome can be recorded once the appointment has begun."))
        _transition(appointment, outcome)
        appointment.outcome_note = note
        appointment.save(update_fields=["status", "version", "outcome_note", "updated_at"])
        record_audit(action=AuditEntry.Action.OUTCOME, actor=actor, appointment=appointment, detail=outcome)
        publish_appointment(appointment, outcome)
    return appointment
