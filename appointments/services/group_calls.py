"""Calls on Janus: a group session's room, who gets a pass into it, removing and muting; and the
room a one-to-one call moves to when a fourth person joins (the mesh carries three).

Admission stays with the call consumer (services/calls.py): a client's connection waits until a
host lets it in, and only then is a pass issued. A pass is a token in the room's list of allowed
tokens and a participant number of our choosing, so a host can remove exactly that person.
"""

import contextlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from appointments.models import Appointment, CallWindow, GroupCallPass, GroupSession, Mode
from appointments.services import janus

# Janus ids reach the browser as JSON numbers: keep them exact in JavaScript (below 2**53).
_LARGEST_NUMBER = 2**53 - 1
# Room for every place, the hosts and an interpreter or two beside them.
_EXTRA_PUBLISHERS = 6
# A one-to-one call moved off the mesh: its people, a second interpreter, a support worker, a colleague.
_MOVED_CALL_PUBLISHERS = 8


class GroupCallRefused(Exception):
    """Not allowed into this group call, or not now."""


def group_calls_enabled() -> bool:
    """Whether group sessions can be held by video: only with Janus (VIDEO_BACKEND=janus)."""
    return settings.VIDEO_BACKEND == "janus"


def group_modes() -> tuple[str, ...]:
    """How group sessions can be held here: in person, and by video once Janus is there."""
    return (Mode.IN_PERSON, Mode.VIDEO) if group_calls_enabled() else (Mode.IN_PERSON,)


def call_window(session: GroupSession) -> CallWindow:
    """When the session's room is open: the same minutes before and after as a one-to-one call."""
    return CallWindow.around(session.start, session.end)


def video_session(room: str) -> GroupSession | None:
    """The scheduled video session whose call room this is, while Janus is the backend."""
    if not room or not group_calls_enabled():
        return None
    return GroupSession.objects.filter(
        call_room=room, mode=Mode.VIDEO, status=GroupSession.Status.SCHEDULED
    ).first()


def was_removed(place: Appointment) -> bool:
    """A host removed this place's client from the call: their link does not bring them back."""
    return GroupCallPass.objects.filter(place=place, removed_at__isnull=False).exists()


@dataclass(frozen=True)
class CallPass:
    """What a browser needs to enter the room, and nothing more: no secret, no one else's details."""

    url: str
    room: int
    participant: int
    token: str
    display: str
    host: bool
    # Sees and hears everyone: a host, or anyone in a one-to-one call (clients of a session see hosts).
    everyone: bool

    def as_json(self) -> dict:
        return {
            "url": self.url,
            "room": self.room,
            "participant": self.participant,
            "token": self.token,
            "display": self.display,
            "host": self.host,
            "everyone": self.everyone,
        }


def first_name(place: Appointment) -> str:
    """What other participants see of a client: the first word of the name they gave."""
    return (place.client.name.split() or [""])[0]


def _janus_number() -> int:
    """A room or participant number; random, so that numbers never meet in one Janus."""
    return secrets.randbelow(_LARGEST_NUMBER) + 1


def _room(holder: GroupSession | Appointment, *, lost: bool = False) -> janus.Room:
    """The Janus room of a session, or of a one-to-one call moved off the mesh, made once (the
    holder's row is locked while it is made)."""
    with transaction.atomic():
        locked = type(holder).objects.select_for_update().get(pk=holder.pk)
        if locked.janus_room is None or lost:
            publishers = (
                locked.capacity + _EXTRA_PUBLISHERS
                if isinstance(locked, GroupSession)
                else _MOVED_CALL_PUBLISHERS
            )
            # A Janus restart loses its rooms (they are not permanent): the same number is made again.
            made = janus.create_room(locked.janus_room or _janus_number(), publishers=publishers)
            locked.janus_room, locked.janus_secret = made.number, made.secret
            locked.save(update_fields=["janus_room", "janus_secret"])
        return janus.Room(number=locked.janus_room, secret=locked.janus_secret)


