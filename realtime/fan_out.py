"""Per-process fan-out for the live feeds: one channel-layer member per group and process.

An event to a group arrives once in each server process and is handed there to every feed of
the group, in one pass, instead of once per feed through its own channel, queue and task
(issue #15: with 2,000 feeds, the event loop's bookkeeping for those was most of the fan-out).
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Iterable
from typing import Protocol


class Feed(Protocol):
    def deliver(self, event: dict) -> None:
        """Forward the event; called for each, in order, without awaiting anything."""

    def fail(self, error: BaseException) -> None:
        """The group's events can no longer be read: end the feed with this error."""


class _Group:
    """A group some feeds of this process follow: its channel, the tasks reading and keeping it,
    and the feeds, as an ordered set."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.feeds: dict[Feed, None] = {}
        self.tasks: list[asyncio.Task] = []


class FeedHub:
    """The feeds of one event loop on one channel layer, by the groups they follow."""

    def __init__(self, layer) -> None:
        self.layer = layer
        self.groups: dict[str, _Group] = {}
        # Joins and leaves change the layer's membership one at a time, so a group is never
        # discarded in the layer while a feed is joining it.
        self.lock = asyncio.Lock()

    async def join(self, feed: Feed, names: Iterable[str]) -> None:
        """Once this returns, the feed gets every event sent to these groups."""
        names = list(names)
        if all(name in self.groups for name in names):  # the common case: all followed already
            for name in names:
                self.groups[name].feeds[feed] = None
            return
        async with self.lock:
            for name in names:
                group = self.groups.get(name)
                if group is None:
                    group = _Group(await self.layer.new_channel())
                    await self.layer.group_add(name, group.channel)
                    group.tasks.append(asyncio.create_task(self._forward(name, group)))
                    # The list layer forgets a member after `group_expiry` (a day); a group can be
                    # followed in a process for longer than any one feed stays open.
                    expiry = getattr(self.layer, "group_expiry", None)
                    if expiry:
                        group.tasks.append(asyncio.create_task(self._stay_member(name, group, expiry / 2)))
                    self.groups[name] = group
                group.feeds[feed] = None

    async def leave(self, feed: Feed, names: Iterable[str]) -> None:
        """The feed gets no more events; a group no feed follows any more leaves the layer."""
        emptied = []
        for name in names:  # at once, before anything is awaited: a closed feed is handed nothing
            group = self.groups.get(name)
            if group is not None and feed in group.feeds:
                del group.feeds[feed]
                if not group.feeds:
                    emptied.append(name)
        if not emptied:  # the common case: others still follow every group
            return
        async with self.lock:
            for name in emptied:
                group = self.groups.get(name)
                if group is not None and not group.feeds:  # nobody joined meanwhile
                    del self.groups[name]
                    await self.layer.group_discard(name, group.channel)
                    await self._stop(group)

    async def _stop(self, group: _Group) -> None:
        # Cancelling its reader is what makes the layer let go of the channel.
        for task in group.tasks:
            task.cancel()
        for task in group.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _forward(self, name: str, group: _Group) -> None:
        try:
            while True:
                event = await self.layer.receive(group.channel)
                for feed in tuple(group.feeds):
                    feed.deliver(event)
        except Exception as error:  # the layer failed: the feeds end, and their pages reconnect
            if self.groups.get(name) is group:
                del self.groups[name]
            for task in group.tasks:
                if task is not asyncio.current_task():
                    task.cancel()
            for feed in tuple(group.feeds):
                feed.fail(error)

    async def _stay_member(self, name: str, group: _Group, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            async with self.lock:
                await self.layer.group_add(name, group.channel)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[object, FeedHub]] = (
    weakref.WeakKeyDictionary()
)


def feed_hub(layer) -> FeedHub:
    """The hub of the running event loop (a server process has one) for this channel layer."""
    by_layer = _hubs.setdefault(asyncio.get_running_loop(), {})
    hub = by_layer.get(layer)
    if hub is None:
        hub = by_layer[layer] = FeedHub(layer)
    return hub
