"""The pub/sub channel layer on real Redis: a group event of one Redis database never reaches another's."""

import asyncio

from channels_redis.pubsub import RedisPubSubChannelLayer

from backend.settings import redis_channel_layer


def pubsub_layer(url: str) -> RedisPubSubChannelLayer:
    return RedisPubSubChannelLayer(**redis_channel_layer(url, "pubsub")["CONFIG"])


def test_groups_of_two_redis_databases_stay_apart(shared_redis):
    """Redis pub/sub ignores the database number; without the layer's prefix both would hear each other."""
    neighbour = shared_redis.rsplit("/", 1)[0] + "/0"  # pub/sub stores nothing there

    async def scenario():
        ours, theirs = pubsub_layer(shared_redis), pubsub_layer(neighbour)
        channel = await ours.new_channel()
        await ours.group_add("staff.office.1", channel)
        await theirs.group_send("staff.office.1", {"type": "event.message", "text": "theirs"})
        await ours.group_send("staff.office.1", {"type": "event.message", "text": "ours"})
        message = await asyncio.wait_for(ours.receive(channel), 5)
        await ours.flush()
        await theirs.flush()
        return message["text"]

    assert asyncio.run(scenario()) == "ours"
