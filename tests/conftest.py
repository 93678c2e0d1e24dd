"""Shared test set-up: in-memory SMS, a clean cache, and the PostgreSQL marker's rule."""

import os

import pytest
from django.core.cache import cache
from django.db import connection

from appointments.providers import sms


@pytest.fixture(autouse=True)
def _in_memory_providers(settings):
    settings.SMS_BACKEND = "appointments.providers.sms.InMemoryBackend"
    sms.outbox.clear()
    cache.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def sms_outbox():
    return sms.outbox


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.usefixtures("_require_postgres"))


@pytest.fixture
def _require_postgres(transactional_db):
    if connection.vendor != "postgresql":
        if os.environ.get("CI") == "true":
            pytest.fail("CI runs on PostgreSQL; this test must not be skipped there")
        pytest.skip("needs PostgreSQL (set DATABASE_URL or run `make test`)")
