"""Calls: who may join which room, the waiting room, phone conferences, and the call status.

A room id is opaque (not the booking code) and names both the video room and the
telephone conference, so nothing personal appears in either. Events go to the
caseworker's and the office's staff groups after commit, without names or numbers.
"""

import base64
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import phonenumbers
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.events import caseworker_group, office_group, publish
from appointments.exceptions import ApplicationError, InvalidPhoneNumber, NotFound
from appointments.models import Appointment, CallStatus, GroupSession, InterpreterRequest, Mode
from appointments.providers import voice
from appointments.services import group_calls, janus, mesh_places
from appointments.services.permissions import (
    access_booking,
    access_group_session,
    can_call,
    interprets,
    interprets_group_session,
)
from appointments.services.phones import allowed_calling_codes

logger = logging.getLogger(__name__)


class Role(StrEnum):
    CLIENT = "client"
    CASEWORKER = "caseworker"
    INTERPRETER = "interpreter"


class CallRefused(Exception):
    """Not allowed into this room, or not now; the same answer for every reason."""


class CallFull(CallRefused):
    """The mesh has no place for another connection, and there is no Janus to move the call to."""


class CallUnavailable(CallRefused):
    """The seat may enter, but Janus cannot be reached: not now, try again soon."""


class CallingCodeNotAllowed(ApplicationError):
    default_message = _("This number cannot be called: calls go only to the countries this office serves.")


@dataclass(frozen=True)
class Seat:
    """One person's place in a call: which room, in which role, and whether they are in or waiting.

    Admission belongs to one connection: a client's seat starts waiting on every join, so a
    second socket opened with the client's link waits (and the caseworker sees it) even after
    the first was let in. Staff and the accepted interpreter are in at once.
    """

    appointment_id: int | None
    room: str
    role: Role
    admitted: bool
    # Set in a group session's room (on Janus): the session, and a client's first name for the hosts.
    group_session_id: int | None = None
    name: str = ""


def new_call_room() -> str:
    """A fresh room id, given to an appointment as it is made (booked or held for an invitation):
    pages only read `call_room`, so that showing one writes nothing."""
    return secrets.token_urlsafe(24)


def ensure_call_room(appointment: Appointment) -> str:
    """The appointment's room id, created once if it has none yet (a conditional update keeps it
    stable under races); only where a call is placed, never while a page is shown."""
    if not appointment.call_room:
        Appointment.objects.filter(pk=appointment.pk, call_room__isnull=True).update(
            call_room=new_call_room()
        )
        appointment.refresh_from_db(fields=["call_room"])
    return appointment.call_room


def _seat(appointment: Appointment, role: Role) -> Seat:
    return Seat(
        appointment_id=appointment.pk,
        room=appointment.call_room,
        role=role,
        admitted=role != Role.CLIENT,
    )


def _check_open(appointment: Appointment, now: datetime) -> None:
    if not appointment.is_call_open(now):
        raise CallRefused


def _place_seat(place: Appointment) -> Seat:
    """A client's seat in their group session's room (the session's room, not the place's own)."""
    session = group_calls.video_session(place.group_session.call_room)
    if session is None or group_calls.was_removed(place):
        raise CallRefused
    return Seat(
        appointment_id=place.pk,
        room=session.call_room,
        role=Role.CLIENT,
        admitted=False,
        group_session_id=session.pk,
        name=group_calls.first_name(place),
    )


def client_page_seat(appointment: Appointment) -> Seat:
    """The client's seat for rendering their video page (the room is entered by the join);
    CallRefused for a booking without a room."""
    if appointment.group_session_id:
        return _place_seat(appointment)
    if not appointment.call_room:
        raise CallRefused
    return _seat(appointment, Role.CLIENT)


def client_seat(*, room: str, reference: str, token: str, now: datetime | None = None) -> Seat:
    """The booked client, by booking code and manage token, from shortly before the start of a video call."""
    try:
        appointment = access_booking(reference=reference, token=token)
    except NotFound as exc:
        raise CallRefused from exc
    if not room or appointment.mode != Mode.VIDEO:
        raise CallRefused
    if appointment.group_session_id:
        seat = _place_seat(appointment)
    elif appointment.call_room == room:
        seat = _seat(appointment, Role.CLIENT)
    else:
        raise CallRefused
    if seat.room != room:
        raise CallRefused
    _check_open(appointment, now or timezone.now())
    return seat


