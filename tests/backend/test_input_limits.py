"""Bad input is a 4xx with a clear message in the user's language, never a 500, and writes nothing."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from rest_framework.test import APIClient

from appointments.models import Appointment, Topic
from tests.appointments.api.conftest import booking_body
from tests.factories import CaseworkerFactory, TopicFactory, week_of_hours

pytestmark = pytest.mark.django_db

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def api(now):
    return APIClient()


@pytest.fixture
def topic(db):
    topic = TopicFactory(slug="leistungen")
    week_of_hours(CaseworkerFactory(office=topic.office, topics=[topic]))
    return topic


def post_json(api, body: bytes, **extra):
    return api.post("/api/v1/bookings/", body, content_type="application/json", **extra)


class TestBodySize:
    def padded(self, topic, size: int) -> bytes:
        body = booking_body(topic)
        body["client"]["name"] = ""
        filler = size - len(json.dumps(body).encode())
        body["client"]["name"] = "x" * filler
        encoded = json.dumps(body).encode()
        assert len(encoded) == size
        return encoded

    def test_a_body_over_the_limit_is_413_in_the_users_language(self, api, topic, settings):
        too_big = self.padded(topic, settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

        english = post_json(api, too_big, **ENGLISH)
        german = post_json(api, too_big)

        assert english.status_code == german.status_code == 413
        assert english.json() == {"detail": "The request is too large; at most 256 KB are accepted."}
        assert german.headers["Content-Language"] == "de"
        assert list(german.json()) == ["detail"]
        assert Appointment.objects.count() == 0

    def test_a_body_at_the_limit_is_read_and_validated(self, api, topic, settings):
        response = post_json(api, self.padded(topic, settings.DATA_UPLOAD_MAX_MEMORY_SIZE))

        assert response.status_code == 400
        assert list(response.json()) == ["client"]  # the name is too long, the body was fine

    def test_the_limit_is_256_kb(self, settings):
        # Far above any real request (a booking is under 1 KB), far below Django's 2.5 MB default.
        assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 256 * 1024

    def test_an_oversized_form_on_a_page_is_400(self, client, settings):
        response = client.post("/m/", {"phone": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

        assert response.status_code == 400


class TestContent:
    @pytest.mark.parametrize(
        "content_type",
        ["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/yaml"],
    )
    def test_an_unexpected_content_type_is_415(self, api, topic, content_type):
        response = api.post("/api/v1/bookings/", b"topic: leistungen", content_type=content_type, **ENGLISH)

        assert response.status_code == 415
        assert response.json()["detail"].startswith("Unsupported media type")
        assert Appointment.objects.count() == 0

    @pytest.mark.parametrize(
        "payload", [b'{"topic": "\xff\xfe"}', b'{"topic": "leistungen", "mode": "vid\xc3"}', b"\xed\xa0\x80"]
    )
    def test_a_body_that_is_not_utf8_is_400_with_detail(self, api, topic, payload):
        response = post_json(api, payload, **ENGLISH)

        assert response.status_code == 400
        assert response.json()["detail"].startswith("JSON parse error")

    def test_a_time_without_its_offset_is_explained(self, api, topic):
        body = json.dumps(booking_body(topic, start="2026-12-01T09:00:00")).encode()

        response = post_json(api, body, **ENGLISH)

        assert response.status_code == 400
        assert response.json() == {
            "start": ["Give the time with its UTC offset, for example 2026-12-01T09:00:00+01:00."]
        }

    def test_a_time_without_its_offset_is_refused_in_german_by_default(self, api, topic):
        body = json.dumps(booking_body(topic, start="2026-12-01T09:00:00")).encode()

        response = post_json(api, body)

        assert response.status_code == 400
        assert response.headers["Content-Language"] == "de"
        assert list(response.json()) == ["start"]

    def test_a_range_that_ends_before_it_starts_is_explained(self, api, topic):
        query = {"topic": topic.slug, "date_from": "2026-12-02", "date_to": "2026-12-01"}

        response = api.get("/api/v1/slots/", query, **ENGLISH)

        assert response.status_code == 400
        assert response.json() == {"date_to": ["The end date lies before the start date."]}


class TestNegativeDurations:
    @pytest.mark.parametrize(
        ("field", "value"),
        [("duration", timedelta(minutes=-30)), ("duration", timedelta(0)), ("buffer_before", timedelta(-1))],
    )
    def test_a_topic_with_a_negative_or_empty_time_is_a_validation_error(self, topic, field, value):
        setattr(topic, field, value)

        with translation.override("en"), pytest.raises(ValidationError):
            topic.full_clean()
        assert Topic.objects.get(pk=topic.pk).duration == timedelta(minutes=30)

    def test_an_office_with_a_negative_notice_is_a_validation_error(self, topic):
        office = topic.office
        office.min_notice = timedelta(hours=-1)

        with pytest.raises(ValidationError):
            office.full_clean()


class TestQueryString:
    def test_too_many_query_parameters_are_400_not_500(self, api, topic):
        query = "&".join(["p=1"] * 1001)

        response = api.get(f"/api/v1/slots/?topic={topic.slug}&{query}", **ENGLISH)

        assert response.status_code == 400
        assert response.json() == {"detail": "The request has too many parameters."}

    def test_too_many_form_fields_on_a_page_are_400(self, client):
        response = client.post("/m/", {f"p{number}": "1" for number in range(1001)})

        assert response.status_code == 400

    def test_an_overlong_query_string_is_414_for_the_api(self, api, topic, settings):
        padding = "x" * settings.MAX_QUERY_STRING_LENGTH

        response = api.get(f"/api/v1/slots/?topic={topic.slug}&language={padding}", **ENGLISH)

        assert response.status_code == 414
        assert response.json() == {"detail": "The address is too long."}

    def test_an_overlong_query_string_is_414_for_a_page_in_german_by_default(self, client, settings):
        response = client.get("/?q=" + "x" * settings.MAX_QUERY_STRING_LENGTH)

        assert response.status_code == 414
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert response.headers["Content-Language"] == "de"
        english = client.get("/?q=" + "x" * settings.MAX_QUERY_STRING_LENGTH, HTTP_ACCEPT_LANGUAGE="en")
        assert english.content.decode() == "The address is too long."

    def test_a_query_string_at_the_limit_is_served(self, api, topic, settings):
        prefix = f"topic={topic.slug}&language="
        query = prefix + "x" * (settings.MAX_QUERY_STRING_LENGTH - len(prefix))

        response = api.get(f"/api/v1/slots/?{query}", **ENGLISH)

        assert response.status_code == 400  # the language is too long: a field error, the query was read
        assert list(response.json()) == ["language"]


class TestFoundByFuzzing:
    """Regressions schemathesis found (tests/appointments/api/test_schema_fuzz.py)."""

    def test_a_nul_character_in_a_topic_is_a_field_error_not_a_500(self, api, topic):
        response = api.get("/api/v1/slots/?topic=leis%00tungen", **ENGLISH)

        assert response.status_code == 400
        assert list(response.json()) == ["topic"]

    def test_a_nul_character_in_a_language_is_a_field_error_not_a_500(self, api, topic):
        body = json.dumps({"phone": "0151 23456789", "language": "d\u0000e"}).encode()

        response = api.post("/api/v1/phone-verifications/", body, content_type="application/json")

        assert response.status_code == 400
        assert list(response.json()) == ["language"]

    def test_an_api_address_with_a_line_break_is_a_json_404(self, api, db):
        response = api.post("/api/v1/phone-verifications/a%0Ab/confirm/", {}, format="json")

        assert response.status_code == 404
        assert response.headers["Content-Type"] == "application/json"
