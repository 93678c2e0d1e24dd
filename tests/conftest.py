"""Shared test set-up: in-memory SMS, fast hashing, a clean cache, German again after each test, a
frozen Monday, the PostgreSQL rule."""

import os
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from appointments.providers import sms
from tests.scenario import MONDAY_MORNING, people  # noqa: F401  (the shared people, for every test)


@pytest.fixture(autouse=True)
def _in_memory_providers(settings):
    # Fast hashing: tests create many users; production keeps Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.SMS_BACKEND = "appointments.providers.sms.InMemoryBackend"
    sms.outbox.clear()
    cache.clear()
    yield
    sms.outbox.clear()
    # A request through the test client leaves its language active in this thread: the next test
    # would get its messages in, say, Leichte Sprache.
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture
def shared_slot_cache(settings):
    """Free times kept in the cache as production keeps them in Redis (locmem here, emptied above)."""
    settings.SLOT_CACHE_SECONDS = 60


@pytest.fixture
def now(time_machine):
    time_machine.move_to(MONDAY_MORNING, tick=False)
    return MONDAY_MORNING


@pytest.fixture
def shared_redis():
    """A Redis database of this test process's own (xdist workers share ids across their test
    databases, so a shared Redis would cross their groups), emptied before and after.
    TEST_REDIS_DB_BASE moves the numbers for a second test run beside the first."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    base = int(os.environ.get("TEST_REDIS_DB_BASE", "10"))
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/{db}").format(db=base + int(worker or 0))
    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    except redis.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis at {url} is needed in CI")
        pytest.skip(f"Redis at {url} is not reachable")
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def sms_outbox():
    return sms.outbox


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` commit for real (other connections must see their data).

    Runs before pytest-django's own hook, which then orders these tests after all others;
    the serialized rollback restores what data migrations wrote (the languages) after each flush.
    """
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs on PostgreSQL; this test must not be skipped there")
        pytest.skip("needs PostgreSQL (set DATABASE_URL or run `make test`)")


@pytest.fixture(scope="session")
def running_janus(tmp_path_factory):
    """One real Janus for the test process (tests/janus.py), started from deploy/janus/start.sh."""
    from tests.janus import start_janus

    server = start_janus(tmp_path_factory.mktemp("janus"))
    yield server
    server.stop()


@pytest.fixture
def janus_server(settings, running_janus):
    """That Janus, with this test's settings pointed at it (VIDEO_BACKEND=janus)."""
    from tests.janus import use_janus

    return use_janus(settings, running_janus)


@pytest.fixture
def no_sms_codes(office):
    """The test's office books without confirming numbers by SMS code first."""
    office.require_phone_verification = False
    office.save()


@pytest.fixture
def group_topic(office):
    """A group topic (in person, an hour) of the test's office."""
    from tests.factories import TopicFactory

    return TopicFactory(
        office=office,
        name="Gruppeninformation",
        group=True,
        modes=["in_person"],
        duration=timedelta(minutes=60),
    )
