"""Websocket consumers: call signalling per room, and the staff's live feed; thin, rules live in services."""

import asyncio
import json
import secrets
import time

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.utils.functional import LazyObject, empty

from appointments.services import calls, mesh_places
from realtime import protocol
from realtime.fan_out import feed_hub
from realtime.groups import call_group, interpreter_feed_groups, staff_feed_groups

FORBIDDEN = 4403  # close code: not allowed into this room or feed
JOIN_TIMEOUT = 4408  # close code: no join within settings.CALL_JOIN_TIMEOUT_SECONDS
ROOM_FULL = 4409  # close code: the mesh has no place for this connection (mesh_places.MESH_PLACES)
TRY_AGAIN_LATER = 1013  # close code: Janus cannot be reached now; the page comes back after a while
FEED_RECHECK_SECONDS = 60


class CallConsumer(AsyncJsonWebsocketConsumer):
    """One participant of a call room; the protocol is documented in realtime/protocol.py."""

    async def connect(self):
        self.room = self.scope["url_route"]["kwargs"]["room"]
        self.group = call_group(self.room)
        self.peer = secrets.token_urlsafe(12)
        self.seat: calls.Seat | None = None
        self.joined = False
        self.admitted = False
        self.participant: int | None = None  # a host's Janus participant, told to the room
        self.window_start, self.window_frames = time.monotonic(), 0
        self.join_deadline: asyncio.Task | None = None
        self.mesh_place: asyncio.Task | None = None  # keeps this connection's place in the mesh
        self.on_janus = False  # its media goes through Janus (a group room, or a call moved there)
        self.user = self.scope.get("user")
        if self.user is not None and self.user.is_authenticated:
            try:
                self.seat = await database_sync_to_async(calls.staff_seat)(room=self.room, user=self.user)
            except calls.CallRefused:
                await self.close(code=FORBIDDEN)
                return
        else:
            self.user = None
        await self.accept()
        self.join_deadline = asyncio.create_task(self._close_unless_joined())

    async def _close_unless_joined(self) -> None:
        """An open socket that never joins only holds a connection: it is closed after a while."""
        await asyncio.sleep(settings.CALL_JOIN_TIMEOUT_SECONDS)
        if not self.joined:
            await self.close(code=JOIN_TIMEOUT)

    def _stop_join_deadline(self) -> None:
        if self.join_deadline is not None and self.join_deadline is not asyncio.current_task():
            self.join_deadline.cancel()
        self.join_deadline = None

    async def disconnect(self, code):
        self._stop_join_deadline()
        await self._free_mesh_place()
        if self.joined:
            await self._announce("left")
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.joined = False

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        now = time.monotonic()
        if now - self.window_start > protocol.RATE_WINDOW_SECONDS:
            self.window_start, self.window_frames = now, 0
        self.window_frames += 1
        if self.window_frames > protocol.MAX_FRAMES_PER_WINDOW:
            await self.send_error("rate_limited", "too many frames; slow down")
            return
        if text_data is None:
            await self.send_error("invalid", "text frames only")
            return
        # Characters never outnumber bytes: a long text is refused without encoding a copy.
        # (the web server cuts off anything beyond settings.WEBSOCKET_MAX_MESSAGE_SIZE unread.)
        if len(text_data) > protocol.MAX_FRAME_BYTES or len(text_data.encode()) > protocol.MAX_FRAME_BYTES:
            await self.send_error("too_large", f"frames are limited to {protocol.MAX_FRAME_BYTES} bytes")
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self.send_error("invalid", "not JSON")
            return
        await self.receive_json(content)

    async def receive_json(self, content, **kwargs):
        try:
            message = protocol.parse(content)
            if message["type"] != "join" and not self.joined:
                raise protocol.ProtocolError("not_joined", "send join first")
            await getattr(self, "on_" + message["type"].replace("-", "_"))(message)
        except protocol.ProtocolError as exc:
            await self.send_error(exc.code, exc.detail)
        except calls.CallRefused:
            await self.send_error("forbidden", "not allowed")

    async def send_error(self, code: str, detail: str) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail})

    # Messages from this participant.

    async def on_join(self, message):
        if self.joined:
            raise protocol.ProtocolError("already_joined", "already in the room")
        if self.seat is None:
            try:
                self.seat = await database_sync_to_async(calls.client_seat)(
                    room=self.room, reference=message.get("reference", ""), token=message.get("token", "")
                )
            except calls.CallRefused:
                await self.send_error("forbidden", "not allowed into this room")
                await self.close(code=FORBIDDEN)
                return
        self.admitted = self.seat.admitted
        media = calls.Media()
        if self.admitted:
            try:
                media = await self._admitted_media()
            except calls.CallFull:
                await self.send_error("room_full", "the call has no place for another connection")
                await self.close(code=ROOM_FULL)
                return
            if media is None:
                return
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        self._stop_join_deadline()
        ice_servers = await database_sync_to_async(calls.seat_ice_servers)(seat=self.seat, user=self.user)
        you = {
            "type": "presence",
            "op": "you",
            "peer": self.peer,
            "role": self.seat.role,
            "admitted": self.admitted,
            "iceServers": ice_servers,
        }
        if media.janus:
            you["janus"] = media.janus
            self.participant = media.janus["participant"]
        await self.send_json(you)
        await self._announce("joined", reply_to=self.channel_name)
        await self._lead_the_move(media)
        if not self.admitted:
            await database_sync_to_async(calls.mark_client_waiting)(seat=self.seat)
            await self.channel_layer.group_send(
                self.group, {"type": "call.waiting", "peer": self.peer, "role": self.seat.role}
            )

    async def on_presence(self, message):
        await self._announce("ping", reply_to=self.channel_name)

    async def on_admit(self, message):
        if not await self._still_seated():
            return
        await database_sync_to_async(calls.admit_client)(seat=self.seat, user=self.user)
        await self.channel_layer.group_send(self.group, {"type": "call.admit", "peer": message.get("peer")})

    async def on_offer(self, message):
        await self._relay(message)

    on_answer = on_offer
    on_ice_candidate = on_offer

    async def on_hang_up(self, message):
        await database_sync_to_async(calls.end_video_call)(seat=self.seat)
        await self.channel_layer.group_send(
            self.group, {"type": "call.hangup", "peer": self.peer, "role": self.seat.role}
        )

    async def on_leave(self, message):
        await self._leave(code=1000)

    async def _leave(self, *, code: int) -> None:
        await self.disconnect(code)
        await self.close(code=code)

    async def _still_seated(self) -> bool:
        """Ask the database again whether this seat still holds; if not, leave the room."""
        try:
            await database_sync_to_async(calls.current_seat)(seat=self.seat, user=self.user)
        except calls.CallRefused:
            await self.send_error("forbidden", "not allowed")
            await self._leave(code=FORBIDDEN)
            return False
        return True

    async def on_switch_to_phone(self, message):
        await database_sync_to_async(calls.request_phone_call)(seat=self.seat)
        await self.channel_layer.group_send(self.group, {"type": "call.switch", "peer": self.peer})

    async def _relay(self, message):
        if self.seat.group_session_id or self.on_janus:
            raise protocol.ProtocolError("invalid", "the media of this call goes through Janus")
        if not self.admitted:
            raise protocol.ProtocolError("not_admitted", "wait until you are admitted")
        if not await self._still_seated():
            return
        payload = {key: value for key, value in message.items() if key not in {"type", "to"}}
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "call.signal",
                "kind": message["type"],
                "from": self.peer,
                "to": message["to"],
                **payload,
            },
        )

    async def _announce(self, op: str, reply_to: str | None = None) -> None:
        event = {"type": "call.presence", "op": op, "peer": self.peer, "role": self.seat.role}
        event |= self._who()
        await self.channel_layer.group_send(
            self.group, {**event, "admitted": self.admitted, "reply_to": reply_to}
        )

    async def _admitted_media(self) -> calls.Media | None:
        """This connection's way in as it is admitted: a place on the mesh (kept while connected)
        or a Janus pass. CallFull goes to the caller; refused, it leaves and gets None."""
        try:
            media = await database_sync_to_async(calls.admitted_media)(
                seat=self.seat, connection=self.channel_name, user=self.user
            )
        except calls.CallFull:
            raise
        except calls.CallRefused as exc:
            await self._refused(exc)
            return None
        self.on_janus = media.janus is not None
        if not self.on_janus and self.mesh_place is None:
            self.mesh_place = asyncio.create_task(self._keep_mesh_place())
        return media

    async def _refused(self, exc: calls.CallRefused) -> None:
        """No pass for this connection: not allowed (it leaves for good), or Janus is down (it
        leaves, and the page tries again after a while)."""
        if isinstance(exc, calls.CallUnavailable):
            await self.send_error("unavailable", "the call server cannot be reached; try again soon")
            await self._leave(code=TRY_AGAIN_LATER)
        else:
            await self.send_error("forbidden", "not allowed")
            await self._leave(code=FORBIDDEN)

    async def _lead_the_move(self, media: calls.Media) -> None:
        """This connection moved the call onto Janus: everyone else in it follows."""
        if media.moved:
            await self.channel_layer.group_send(self.group, {"type": "call.move", "peer": self.peer})

    async def _keep_mesh_place(self) -> None:
        while True:
            await asyncio.sleep(mesh_places.KEEP_EVERY_SECONDS)
            kept = await sync_to_async(mesh_places.keep_mesh_place)(
                room=self.room, connection=self.channel_name
            )
            if not kept and not await sync_to_async(mesh_places.take_mesh_place)(
                room=self.room, connection=self.channel_name
            ):
                await self.send_error("room_full", "the call has no place for another connection")
                await self._leave(code=ROOM_FULL)
                return

    async def _free_mesh_place(self) -> None:
        if self.mesh_place is None:
            return
        if self.mesh_place is not asyncio.current_task():
            self.mesh_place.cancel()
        self.mesh_place = None
        await sync_to_async(mesh_places.free_mesh_place)(room=self.room, connection=self.channel_name)

    def _who(self) -> dict:
        """In a group room: a client's first name, and the Janus participant of a host or an
        interpreter, the speakers whose video clients see (everyone let in at once has one)."""
        return {"name": self.seat.name, "participant": self.participant}

    # Events from the room's group (and replies sent straight to this channel).

    async def call_presence(self, event):
        if event["peer"] == self.peer:
            return
        if event.get("reply_to"):
            await self.channel_layer.send(
                event["reply_to"],
                {
                    "type": "call.presence",
                    "op": "here",
                    "peer": self.peer,
                    "role": self.seat.role,
                    "admitted": self.admitted,
                    "reply_to": None,
                    **self._who(),
                },
            )
        if event["op"] != "ping":
            await self.send_json(
                {key: event[key] for key in ("op", "peer", "role", "admitted")}
                | {"type": "presence", "name": event.get("name", ""), "participant": event.get("participant")}
            )

    async def call_waiting(self, event):
        if event["peer"] != self.peer:
            await self.send_json({"type": "waiting", "peer": event["peer"], "role": event["role"]})

    async def call_admit(self, event):
        if self.seat.role != calls.Role.CLIENT or self.admitted or event.get("peer") not in {None, self.peer}:
            return
        if await self._still_seated():
            try:
                media = await self._admitted_media()
            except calls.CallFull:
                # The client goes on waiting; whoever let them in hears why nothing happened.
                await self.send_error("room_full", "the call is full; wait until someone leaves")
                await self.channel_layer.group_send(self.group, {"type": "call.full", "peer": self.peer})
                return
            if media is None:
                return
            admit = {"type": "admit", "peer": self.peer}
            if media.janus:
                admit["janus"] = media.janus
            self.admitted = True
            await self.send_json(admit)
            await self._announce("admitted")
            await self._lead_the_move(media)

    async def call_move(self, event):
        """A fourth person came into a one-to-one call: this connection leaves the mesh for Janus."""
        if event["peer"] == self.peer or not self.admitted or self.on_janus:
            return
        try:
            issued = await database_sync_to_async(calls.janus_pass)(seat=self.seat, user=self.user)
        except calls.CallRefused as exc:
            await self._refused(exc)
            return
        self.on_janus = True
        await self._free_mesh_place()
        await self.send_json({"type": "move", "janus": issued})

    async def call_signal(self, event):
        if event["to"] != self.peer or not self.admitted or not await self._still_seated():
            return
        payload = {key: value for key, value in event.items() if key not in {"type", "kind", "to"}}
        await self.send_json({"type": event["kind"], **payload})

    async def call_full(self, event):
        if self.seat.role != calls.Role.CLIENT:
            await self.send_json({"type": "full", "peer": event["peer"]})

    async def call_hangup(self, event):
        if event["peer"] != self.peer:
            await self.send_json({"type": "hang-up", "peer": event["peer"], "role": event["role"]})

    async def call_switch(self, event):
        await self.send_json({"type": "switch-to-phone", "peer": event["peer"]})


