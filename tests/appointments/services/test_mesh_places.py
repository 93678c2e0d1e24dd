"""A one-to-one call's mesh: three places, kept while held, freed on leaving, no fourth in a race."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.core.cache import cache

from appointments.services.mesh_places import (
    MESH_PLACES,
    PLACE_SECONDS,
    free_mesh_place,
    keep_mesh_place,
    take_mesh_place,
)


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_three_connections_get_a_place_and_a_fourth_does_not():
    taken = [take_mesh_place(room="r1", connection=f"c{number}") for number in range(MESH_PLACES + 1)]
    assert taken == [True, True, True, False]
    # Another room is not affected, and a holder asking again keeps its own place.
    assert take_mesh_place(room="r2", connection="c3")
    assert take_mesh_place(room="r1", connection="c0")
    assert not take_mesh_place(room="r1", connection="c3")


def test_a_freed_place_goes_to_the_next_connection():
    for number in range(MESH_PLACES):
        take_mesh_place(room="r1", connection=f"c{number}")
    free_mesh_place(room="r1", connection="c1")
    assert not keep_mesh_place(room="r1", connection="c1")
    assert take_mesh_place(room="r1", connection="c9")
    assert not take_mesh_place(room="r1", connection="c1")


def test_a_place_nobody_keeps_expires_and_a_kept_one_does_not(time_machine):
    time_machine.move_to("2026-12-01 10:00 +01:00", tick=False)
    for number in range(MESH_PLACES):
        take_mesh_place(room="r1", connection=f"c{number}")
    time_machine.shift(PLACE_SECONDS * 2 / 3)
    assert keep_mesh_place(room="r1", connection="c0")
    time_machine.shift(PLACE_SECONDS * 2 / 3)
    # c1 and c2 went silent (their process died): their places are free again; c0's is not.
    assert keep_mesh_place(room="r1", connection="c0")
    assert not keep_mesh_place(room="r1", connection="c1")
    assert [take_mesh_place(room="r1", connection=f"n{number}") for number in range(3)] == [True, True, False]


def test_connections_racing_on_redis_get_three_places_at_most(settings, shared_redis):
    attempts = 12
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": shared_redis}
    }
    barrier = threading.Barrier(attempts)

    def attempt(number: int) -> bool:
        barrier.wait()
        return take_mesh_place(room="raced", connection=f"c{number}")

    with ThreadPoolExecutor(attempts) as pool:
        taken = list(pool.map(attempt, range(attempts)))
    assert taken.count(True) == MESH_PLACES
    holders = {cache.get(f"mesh-place:raced:{number}") for number in range(MESH_PLACES)}
    assert holders == {f"c{number}" for number, won in enumerate(taken) if won}
    assert len(redis.Redis.from_url(shared_redis).keys("*mesh-place:raced:*")) == MESH_PLACES
