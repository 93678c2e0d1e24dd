"""Schemathesis against /api/schema/: generated requests get no 5xx and answers that match the schema.

Bounded and deterministic (25 examples per operation, derandomised), through the WSGI app in this
process, so it runs on the test database with a bookable topic in it.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend.wsgi import application
from tests.factories import CaseworkerFactory, TopicFactory, week_of_hours

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Loaded once at collection (the schema view needs no database); schemathesis' from_fixture
# does not work with pytest 9 (it reads `request.node._nodeid`).
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture
def wsgi_in_the_test_transaction():
    """Like Django's test client: the handler must not close the test's connection after each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bookable(db, settings, wsgi_in_the_test_transaction):
    # Throttles would answer 429 long before 25 examples; they have tests of their own.
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    topic = TopicFactory(slug="leistungen")
    week_of_hours(CaseworkerFactory(office=topic.office, topics=[topic]), weekdays=range(7))
    return topic


@pytest.mark.usefixtures("bookable")
@schema.parametrize()
@settings(
    max_examples=25,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_to_its_schema_and_never_fails(case):
    case.call_and_validate(checks=CHECKS)