class FeedConsumer(AsyncJsonWebsocketConsumer):
    """A read-only live feed: joins the groups `feed_groups(user)` names and forwards their events."""

    @staticmethod
    def feed_groups(user) -> list[str]:
        raise NotImplementedError

    async def __call__(self, scope, receive, send):
        """Channels' consumer loop for the websocket alone: events come through this process's
        hub (realtime/fan_out.py), not through a channel of each feed's own.

        Channels waits on the websocket and the layer together with asyncio.wait and a new task
        for every message; with 2,000 feeds in a process that bookkeeping took most of an
        event's fan-out (py-spy in tests/bench/bench_websockets.py, issue #15).
        """
        self.scope, self.base_send = scope, send
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.hub = feed_hub(self.channel_layer)
        self.groups_joined: list[str] = []
        self.backlog: list[dict] = []  # rarely more than one event; a deque costs 600 bytes a feed
        self.accepted = False
        self.forwarding: asyncio.Task | None = None
        self.failure: BaseException | None = None
        self.consumer = asyncio.current_task()
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        except asyncio.CancelledError:
            if self.failure is None:
                raise
            raise self.failure from None  # ended by `fail`: with that error, as Channels' loop would
        finally:
            await self.hub.leave(self, self.groups_joined)
            if self.forwarding is not None:
                self.forwarding.cancel()

    def deliver(self, event: dict) -> None:
        """The hub hands over an event: forwarded at once, unless the socket is not accepted yet
        or an earlier event is still on its way (a full socket buffer, the recheck of the user's
        rights); then after those."""
        self.backlog.append(event)
        if self.accepted and self.forwarding is None:
            self._forward()

    def _forward(self) -> None:
        """Forwards the backlog here and now: forwarding a frame seldom has to wait, and only
        what does gets a task (a task for each of 2,000 frames was a sixth of a fan-out)."""
        forwarding = self._forward_backlog()
        try:
            waiting_on = forwarding.send(None)
        except StopIteration:
            return
        except Exception as error:
            self.fail(error)
            return
        self.forwarding = asyncio.ensure_future(_go_on(forwarding, waiting_on))
        self.forwarding.add_done_callback(self._forwarded)

    async def _forward_backlog(self) -> None:
        while self.backlog:
            await self.dispatch(self.backlog[0])
            self.backlog.pop(0)

    def _forwarded(self, forwarding: asyncio.Task) -> None:
        self.forwarding = None
        if not forwarding.cancelled() and forwarding.exception() is not None:
            self.fail(forwarding.exception())

    def fail(self, error: BaseException) -> None:
        """A failure while forwarding ends the feed with that error: no feed stays open that
        forwards nothing."""
        if self.failure is None:
            self.failure = error
            self.consumer.cancel()

    async def connect(self):
        user = self.scope.get("user")
        groups = await database_sync_to_async(self.feed_groups)(user) if user else []
        if not groups:
            await self.close(code=FORBIDDEN)
            return
        _forget_user(self.scope)
        self.groups_joined = groups
        await self.hub.join(self, groups)
        self.checked_at = time.monotonic()
        await self.accept()
        self.accepted = True
        if self.backlog:  # what came between joining and accepting
            self._forward()

    async def _still_allowed(self) -> bool:
        """A feed can stay open for a day: every so often, ask again whether its user may still see it.

        Logged out, deactivated, no longer a coordinator: the feed closes rather than go on
        forwarding what they may no longer see. Asked once FEED_RECHECK_SECONDS have passed.
        """
        self.checked_at = time.monotonic()
        groups = await database_sync_to_async(_current_feed_groups)(self.scope, self.feed_groups)
        return set(groups) >= set(self.groups_joined)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        try:
            ping = (
                text_data is not None and len(text_data) <= 256 and json.loads(text_data) == {"type": "ping"}
            )
        except ValueError:
            ping = False
        if ping:
            await self.send_json({"type": "pong"})
        else:
            await self.send_json(
                {"type": "error", "code": "read_only", "detail": "this feed only answers pings"}
            )

    async def dispatch(self, message):
        """Events skip Channels' hop to the database thread that comes before every other handler.

        That hop closes stale database connections; with 2,000 feeds in a process, each event
        queued 2,000 hops on the one thread (issue #15: 0.9 s to reach them all). Forwarding an
        event touches no database, and its occasional recheck runs in database_sync_to_async,
        which closes them itself.
        """
        if message["type"] == "event.message":
            await self.event_message(message)
        else:
            await super().dispatch(message)

    async def event_message(self, event):
        if time.monotonic() - self.checked_at >= FEED_RECHECK_SECONDS and not await self._still_allowed():
            await self.close(code=FORBIDDEN)
            return
        # Rendered once per event by appointments.events; sent as AsyncWebsocketConsumer.send
        # would, without its two coroutines for every frame of a fan-out.
        await self.base_send({"type": "websocket.send", "text": event["text"]})