def staff_seat(*, room: str, user) -> Seat:
    """The appointment's caseworker, a coordinator of its office (covering), or its accepted
    interpreter; in a video group session's room, a host of the session (or a coordinator) or
    an interpreter assigned to it."""
    appointment = Appointment.objects.select_related("topic").filter(call_room=room).first() if room else None
    if appointment is None and user.is_authenticated:
        return _host_seat(room, user)
    if appointment is None or not user.is_authenticated or appointment.status != Appointment.Status.BOOKED:
        raise CallRefused
    if can_call(user, appointment):
        return _seat(appointment, Role.CASEWORKER)
    if interprets(user, appointment):
        return _seat(appointment, Role.INTERPRETER)
    raise CallRefused


def _host_seat(room: str, user) -> Seat:
    """A host of the video group session whose room this is (or a coordinator of its office), or
    an interpreter assigned to it: a speaker like the hosts, in at once, without their controls."""
    session = group_calls.video_session(room)
    if session is None:
        raise CallRefused
    try:
        access_group_session(user, session.pk)
        role = Role.CASEWORKER
    except NotFound as exc:
        if not interprets_group_session(user, session):
            raise CallRefused from exc
        role = Role.INTERPRETER
    return Seat(appointment_id=None, room=room, role=role, admitted=True, group_session_id=session.pk)


def current_seat(*, seat: Seat, user=None, now: datetime | None = None) -> Seat:
    """The seat read afresh, or CallRefused: asked again on admit and on every relayed signal.

    Whatever changed since the join counts: the appointment cancelled or moved out of the call
    window (the client), handed to another caseworker, or the interpreter withdrawn.
    """
    if seat.role != Role.CLIENT:
        fresh = staff_seat(room=seat.room, user=user)
        if fresh.role != seat.role or fresh.appointment_id != seat.appointment_id:
            raise CallRefused
        return fresh
    room = Q(group_session__call_room=seat.room) if seat.group_session_id else Q(call_room=seat.room)
    appointment = Appointment.objects.filter(room, pk=seat.appointment_id, mode=Mode.VIDEO).first()
    if appointment is None or (seat.group_session_id and group_calls.was_removed(appointment)):
        raise CallRefused
    _check_open(appointment, now or timezone.now())
    return seat


def _call_event(appointment: Appointment, op: str, status: str) -> dict:
    """A staff event about a call: the booking code and room, never a name or a number."""
    return {
        "type": "call",
        "op": op,
        "reference": appointment.reference,
        "room": appointment.call_room,
        "status": status,
    }


def _record(seat_or_id: Seat | int, status: CallStatus, op: str, *, now: datetime | None = None, **fields):
    """Record the call's status on the appointment and tell the staff groups after the commit."""
    appointment_id = seat_or_id.appointment_id if isinstance(seat_or_id, Seat) else seat_or_id
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().select_related("topic").get(pk=appointment_id)
        appointment.call_status = status
        appointment.call_status_at = now or timezone.now()
        for name, value in fields.items():
            setattr(appointment, name, value)
        appointment.save(update_fields=["call_status", "call_status_at", *fields])
        publish(
            [caseworker_group(appointment.caseworker_id), office_group(appointment.topic.office_id)],
            _call_event(appointment, op, status),
        )


def mark_client_waiting(*, seat: Seat) -> None:
    """The client entered the waiting room: the caseworker's dashboard shows it at once."""
    if seat.role != Role.CLIENT:
        raise CallRefused
    _record(seat, CallStatus.WAITING, "client_waiting")


def admit_client(*, seat: Seat, user, now: datetime | None = None) -> None:
    """The caseworker lets the waiting client in (their seat is checked again first).

    `call_admitted_at` records the first admission; it lets nobody in: each connection of the
    client is admitted on its own (see Seat).
    """
    now = now or timezone.now()
    seat = current_seat(seat=seat, user=user, now=now)
    if seat.role != Role.CASEWORKER:
        raise CallRefused
    if seat.group_session_id:
        # Each admitted place records its own admission as its pass is issued (group_call_pass).
        if not group_calls.call_window(GroupSession.objects.get(pk=seat.group_session_id)).is_open(now):
            raise CallRefused
        return
    window = Appointment.objects.only("start", "end").get(pk=seat.appointment_id).call_window()
    if not window.is_open(now):
        raise CallRefused
    _record(seat, CallStatus.IN_PROGRESS, "client_admitted", now=now, call_admitted_at=now)


def end_video_call(*, seat: Seat) -> None:
    """The caseworker hung up: the call is over for the record (others may still say goodbye)."""
    if seat.role == Role.CASEWORKER and not seat.group_session_id:
        _record(seat, CallStatus.ENDED, "ended")


