"""The free times the public pages show, cached for all web processes and dropped by every change
that can alter availability.

Every entry is stored with the *generation* it was computed in, one counter in the shared cache.
Saving or deleting anything `free_slots` reads (hours, absences, own-calendar busy times,
appointments, group sessions, closures, caseworkers, topics, offices, languages) moves the counter
on once the transaction has committed, so no later request takes an entry computed before that
change: a request reads the counter (with the entry, in one round trip) before it reads the
database, and takes an entry only of the counter it read. A request that began before the commit
may still store what it computed, but with the old generation, which nobody takes any more.

Changes that bypass model signals (`QuerySet.update`, `bulk_create`) call `availability_changed`
themselves. The entries' lifetime (`SLOT_CACHE_SECONDS`) bounds the harm of a counter that could
not be moved (the cache unreachable just then). Without a cache shared by all processes (no
`REDIS_URL`) the lifetime is 0 and nothing is cached: a per-process cache would not hear the
message worker's changes.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from redis import RedisError

logger = logging.getLogger(__name__)

GENERATION = "free-slots:generation"


def remembered[T](parts: tuple, compute: Callable[[], T], *, seconds: int | None = None) -> T:
    """`compute()`, or what it returned for the same `parts` since availability last changed,
    if that was less than `seconds` ago (SLOT_CACHE_SECONDS unless shorter)."""
    if not settings.SLOT_CACHE_SECONDS:
        return compute()
    seconds = min(seconds or settings.SLOT_CACHE_SECONDS, settings.SLOT_CACHE_SECONDS)
    key = "free-slots:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    try:
        found = cache.get_many([GENERATION, key])
        generation = found.get(GENERATION)
        if generation is None:
            generation = _fresh_generation()
    except RedisError:  # an outage of the cache costs speed, never an answer
        logger.warning("free-slots cache unreachable; computing without it", exc_info=True)
        return compute()
    kept = found.get(key)
    if kept is not None and kept[0] == generation:
        return kept[1]
    value = compute()
    try:
        cache.set(key, (generation, value), seconds)
    except RedisError:
        logger.warning("free-slots cache unreachable; result not kept", exc_info=True)
    return value


def this_second(now: datetime) -> datetime:
    """`now` rounded up to the whole second. Start times and notices are whole seconds (minutes,
    in fact), so the times bookable at `now` and at this instant are the same ones: an answer
    computed for it serves every request of that second."""
    return now if not now.microsecond else now.replace(microsecond=0) + timedelta(seconds=1)


def _fresh_generation() -> int:
    # A fresh counter starts past every earlier one, so entries of a counter the cache has lost
    # can never be taken again.
    cache.add(GENERATION, time.time_ns(), timeout=None)
    return cache.get(GENERATION)


def _move_on() -> None:
    try:
        cache.incr(GENERATION)
    except ValueError:  # no counter yet (or evicted): a fresh one is already ahead
        cache.add(GENERATION, time.time_ns(), timeout=None)
    except RedisError:
        logger.warning(
            "free-slots cache unreachable; cached free times may be stale for %ss",
            settings.SLOT_CACHE_SECONDS,
            exc_info=True,
        )


def availability_changed() -> None:
    """Drop every cached free time, once the current transaction (if any) has committed."""
    if settings.SLOT_CACHE_SECONDS:
        transaction.on_commit(_move_on, robust=True)


def _changed(action: str = "post", **kwargs) -> None:
    if action.startswith("post"):  # m2m_changed also sends pre_add, pre_remove, pre_clear
        availability_changed()


# Everything `free_slots` reads, and the relations between them it follows.
WATCHED = (
    "Absence",
    "Appointment",
    "AvailabilityRule",
    "CalendarBusy",
    "Caseworker",
    "ExtraHours",
    "GroupSession",
    "Language",
    "Office",
    "OfficeClosure",
    "Topic",
)
WATCHED_RELATIONS = (("Caseworker", "topics"), ("Caseworker", "languages"), ("GroupSession", "hosts"))


def watch_availability() -> None:
    """Connect the model signals of everything `free_slots` reads (called once, at start-up)."""
    for name in WATCHED:
        model = apps.get_model("appointments", name)
        post_save.connect(_changed, sender=model, dispatch_uid=f"free-slots-save-{name}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"free-slots-delete-{name}")
    for name, relation in WATCHED_RELATIONS:
        through = getattr(apps.get_model("appointments", name), relation).through
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"free-slots-m2m-{name}-{relation}")