class _GoingOn:
    """Awaiting this goes on with a coroutine started by hand, now waiting on what it yielded:
    what `yield from` does, for a coroutine that has already begun."""

    def __init__(self, coroutine, waiting_on) -> None:
        self.coroutine, self.waiting_on = coroutine, waiting_on

    def __await__(self):
        coroutine, waiting_on = self.coroutine, self.waiting_on
        while True:
            try:
                sent = yield waiting_on
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as error:  # the task's cancellation, into the coroutine
                try:
                    waiting_on = coroutine.throw(error)
                except StopIteration as done:
                    return done.value
            else:
                try:
                    waiting_on = coroutine.send(sent)
                except StopIteration as done:
                    return done.value


async def _go_on(coroutine, waiting_on):
    return await _GoingOn(coroutine, waiting_on)


def _forget_user(scope) -> None:
    """A feed needs only its session once open (the recheck reads the user afresh): the user
    object and its second-factor device would otherwise stay in memory for as long as it is."""
    user = scope.get("user")
    if isinstance(user, LazyObject):
        user._wrapped = empty


def _current_feed_groups(scope, feed_groups) -> list[str]:
    """The groups the scope's session may follow now, read afresh from the database."""
    session = scope.get("session")
    user_id = (
        session.get(SESSION_KEY) if session is not None and session.exists(session.session_key) else None
    )
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    return feed_groups(user) if user is not None else []


class StaffConsumer(FeedConsumer):
    """A caseworker's live feed (a coordinator's includes the office)."""

    feed_groups = staticmethod(staff_feed_groups)


class InterpreterConsumer(FeedConsumer):
    """Offers and taken requests for an interpreter; the page refetches its lists over HTTP on each."""

    feed_groups = staticmethod(interpreter_feed_groups)