def group_call_pass(*, seat: Seat, user=None, now: datetime | None = None) -> dict:
    """The Janus pass of a seat in a group session's room: a host's or interpreter's on joining, a
    client's once admitted (their place records the admission). CallRefused outside the call window."""
    now = now or timezone.now()
    seat = current_seat(seat=seat, user=user, now=now)
    session = GroupSession.objects.get(pk=seat.group_session_id)
    place = (
        Appointment.objects.select_related("client").get(pk=seat.appointment_id)
        if seat.appointment_id
        else None
    )
    try:
        issued = group_calls.issue_pass(
            session=session, place=place, user=user, host=seat.role == Role.CASEWORKER, now=now
        )
    except group_calls.GroupCallRefused as exc:
        raise CallRefused from exc
    except janus.JanusError as exc:
        raise CallUnavailable from exc
    if place is not None:
        _record(seat, CallStatus.IN_PROGRESS, "client_admitted", now=now, call_admitted_at=now)
    return issued.as_json()


@dataclass(frozen=True)
class Media:
    """How an admitted connection's media flows: over the mesh (no pass), or through Janus with
    its pass. `moved`: this connection moved a one-to-one call onto Janus; the others follow it."""

    janus: dict | None = None
    moved: bool = False


def admitted_media(*, seat: Seat, connection: str, user=None, now: datetime | None = None) -> Media:
    """The way in for a connection as it is admitted: a group room's pass; in a one-to-one call a
    place on the mesh (three at most, services/mesh_places.py) or, past three where Janus runs,
    a pass into the call's Janus room, which moves everyone there. CallFull without Janus."""
    if seat.group_session_id:
        return Media(janus=group_call_pass(seat=seat, user=user, now=now))
    on_janus = Appointment.objects.filter(pk=seat.appointment_id, janus_room__isnull=False).exists()
    if not on_janus:
        if mesh_places.take_mesh_place(room=seat.room, connection=connection):
            return Media()
        if not group_calls.group_calls_enabled():
            raise CallFull
    return Media(janus=janus_pass(seat=seat, user=user, now=now), moved=not on_janus)


def janus_pass(*, seat: Seat, user=None, now: datetime | None = None) -> dict:
    """The seat's pass into its Janus room: a group session's, or a one-to-one call's once moved."""
    if seat.group_session_id:
        return group_call_pass(seat=seat, user=user, now=now)
    seat = current_seat(seat=seat, user=user, now=now)
    appointment = Appointment.objects.get(pk=seat.appointment_id)
    try:
        return group_calls.moved_call_pass(appointment=appointment, role=seat.role, now=now).as_json()
    except group_calls.GroupCallRefused as exc:
        raise CallRefused from exc
    except janus.JanusError as exc:
        raise CallUnavailable from exc


def request_phone_call(*, seat: Seat) -> None:
    """The client pressed "call me by phone instead": the caseworker is told at once."""
    if seat.role != Role.CLIENT:
        raise CallRefused
    _record(seat, CallStatus.PHONE_REQUESTED, "phone_requested")


@dataclass(frozen=True)
class ConferenceLeg:
    role: Role
    call_id: str


