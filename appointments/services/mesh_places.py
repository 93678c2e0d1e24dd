"""The places of a one-to-one call's peer-to-peer mesh: at most three connections send media at once.

In a mesh each connection sends its picture to every other one; a phone's uplink carries that
to two others, not to three. So a room has MESH_PLACES places, and an admitted connection takes
one before its media flows. The places live in the cache (Redis in production, shared by every
web process): taking one is an atomic `add` of a key only one connection can hold, and a place
expires unless its connection keeps it, so a process that dies frees its places within a minute.
"""

from django.core.cache import cache

MESH_PLACES = 3
PLACE_SECONDS = 60
# How often a connection says it still holds its place: well inside PLACE_SECONDS.
KEEP_EVERY_SECONDS = 20


def _keys(room: str) -> list[str]:
    return [f"mesh-place:{room}:{number}" for number in range(MESH_PLACES)]


def take_mesh_place(*, room: str, connection: str) -> bool:
    """A place in the room's mesh for this connection (the one it holds already, or a free one);
    False when all MESH_PLACES are held by other connections."""
    keys = _keys(room)
    if connection in cache.get_many(keys).values():
        return keep_mesh_place(room=room, connection=connection)
    return any(cache.add(key, connection, timeout=PLACE_SECONDS) for key in keys)


def keep_mesh_place(*, room: str, connection: str) -> bool:
    """The connection still holds its place (for another PLACE_SECONDS); False if it has lost it."""
    held = [key for key, holder in cache.get_many(_keys(room)).items() if holder == connection]
    return any(cache.touch(key, PLACE_SECONDS) for key in held)


def free_mesh_place(*, room: str, connection: str) -> None:
    """The connection left: its place is free for the next one."""
    held = [key for key, holder in cache.get_many(_keys(room)).items() if holder == connection]
    cache.delete_many(held)
