"""The call-signalling protocol on /ws/calls/{room}/: every incoming frame is checked here.

Browser → server (JSON text frames, at most MAX_FRAME_BYTES, MAX_FRAMES_PER_WINDOW per window;
a socket that has not joined within settings.CALL_JOIN_TIMEOUT_SECONDS is closed with 4408):

    {"type": "join"}                                   staff and interpreter (session)
    {"type": "join", "reference": "…", "token": "…"}   the client (booking code and manage token)
    {"type": "presence"}                               ask the others to report again
    {"type": "admit", "peer"?: peer}                   caseworker only: let the waiting client's
                                                       connection in (without peer: every waiting one)
    {"type": "offer" | "answer", "to": peer, "sdp": "…"}            admitted members only
    {"type": "ice-candidate", "to": peer, "candidate": {…} | null}  admitted members only
    {"type": "hang-up"} · {"type": "leave"}
    {"type": "switch-to-phone"}                        client only

Server → browser:

    {"type": "presence", "op": "you", "peer", "role", "admitted", "iceServers"}
        your own seat (also after a reconnect: a client's new connection waits to be admitted
        again) and the ICE servers for it (TURN only inside the call window)
    {"type": "presence", "op": "joined" | "here" | "admitted" | "left", "peer", "role", "admitted"}
        ("here" answers your join or presence: who was in the room before you)
    {"type": "waiting", "peer", "role"}          the client waits to be admitted (staff also see
                                                 it from presence: role client, admitted false)
    {"type": "admit", "peer"}                    the client has been admitted
    {"type": "offer" | "answer" | "ice-candidate", "from": peer, …}
    {"type": "hang-up", "peer", "role"} · {"type": "switch-to-phone", "peer"}
    {"type": "full", "peer"}                     staff: that client's connection was let in, but the
                                                 mesh is full, so it goes on waiting
    {"type": "error", "code": "…", "detail": "…"}

A one-to-one room is a peer-to-peer mesh of at most three admitted connections
(appointments/services/mesh_places.py). Where Janus runs, a fourth moves the call there: its
"you" (or "admit") carries `janus`, and everyone else already in gets

    {"type": "move", "janus": {…}}               leave the mesh, enter the call's Janus room

after which offers are refused and every later admission carries a pass. When Janus cannot be
reached as a pass is issued, the connection gets error "unavailable" and is closed with 1013
(try again later); the page says so and comes back after a while. Without Janus, staff
joining a full room get error "room_full" and the socket closes with 4409; a client let into a
full room gets "room_full" and goes on waiting.

In a group session's room (video on Janus, appointments/services/group_calls.py) the media goes
through Janus, not through offers here (they are refused): a host's "you" carries `janus`, their
pass into the Janus room; a client's "admit" carries theirs. Presence then also names a client's
first `name` and a host's Janus `participant`, so that clients show the hosts' pictures only.
"""

MAX_FRAME_BYTES = 32 * 1024
# A call set-up sends a few dozen ICE candidates per peer; far more than that is a fault or abuse.
MAX_FRAMES_PER_WINDOW = 300
RATE_WINDOW_SECONDS = 10
MAX_SDP_CHARS = 24 * 1024
PEER_CHARS = 32

_FIELDS: dict[str, set[str]] = {
    "join": {"reference", "token"},
    "presence": set(),
    "admit": {"peer"},
    "offer": {"to", "sdp"},
    "answer": {"to", "sdp"},
    "ice-candidate": {"to", "candidate"},
    "hang-up": set(),
    "leave": set(),
    "switch-to-phone": set(),
}
SIGNALS = {"offer", "answer", "ice-candidate"}


class ProtocolError(Exception):
    """A frame the server will not act on; the code goes back in an error frame."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _short_string(value: object, limit: int, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ProtocolError("invalid", f"{name} must be a non-empty string of at most {limit} characters")
    return value


def _candidate(value: object) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= {
        "candidate",
        "sdpMid",
        "sdpMLineIndex",
        "usernameFragment",
    }:
        raise ProtocolError("invalid", "candidate must be an RTCIceCandidateInit object or null")
    if not isinstance(value.get("candidate", ""), str) or len(value.get("candidate", "")) > 1024:
        raise ProtocolError("invalid", "candidate is too long")
    if not isinstance(value.get("sdpMid") or "", str | int) or not isinstance(
        value.get("sdpMLineIndex") or 0, int
    ):
        raise ProtocolError("invalid", "sdpMid or sdpMLineIndex has the wrong type")
    if not isinstance(value.get("usernameFragment") or "", str):
        raise ProtocolError("invalid", "usernameFragment must be a string")
    return value


def parse(content: object) -> dict:
    """A validated message, or ProtocolError: known type, no unknown fields, bounded sizes."""
    if not isinstance(content, dict):
        raise ProtocolError("invalid", "a message is a JSON object")
    kind = content.get("type")
    if not isinstance(kind, str) or kind not in _FIELDS:
        raise ProtocolError("unknown_type", "unknown message type")
    extra = set(content) - _FIELDS[kind] - {"type"}
    if extra:
        raise ProtocolError("invalid", f"unknown fields: {', '.join(sorted(extra)[:5])}")
    message = {"type": kind}
    if kind == "join":
        for name in ("reference", "token"):
            if name in content:
                message[name] = _short_string(content[name], 64, name)
    elif kind == "admit":
        if "peer" in content:
            message["peer"] = _short_string(content["peer"], PEER_CHARS, "peer")
    elif kind in SIGNALS:
        message["to"] = _short_string(content.get("to"), PEER_CHARS, "to")
        if kind == "ice-candidate":
            message["candidate"] = _candidate(content.get("candidate"))
        else:
            message["sdp"] = _short_string(content.get("sdp"), MAX_SDP_CHARS, "sdp")
    return message