def _admitted(holder: GroupSession | Appointment, *, until: datetime) -> tuple[janus.Room, str]:
    """The holder's room and a new token into it, valid until `until`."""
    room = _room(holder)
    try:
        return room, janus.admit(room, until=until)
    except janus.JanusError:
        room = _room(holder, lost=True)
        return room, janus.admit(room, until=until)


def issue_pass(
    *,
    session: GroupSession,
    place: Appointment | None = None,
    user=None,
    host: bool = True,
    now: datetime | None = None,
) -> CallPass:
    """A pass into the session's room for an admitted client (`place`), or a host or (not `host`)
    an interpreter (`user`).

    The caller has checked the seat (services/calls.py); this refuses only a removed client
    and a room that is closed. Every pass is new: each connection enters on its own.
    """
    now = now or timezone.now()
    window = call_window(session)
    if not window.is_open(now) or (place is not None and was_removed(place)):
        raise GroupCallRefused
    room, token = _admitted(session, until=window.closes)
    issued = GroupCallPass.objects.create(
        session=session,
        place=place,
        user=user if place is None else None,
        participant=_janus_number(),
        token=token,
        expires_at=window.closes,
    )
    caseworker, interpreter = getattr(user, "caseworker", None), getattr(user, "interpreter", None)
    if place is not None:
        display = first_name(place)
    elif host and caseworker:
        display = caseworker.display_name
    else:
        display = interpreter.name if interpreter and not host else user.get_full_name()
    return CallPass(
        url=settings.JANUS_PUBLIC_URL,
        room=room.number,
        participant=issued.participant,
        token=token,
        display=display,
        host=place is None and host,
        everyone=place is None,  # hosts, and interpreters (one who signs must see the clients)
    )


def moved_call_pass(*, appointment: Appointment, role: str, now: datetime | None = None) -> CallPass:
    """A pass into a one-to-one call's Janus room; the first one makes the room, and so moves the
    call off the mesh. Everyone there sees everyone, known by their role (`display`), and no pass
    is kept: nobody is removed from their own consultation."""
    window = appointment.call_window()
    if not group_calls_enabled() or not window.is_open(now or timezone.now()):
        raise GroupCallRefused
    room, token = _admitted(appointment, until=window.closes)
    return CallPass(
        url=settings.JANUS_PUBLIC_URL,
        room=room.number,
        participant=_janus_number(),
        token=token,
        display=role,
        host=False,
        everyone=True,
    )


def _joined_room(session: GroupSession) -> janus.Room:
    """The room as it is now (made again after a Janus restart, perhaps); refused before it exists."""
    fresh = GroupSession.objects.get(pk=session.pk)
    if fresh.janus_room is None:
        raise GroupCallRefused
    return janus.Room(number=fresh.janus_room, secret=fresh.janus_secret)


def remove_from_call(*, session: GroupSession, participant: int, now: datetime | None = None) -> None:
    """A host removes someone: Janus drops them, and none of their passes opens the room again."""
    room = _joined_room(session)
    removed = GroupCallPass.objects.filter(session=session, participant=participant).first()
    if removed is None or removed.place_id is None:
        raise GroupCallRefused  # hosts are not removed by other hosts
    passes = GroupCallPass.objects.filter(session=session, place_id=removed.place_id, removed_at__isnull=True)
    for held in passes:
        with contextlib.suppress(janus.JanusError):  # already left, or the room was made again
            janus.revoke(room, held.token)
            janus.remove_participant(room, held.participant)
    GroupCallPass.objects.filter(session=session, place_id=removed.place_id).update(
        removed_at=now or timezone.now()
    )


def mute_in_call(*, session: GroupSession, participant: int, stream: str) -> None:
    """A host mutes someone's stream (their microphone): Janus stops forwarding it to the others."""
    if not GroupCallPass.objects.filter(session=session, participant=participant).exists():
        raise GroupCallRefused
    try:
        janus.mute_participant(_joined_room(session), participant, stream)
    except janus.JanusError as exc:
        raise GroupCallRefused from exc