def staff_phone_number(raw: str) -> str:
    """E.164 for the number the caseworker is rung on (a desk line is fine), or InvalidPhoneNumber."""
    try:
        number = phonenumbers.parse(raw, "DE")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(field="phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber(field="phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def start_phone_conference(*, appointment: Appointment, user, caseworker_phone: str) -> list[ConferenceLeg]:
    """Ring caseworker, client and (if one accepted) the interpreter into one conference.

    Nobody sees another's number: each leg is a call from the office's number into a
    conference named by the opaque room id. A leg that cannot be placed marks the call failed.
    """
    if appointment.status != Appointment.Status.BOOKED or not can_call(user, appointment):
        raise CallRefused
    room = ensure_call_room(appointment)
    parties = [(Role.CASEWORKER, caseworker_phone), (Role.CLIENT, appointment.client.phone)]
    accepted_jobs = InterpreterRequest.objects.filter(
        appointment=appointment, status=InterpreterRequest.Status.ACCEPTED, interpreter__isnull=False
    ).select_related("interpreter")
    for accepted in accepted_jobs:
        if accepted.interpreter.phone:
            parties.append((Role.INTERPRETER, accepted.interpreter.phone))
    _check_calling_codes(parties, office=appointment.topic.office)
    _record(appointment.pk, CallStatus.RINGING, "phone_started")
    backend = voice.get_backend()
    legs = []
    for role, number in parties:
        try:
            call_id = backend.call(
                to=number,
                role=role,
                twiml_url=f"{settings.SITE_URL}{reverse('twilio-voice-twiml', args=[room, role])}",
                status_callback=f"{settings.SITE_URL}{reverse('twilio-voice-status', args=[room, role])}",
            )
        except voice.VoiceError as exc:
            logger.warning("Conference leg %s for room %s… failed: %s", role, room[:6], exc.reason)
            _hang_up(backend, legs, room)
            _record(appointment.pk, CallStatus.FAILED, "phone_failed")
            raise
        legs.append(ConferenceLeg(role, call_id))
    return legs


def _may_be_rung(number: str, allowed: frozenset[str]) -> bool:
    """An allowed calling code, and not a premium-rate line (0900 in Germany) within it."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False
    return (
        f"+{parsed.country_code}" in allowed
        and phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.PREMIUM_RATE
    )


def _check_calling_codes(parties: list[tuple[Role, str]], *, office) -> None:
    """Every leg to an allowed calling code, or no leg at all: a stolen staff login must not be
    able to ring premium numbers abroad (toll fraud) through the office's account."""
    allowed = allowed_calling_codes([office])
    for role, number in parties:
        if not _may_be_rung(number, allowed):
            logger.warning("Conference refused: the %s leg's number may not be rung", role)
            raise CallingCodeNotAllowed(field="phone" if role == Role.CASEWORKER else None)


def _hang_up(backend: voice.BaseBackend, legs: list[ConferenceLeg], room: str) -> None:
    """The call failed: nobody already ringing should pick up into an empty conference."""
    for leg in legs:
        try:
            backend.hang_up(leg.call_id)
        except voice.VoiceError as exc:
            logger.warning("Conference leg %s for room %s… not hung up: %s", leg.role, room[:6], exc.reason)


def conference_twiml(*, room: str, role: str) -> str:
    """The TwiML for one leg; an unknown room or role gets a polite hang-up, not the conference."""
    if role not in {r.value for r in Role} or not Appointment.objects.filter(call_room=room).exists():
        raise CallRefused
    return voice.conference_twiml(room=room, role=role)


# Twilio's CallStatus values, and what each means for the appointment's call.
_ANSWERED = {"in-progress"}
_UNREACHED = {"busy", "failed", "no-answer", "canceled"}


def record_voice_status(*, room: str, role: str, status: str) -> None:
    """One leg's status: answered → in progress; caseworker gone → ended; client unreached → failed."""
    appointment = Appointment.objects.filter(call_room=room).only("pk").first()
    if appointment is None:
        raise CallRefused
    if status in _ANSWERED:
        _record(appointment.pk, CallStatus.IN_PROGRESS, "phone_answered")
    elif status == "completed" and role == Role.CASEWORKER:
        _record(appointment.pk, CallStatus.ENDED, "ended")
    elif status in _UNREACHED and role != Role.INTERPRETER:
        _record(appointment.pk, CallStatus.FAILED, "phone_failed")


def _turn_username(appointment: Appointment, role: str, user, expires: int) -> str:
    """`<expiry>:<participant>`: coturn's REST scheme, one stable name per participant and call
    (so coturn's user-quota counts per person), derived with SECRET_KEY, nothing personal in it."""
    participant = f"turn|{appointment.call_room}|{role}|{user.pk if user is not None else ''}"
    digest = hmac.new(settings.SECRET_KEY.encode(), participant.encode(), hashlib.sha256).hexdigest()
    return f"{expires}:{digest[:20]}"


def ice_servers(*, appointment: Appointment, role: str, user=None, now: datetime | None = None) -> list[dict]:
    """STUN and TURN servers for one participant; TURN with coturn's time-limited REST credentials.

    TURN only inside the call window of a booked appointment, valid until the window closes
    (the call's length, not hours beyond it). The password is the HMAC-SHA1 of the username
    under TURN_SECRET, base64-encoded, as coturn's `use-auth-secret` expects.
    """
    servers = [{"urls": list(settings.STUN_URLS)}] if settings.STUN_URLS else []
    now = now or timezone.now()
    in_window = appointment.is_call_open(now)
    if settings.TURN_URLS and settings.TURN_SECRET and in_window and appointment.call_room:
        username = _turn_username(appointment, role, user, int(appointment.call_window().closes.timestamp()))
        digest = hmac.new(settings.TURN_SECRET.encode(), username.encode(), hashlib.sha1).digest()
        servers.append(
            {
                "urls": list(settings.TURN_URLS),
                "username": username,
                "credential": base64.b64encode(digest).decode(),
            }
        )
    return servers


def seat_ice_servers(*, seat: Seat, user=None) -> list[dict]:
    """The ICE servers for a seat, sent again on every join (a page opened early gets TURN now)."""
    if seat.appointment_id is None:
        # A host or interpreter of a group session: TURN for its room and window (not saved, only read).
        session = GroupSession.objects.get(pk=seat.group_session_id)
        appointment = Appointment(
            start=session.start,
            end=session.end,
            call_room=session.call_room,
            status=Appointment.Status.BOOKED,
        )
    else:
        appointment = Appointment.objects.get(pk=seat.appointment_id)
    return ice_servers(
        appointment=appointment, role=seat.role, user=user if seat.role != Role.CLIENT else None
    )
