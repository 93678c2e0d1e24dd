"""The per-process fan-out of the live feeds: one layer member per group and process, every
feed gets every event of its groups in order, and a slow or failing one holds up nobody else."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

from appointments.events import caseworker_group
from realtime import consumers
from realtime.fan_out import FeedHub
from tests.factories import CaseworkerFactory
from tests.realtime.conftest import cookie_for, open_socket
from tests.realtime.test_channel_layer import pubsub_layer


class Feed:
    def __init__(self) -> None:
        self.texts: list[str] = []
        self.error: BaseException | None = None

    def deliver(self, event: dict) -> None:
        self.texts.append(event["text"])

    def fail(self, error: BaseException) -> None:
        self.error = error


async def until(condition, timeout: float = 3) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


def event(text: str) -> dict:
    return {"type": "event.message", "text": text}


def test_the_feeds_of_a_process_share_one_member_of_each_group():
    async def scenario():
        layer = InMemoryChannelLayer()
        hub = FeedHub(layer)
        first, second, elsewhere = Feed(), Feed(), Feed()
        await hub.join(first, ["office", "mine"])
        await hub.join(second, ["office"])
        await hub.join(elsewhere, ["theirs"])
        assert len(layer.groups["office"]) == 1
        await layer.group_send("office", event("1"))
        await layer.group_send("mine", event("2"))
        await until(lambda: first.texts == ["1", "2"] and second.texts == ["1"])

        await hub.leave(first, ["office", "mine"])
        assert not layer.groups.get("mine")
        await layer.group_send("office", event("3"))
        await until(lambda: second.texts == ["1", "3"])
        await hub.leave(second, ["office"])
        await hub.leave(elsewhere, ["theirs"])
        assert not any(layer.groups.values())
        assert hub.groups == {}
        assert first.texts == ["1", "2"]

    asyncio.run(scenario())


def test_feeds_racing_to_join_and_leave_a_group_on_redis_keep_one_member_and_miss_nothing(shared_redis):
    """Twenty feeds join a group nobody follows yet at once; then the last ones leave while new
    ones join: every feed in the group at a send gets the event, and the process has one member."""

    async def scenario():
        layer = pubsub_layer(shared_redis)
        hub = FeedHub(layer)
        first = [Feed() for _ in range(20)]
        await asyncio.gather(*(hub.join(feed, ["office"]) for feed in first))
        assert list(hub.groups) == ["office"]
        assert [len(members) for members in layer.groups.values()] == [1]  # one channel for all 20
        await layer.group_send("office", event("1"))
        await until(lambda: all(feed.texts == ["1"] for feed in first))

        later = [Feed() for _ in range(5)]
        await asyncio.gather(
            *(hub.leave(feed, ["office"]) for feed in first),
            *(hub.join(feed, ["office"]) for feed in later),
        )
        await layer.group_send("office", event("2"))
        await until(lambda: all(feed.texts == ["2"] for feed in later))
        assert all(feed.texts == ["1"] for feed in first)
        await asyncio.gather(*(hub.leave(feed, ["office"]) for feed in later))
        assert (hub.groups, layer.channels, layer.groups) == ({}, {}, {})
        await layer.flush()

    asyncio.run(scenario())


def test_two_processes_on_redis_each_get_a_group_event_once(shared_redis):
    async def scenario():
        layers = [pubsub_layer(shared_redis), pubsub_layer(shared_redis)]
        hubs = [FeedHub(layer) for layer in layers]
        feeds = [Feed(), Feed(), Feed()]
        await hubs[0].join(feeds[0], ["office"])
        await hubs[0].join(feeds[1], ["office"])
        await hubs[1].join(feeds[2], ["office"])
        await layers[1].group_send("office", event("booked"))
        await until(lambda: all(feed.texts for feed in feeds))
        await asyncio.sleep(0.1)
        assert [feed.texts for feed in feeds] == [["booked"]] * 3
        for hub, feed in [(hubs[0], feeds[0]), (hubs[0], feeds[1]), (hubs[1], feeds[2])]:
            await hub.leave(feed, ["office"])
        # The readers' channels and the groups are let go of, in Redis too.
        assert [(layer.channels, layer.groups) for layer in layers] == [({}, {})] * 2
        for layer in layers:
            await layer.flush()

    asyncio.run(scenario())


def test_a_layer_that_fails_ends_the_feeds_of_the_group_and_a_new_feed_starts_afresh():
    class FailingOnce(InMemoryChannelLayer):
        failed = False

        async def receive(self, channel):
            if not self.failed:
                self.failed = True
                raise ConnectionError("Redis went away")
            return await super().receive(channel)

    async def scenario():
        layer = FailingOnce()
        hub = FeedHub(layer)
        feed, later = Feed(), Feed()
        await hub.join(feed, ["office"])
        await until(lambda: feed.error is not None)
        assert str(feed.error) == "Redis went away"
        assert hub.groups == {}
        await hub.join(later, ["office"])
        await layer.group_send("office", event("1"))
        await until(lambda: later.texts == ["1"])
        assert feed.texts == []
        await hub.leave(later, ["office"])

    asyncio.run(scenario())


def test_a_group_followed_for_longer_than_the_layer_keeps_members_stays_followed():
    """The list layer forgets a member after `group_expiry`; the hub adds its own again in time."""

    async def scenario():
        layer = InMemoryChannelLayer(group_expiry=1)
        hub = FeedHub(layer)
        feed = Feed()
        await hub.join(feed, ["office"])
        await asyncio.sleep(2.6)  # expired, had it not been added again
        await layer.group_send("office", event("1"))
        await until(lambda: feed.texts == ["1"])
        await hub.leave(feed, ["office"])

    asyncio.run(scenario())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_feed_whose_socket_is_slow_gets_its_events_in_order_and_holds_up_nobody(monkeypatch):
    caseworker = CaseworkerFactory()
    group = caseworker_group(caseworker.pk)
    forward = consumers.FeedConsumer.event_message
    release = asyncio.Event()
    held = []

    async def slow_for_the_first_feed(self, message):
        if not held or held[0] is self:
            held[:1] = [self]
            await release.wait()
        await forward(self, message)

    monkeypatch.setattr(consumers.FeedConsumer, "event_message", slow_for_the_first_feed)

    async def scenario():
        cookie = await cookie_for(caseworker.user)
        sockets = [(await open_socket("/ws/staff/", cookie=cookie))[0] for _ in range(2)]
        for text in ["1", "2", "3"]:
            await get_channel_layer().group_send(group, event(text))
        # The second feed has all three while the first is still held at its first.
        assert [await sockets[1].receive_from(timeout=2) for _ in range(3)] == ["1", "2", "3"]
        assert await sockets[0].receive_nothing(timeout=0.2)
        release.set()
        assert [await sockets[0].receive_from(timeout=2) for _ in range(3)] == ["1", "2", "3"]
        for socket in sockets:
            await socket.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_event_between_joining_and_accepting_is_forwarded_once_accepted(monkeypatch):
    caseworker = CaseworkerFactory()
    accept = consumers.FeedConsumer.accept

    async def accept_after_an_event(self, *args, **kwargs):
        await get_channel_layer().group_send(caseworker_group(caseworker.pk), event("early"))
        await asyncio.sleep(0.1)  # the hub hands it over meanwhile
        await accept(self, *args, **kwargs)

    monkeypatch.setattr(consumers.FeedConsumer, "accept", accept_after_an_event)

    async def scenario():
        socket, connected, _ = await open_socket("/ws/staff/", cookie=await cookie_for(caseworker.user))
        assert connected
        assert await socket.receive_from(timeout=2) == "early"
        await socket.disconnect()

    async_to_sync(scenario)()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_feed_that_closes_while_an_event_waits_ends_that_wait(monkeypatch):
    """What waits to be forwarded is cancelled with the feed, not left behind on the loop."""
    caseworker = CaseworkerFactory()
    waiting, ended = asyncio.Event(), []

    async def waits_forever(self, message):
        waiting.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            ended.append(message["text"])
            raise

    monkeypatch.setattr(consumers.FeedConsumer, "event_message", waits_forever)

    async def scenario():
        socket, connected, _ = await open_socket("/ws/staff/", cookie=await cookie_for(caseworker.user))
        assert connected
        await get_channel_layer().group_send(caseworker_group(caseworker.pk), event("1"))
        await asyncio.wait_for(waiting.wait(), 2)
        await socket.disconnect()
        await until(lambda: ended == ["1"])

    async_to_sync(scenario)()
