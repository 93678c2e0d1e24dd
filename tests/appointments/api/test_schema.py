"""The OpenAPI 3 document at /api/schema/, the docs page, and the schema's own validation."""

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

ENDPOINTS = {
    "/api/v1/topics/": {"get"},
    "/api/v1/slots/": {"get"},
    "/api/v1/phone-verifications/": {"post"},
    "/api/v1/phone-verifications/{verification_id}/confirm/": {"post"},
    "/api/v1/bookings/": {"post"},
    "/api/v1/bookings/{reference}/": {"get"},
    "/api/v1/bookings/{reference}/reschedule/": {"post"},
    "/api/v1/bookings/{reference}/cancel/": {"post"},
    "/api/v1/bookings/{reference}/calendar.ics": {"get"},
    "/api/v1/interpreter-requests/": {"get"},
    "/api/v1/interpreter-requests/assignments/": {"get"},
    "/api/v1/interpreter-requests/{request_id}/accept/": {"post"},
    "/api/v1/interpreter-requests/{request_id}/decline/": {"post"},
    "/api/v1/interpreter-requests/{request_id}/withdraw/": {"post"},
    "/api/v1/interpreter-figures/": {"get"},
    "/api/v1/invitations/": {"get", "post"},
}


@pytest.fixture
def schema(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_is_a_valid_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document


def test_lists_every_endpoint_with_its_methods(schema):
    paths = {path: set(operations) - {"parameters"} for path, operations in schema["paths"].items()}

    assert paths == ENDPOINTS


def test_times_are_documented_as_date_times(schema):
    booking = schema["components"]["schemas"]["BookingOut"]["properties"]
    slot = schema["components"]["schemas"]["Slot"]["properties"]

    assert booking["start"]["format"] == "date-time"
    assert slot["start"]["format"] == "date-time"


def test_documents_the_refusals_of_a_booking(schema):
    responses = schema["paths"]["/api/v1/bookings/"]["post"]["responses"]

    assert {"201", "400", "409", "429"} <= set(responses)


def test_the_docs_page_is_html(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"swagger-ui" in response.content


def test_spectacular_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))

    assert "/api/v1/bookings/" in (tmp_path / "schema.yml").read_text()
