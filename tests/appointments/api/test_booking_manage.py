"""GET /api/v1/bookings/{reference}/, …/reschedule/ and …/cancel/, all with the manage token."""

from datetime import UTC, datetime

import pytest

from appointments.models import Appointment, InterpreterRequest
from tests.appointments.api.conftest import booking_body
from tests.scenario import TUESDAY, iso

pytestmark = pytest.mark.django_db


def url(booking: dict, action: str = "") -> str:
    return f"/api/v1/bookings/{booking['reference']}/{action + '/' if action else ''}"


def auth(booking: dict) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {booking['manage_token']}"}


def free_starts(api, topic) -> list[str]:
    query = {"topic": topic.slug, "date_from": "2026-12-01", "date_to": "2026-12-01"}
    return [slot["start"] for slot in api.get("/api/v1/slots/", query).json()["results"]]


@pytest.fixture
def other_booking(api, topic, book):
    response = book(
        start=iso(TUESDAY, "11:00"), client={**booking_body(topic)["client"], "phone": "0160 98765432"}
    )
    assert response.status_code == 201
    return response.json()


class TestView:
    def test_with_the_token_in_the_authorization_header(self, api, booking):
        response = api.get(url(booking), **auth(booking))

        assert response.status_code == 200
        body = response.json()
        assert body["reference"] == booking["reference"]
        assert body["status"] == "booked"
        assert body["start"] == "2026-12-01T09:00:00+01:00"
        assert body["caseworker"] == {"display_name": "Frau Schmidt"}
        assert "manage_token" not in body

    def test_with_the_token_in_the_query(self, api, booking):
        response = api.get(url(booking), {"token": booking["manage_token"]})

        assert response.status_code == 200
        assert response.json()["reference"] == booking["reference"]

    def test_the_scheme_of_the_header_is_case_insensitive(self, api, booking):
        response = api.get(url(booking), HTTP_AUTHORIZATION=f"token {booking['manage_token']}")

        assert response.status_code == 200

    @pytest.mark.parametrize(
        "spelling", [str.lower, lambda code: f"{code[:4]}-{code[4:]}", lambda code: f" {code[:4]} {code[4:]}"]
    )
    def test_the_reference_may_be_typed_loosely(self, api, booking, spelling):
        loose = {**booking, "reference": spelling(booking["reference"])}

        response = api.get(url(loose), **auth(booking))

        assert response.status_code == 200
        assert response.json()["reference"] == booking["reference"]

    def test_shows_the_interpreter_request(self, api, book):
        booked = book(interpreter_language="ar").json()

        response = api.get(url(booked), **auth(booked))

        assert response.json()["interpreter"] == {"language": "ar", "status": "open"}

    def test_wrong_missing_and_foreign_tokens_and_unknown_codes_are_404_alike(
        self, api, booking, other_booking
    ):
        answers = [
            api.get(url(booking), HTTP_AUTHORIZATION="Token wrong-token"),
            api.get(url(booking), {"token": "wrong-token"}),
            api.get(url(booking)),
            api.get(url(booking), HTTP_AUTHORIZATION="Token "),
            api.get(url(booking), HTTP_AUTHORIZATION=f"Bearer {booking['manage_token']}"),
            api.get(url(booking), **auth(other_booking)),
            api.get(url({"reference": "XXXXXXXX"}), **auth(booking)),
            api.get(url({"reference": "x" * 5000}), **auth(booking)),
        ]

        assert {answer.status_code for answer in answers} == {404}
        assert len({answer.content for answer in answers}) == 1
        assert list(answers[0].json()) == ["detail"]


