"""Group calls on Janus' videoroom plugin (the SFU): rooms with a secret, tokens for one room each."""

import base64
import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.utils import timezone

PLUGIN = "janus.plugin.videoroom"
TIMEOUT_SECONDS = 5


class JanusError(Exception):
    """Janus refused a request or could not be reached; the message is Janus' own reason."""


@dataclass(frozen=True)
class Room:
    """A videoroom: its number, and the secret only our server knows (edit, kick, mute, destroy)."""

    number: int
    secret: str


def signed_token(expires: datetime) -> str:
    """A token Janus accepts until `expires`, for the videoroom plugin only.

    Janus checks the signature and the expiry itself (token_auth_secret); the random part makes
    each participant's token unique, so a room's list of allowed tokens names people, not times.
    """
    data = f"{int(expires.timestamp())},janus,{PLUGIN},{secrets.token_urlsafe(12)}"
    digest = hmac.new(settings.JANUS_TOKEN_SECRET.encode(), data.encode(), hashlib.sha1).digest()
    return f"{data}:{base64.b64encode(digest).decode()}"


class _PluginSession:
    """Our server's own Janus session with the videoroom plugin attached, for synchronous requests."""

    def __init__(self) -> None:
        self.token = signed_token(timezone.now() + timedelta(minutes=1))
        self.session = self._post(settings.JANUS_URL, {"janus": "create"})["data"]["id"]
        self.handle = self._post(self._session_url, {"janus": "attach", "plugin": PLUGIN})["data"]["id"]

    @property
    def _session_url(self) -> str:
        return f"{settings.JANUS_URL}/{self.session}"

    def _post(self, url: str, message: dict) -> dict:
        body = {**message, "transaction": secrets.token_hex(6), "token": self.token}
        try:
            answer = requests.post(url, json=body, timeout=TIMEOUT_SECONDS).json()
        except (requests.RequestException, ValueError) as exc:
            raise JanusError(f"Janus is not reachable: {exc}") from exc
        if answer.get("janus") == "error":
            raise JanusError(answer["error"]["reason"])
        return answer

    def request(self, body: dict) -> dict:
        answer = self._post(f"{self._session_url}/{self.handle}", {"janus": "message", "body": body})
        data = answer["plugindata"]["data"]
        if "error" in data:
            raise JanusError(data["error"])
        return data

    def close(self) -> None:
        # Janus drops an idle session itself after session_timeout.
        with contextlib.suppress(JanusError):
            self._post(self._session_url, {"janus": "destroy"})


def _videoroom(body: dict) -> dict:
    session = _PluginSession()
    try:
        return session.request(body)
    finally:
        session.close()


def create_room(number: int, *, publishers: int) -> Room:
    """A private room that admits only the tokens we add to it, at low bitrate for phones."""
    room = Room(number=number, secret=secrets.token_urlsafe(24))
    _videoroom(
        {
            "request": "create",
            "admin_key": settings.JANUS_ROOM_ADMIN_KEY,
            "room": number,
            "secret": room.secret,
            "is_private": True,
            "publishers": publishers,
            "bitrate": settings.JANUS_BITRATE,
            "allowed": [],
            "notify_joining": True,
            # "talking" events, so that clients are shown who speaks rather than a grid of strangers.
            "audiolevel_event": True,
            "permanent": False,
        }
    )
    return room


def admit(room: Room, *, until: datetime) -> str:
    """A new participant's token: valid until `until`, and in this room's list of allowed tokens."""
    token = signed_token(until)
    _videoroom(
        {
            "request": "allowed",
            "room": room.number,
            "secret": room.secret,
            "action": "add",
            "allowed": [token],
        }
    )
    return token


def revoke(room: Room, token: str) -> None:
    """The token no longer opens this room (someone removed keeps no way back in)."""
    _videoroom(
        {
            "request": "allowed",
            "room": room.number,
            "secret": room.secret,
            "action": "remove",
            "allowed": [token],
        }
    )


def remove_participant(room: Room, participant: int) -> None:
    """Janus closes the participant's connection to the room; their media stops."""
    _videoroom({"request": "kick", "room": room.number, "secret": room.secret, "id": participant})


def mute_participant(room: Room, participant: int, stream: str) -> None:
    """Janus stops forwarding one of the participant's streams (their microphone, say) to the others."""
    _videoroom(
        {
            "request": "moderate",
            "room": room.number,
            "secret": room.secret,
            "id": participant,
            "mid": stream,
            "mute": True,
        }
    )


def participants(room: Room) -> list[dict]:
    """Who is in the room now, as Janus knows them: id, display name, whether they publish."""
    data = _videoroom({"request": "listparticipants", "room": room.number})
    return data["participants"]


def close_room(room: Room) -> None:
    _videoroom({"request": "destroy", "room": room.number, "secret": room.secret})