class TestReschedule:
    def test_moves_the_booking_keeping_its_reference(self, api, booking):
        response = api.post(
            url(booking, "reschedule"), {"start": iso(TUESDAY, "10:00")}, format="json", **auth(booking)
        )

        assert response.status_code == 200
        body = response.json()
        assert body["reference"] == booking["reference"]
        assert body["start"] == "2026-12-01T10:00:00+01:00"
        assert body["end"] == "2026-12-01T10:30:00+01:00"
        assert body["version"] == booking["version"] + 1
        assert Appointment.objects.get().start == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def test_frees_the_old_time_and_takes_the_new(self, api, topic, booking):
        api.post(url(booking, "reschedule"), {"start": iso(TUESDAY, "10:00")}, format="json", **auth(booking))

        free = free_starts(api, topic)
        assert iso(TUESDAY, "09:00") in free
        assert iso(TUESDAY, "10:00") not in free

    def test_the_manage_token_still_works_afterwards(self, api, booking):
        api.post(url(booking, "reschedule"), {"start": iso(TUESDAY, "10:00")}, format="json", **auth(booking))

        assert api.get(url(booking), **auth(booking)).status_code == 200

    def test_can_change_the_mode(self, api, booking):
        response = api.post(
            url(booking, "reschedule"),
            {"start": iso(TUESDAY, "10:00"), "mode": "telephone"},
            format="json",
            **auth(booking),
        )

        assert response.status_code == 200
        assert response.json()["mode"] == "telephone"

    def test_to_a_taken_time_is_409_and_changes_nothing(self, api, booking, other_booking):
        response = api.post(
            url(booking, "reschedule"), {"start": iso(TUESDAY, "11:00")}, format="json", **auth(booking)
        )

        assert response.status_code == 409
        assert "detail" in response.json()
        appointment = Appointment.objects.get(reference=booking["reference"])
        assert (appointment.start, appointment.version) == (datetime(2026, 12, 1, 8, 0, tzinfo=UTC), 0)

    @pytest.mark.parametrize(
        "start",
        ["2026-11-23T09:00:00+01:00", iso(TUESDAY, "13:00"), iso(TUESDAY, "09:10"), "2026-12-01T10:00:00"],
        ids=["past", "outside-hours", "off-grid", "no-offset"],
    )
    def test_to_a_time_not_offered_is_a_start_error(self, api, booking, start):
        response = api.post(url(booking, "reschedule"), {"start": start}, format="json", **auth(booking))

        assert response.status_code == 400
        assert list(response.json()) == ["start"]
        assert Appointment.objects.get().version == 0

    def test_to_a_mode_the_topic_does_not_offer_is_a_mode_error(self, api, booking):
        response = api.post(
            url(booking, "reschedule"),
            {"start": iso(TUESDAY, "10:00"), "mode": "in_person"},
            format="json",
            **auth(booking),
        )

        assert response.status_code == 400
        assert list(response.json()) == ["mode"]
        assert Appointment.objects.get().mode == "video"

    def test_an_unknown_field_is_an_error(self, api, booking):
        response = api.post(
            url(booking, "reschedule"),
            {"start": iso(TUESDAY, "10:00"), "caseworker": 1},
            format="json",
            **auth(booking),
        )

        assert response.status_code == 400
        assert list(response.json()) == ["caseworker"]

    def test_after_cancelling_is_409(self, api, booking):
        api.post(url(booking, "cancel"), {}, format="json", **auth(booking))

        response = api.post(
            url(booking, "reschedule"), {"start": iso(TUESDAY, "10:00")}, format="json", **auth(booking)
        )

        assert response.status_code == 409
        assert list(response.json()) == ["detail"]

    def test_with_a_wrong_token_is_404_and_changes_nothing(self, api, booking, other_booking):
        response = api.post(
            url(booking, "reschedule"), {"start": iso(TUESDAY, "10:00")}, format="json", **auth(other_booking)
        )

        assert response.status_code == 404
        assert Appointment.objects.get(reference=booking["reference"]).version == 0

    def test_a_booking_that_has_begun_cannot_be_moved(self, api, now, booking):
        now.move_to(datetime(2026, 12, 1, 8, 5, tzinfo=UTC))

        response = api.post(
            url(booking, "reschedule"), {"start": iso(TUESDAY, "11:00")}, format="json", **auth(booking)
        )

        assert response.status_code == 409


class TestCancel:
    def test_cancels_the_booking(self, api, booking):
        response = api.post(
            url(booking, "cancel"), {"reason": "Ich bin krank."}, format="json", **auth(booking)
        )

        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert response.json()["version"] == booking["version"] + 1
        appointment = Appointment.objects.get()
        assert appointment.status == Appointment.Status.CANCELLED
        assert appointment.cancel_reason == "Ich bin krank."
        assert appointment.cancelled_by == Appointment.Party.CLIENT

    def test_without_a_body(self, api, booking):
        response = api.post(url(booking, "cancel"), **auth(booking))

        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"

    def test_the_time_is_free_again(self, api, topic, booking):
        assert iso(TUESDAY, "09:00") not in free_starts(api, topic)

        api.post(url(booking, "cancel"), {}, format="json", **auth(booking))

        assert iso(TUESDAY, "09:00") in free_starts(api, topic)

    def test_the_time_can_be_booked_again(self, api, book, booking):
        api.post(url(booking, "cancel"), {}, format="json", **auth(booking))

        assert book().status_code == 201

    def test_cancelling_twice_is_409(self, api, booking):
        api.post(url(booking, "cancel"), {}, format="json", **auth(booking))

        response = api.post(url(booking, "cancel"), {}, format="json", **auth(booking))

        assert response.status_code == 409
        assert list(response.json()) == ["detail"]

    def test_cancels_the_interpreter_request(self, api, book):
        booked = book(interpreter_language="ar").json()

        response = api.post(url(booked, "cancel"), {}, format="json", **auth(booked))

        assert response.json()["interpreter"] == {"language": "ar", "status": "cancelled"}
        assert InterpreterRequest.objects.get().status == InterpreterRequest.Status.CANCELLED

    def test_a_reason_that_is_too_long_is_a_field_error(self, api, booking):
        response = api.post(url(booking, "cancel"), {"reason": "x" * 100_000}, format="json", **auth(booking))

        assert response.status_code == 400
        assert list(response.json()) == ["reason"]
        assert Appointment.objects.get().status == Appointment.Status.BOOKED

    def test_an_unknown_field_is_an_error(self, api, booking):
        response = api.post(url(booking, "cancel"), {"why": "krank"}, format="json", **auth(booking))

        assert response.status_code == 400
        assert Appointment.objects.get().status == Appointment.Status.BOOKED

    def test_with_the_token_in_the_query(self, api, booking):
        response = api.post(f"{url(booking, 'cancel')}?token={booking['manage_token']}", {}, format="json")

        assert response.status_code == 200

    def test_without_the_token_is_404_and_changes_nothing(self, api, booking):
        response = api.post(url(booking, "cancel"), {}, format="json")

        assert response.status_code == 404
        assert Appointment.objects.get().status == Appointment.Status.BOOKED

    def test_a_booking_that_has_begun_cannot_be_cancelled(self, api, now, booking):
        now.move_to(datetime(2026, 12, 1, 8, 0, tzinfo=UTC))

        response = api.post(url(booking, "cancel"), {}, format="json", **auth(booking))

        assert response.status_code == 409
        assert Appointment.objects.get().status == Appointment.Status.BOOKED
