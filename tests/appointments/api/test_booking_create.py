"""POST /api/v1/bookings/: 201 with reference and manage token, 409 when taken, 400 with field errors."""

import pytest

from appointments.models import Appointment, Client, PhoneVerification
from appointments.services.references import REFERENCE_ALPHABET
from appointments.services.tokens import token_matches
from tests.appointments.api.conftest import PHONE_E164, booking_body, rows, with_client
from tests.factories import CaseworkerFactory, OfficeFactory, UserFactory, week_of_hours
from tests.scenario import TUESDAY, iso

pytestmark = pytest.mark.django_db


class TestBooked:
    def test_answers_201_with_the_booking(self, book):
        response = book()

        assert response.status_code == 201
        body = response.json()
        assert body == {
            "reference": body["reference"],
            "manage_token": body["manage_token"],
            "status": "booked",
            "start": "2026-12-01T09:00:00+01:00",
            "end": "2026-12-01T09:30:00+01:00",
            "mode": "video",
            "topic": "leistungen",
            "language": "de",
            "interpreter_language": "",
            "version": 0,
            "caseworker": {"display_name": "Frau Schmidt"},
            "interpreter": None,
        }

    def test_reference_is_8_unambiguous_characters(self, book):
        reference = book().json()["reference"]

        assert len(reference) == 8
        assert set(reference) <= set(REFERENCE_ALPHABET)

    def test_manage_token_is_stored_only_as_hash(self, book):
        token = book().json()["manage_token"]

        appointment = Appointment.objects.get()
        assert token not in appointment.manage_token_hash
        assert token_matches(token, appointment.manage_token_hash)

    def test_stores_the_client_with_the_e164_number(self, book):
        book()

        appointment = Appointment.objects.select_related("client").get()
        assert appointment.client.phone == PHONE_E164
        assert appointment.client.name == "Aylin Demir"

    def test_with_an_interpreter_answers_with_the_request(self, book):
        response = book(interpreter_language="ar")

        assert response.status_code == 201
        assert response.json()["interpreter"] == {"language": "ar", "status": "open"}
        assert response.json()["interpreter_language"] == "ar"

    def test_by_telephone(self, book):
        response = book(mode="telephone")

        assert response.status_code == 201
        assert response.json()["mode"] == "telephone"

    def test_a_time_given_in_utc_is_answered_in_the_office_zone(self, book):
        response = book(start="2026-12-01T08:00:00Z")

        assert response.status_code == 201
        assert response.json()["start"] == "2026-12-01T09:00:00+01:00"

    def test_a_time_shown_by_slots_can_be_booked(self, api, topic, book):
        first = api.get("/api/v1/slots/", {"topic": topic.slug}).json()["results"][0]

        response = book(start=first["start"])

        assert response.status_code == 201
        assert response.json()["start"] == first["start"]


class TestVerificationRequired:
    @pytest.fixture(autouse=True)
    def _policy(self, verifying_office):
        pass

    def test_books_with_a_token_for_the_number(self, book, verify):
        response = book(verification_token=verify())

        assert response.status_code == 201
        assert PhoneVerification.objects.get().used_at is not None

    @pytest.mark.parametrize(
        "token",
        [
            pytest.param({}, id="missing"),
            pytest.param({"verification_token": None}, id="null"),
            pytest.param({"verification_token": ""}, id="blank"),
            pytest.param({"verification_token": "not-a-token"}, id="wrong"),
        ],
    )
    def test_a_missing_or_wrong_token_is_a_field_error_and_writes_nothing(self, book, token):
        response = book(**token)

        assert response.status_code == 400
        assert list(response.json()) == ["verification_token"]
        assert rows() == (0, 0, 0)

    def test_a_token_for_another_number_is_a_field_error(self, book, verify):
        token = verify("0160 98765432")

        response = book(verification_token=token)

        assert response.status_code == 400
        assert list(response.json()) == ["verification_token"]
        assert rows() == (0, 0, 0)

    def test_a_token_books_only_once(self, book, verify):
        token = verify()
        assert book(verification_token=token).status_code == 201

        response = book(verification_token=token, start=iso(TUESDAY, "10:00"))

        assert response.status_code == 400
        assert list(response.json()) == ["verification_token"]
        assert Appointment.objects.count() == 1

    def test_a_token_is_not_used_up_when_the_time_is_taken(self, api, topic, book, verify):
        other = with_client(
            booking_body(topic, verification_token=verify("0160 98765432")), phone="0160 98765432"
        )
        assert api.post("/api/v1/bookings/", other, format="json").status_code == 201
        token = verify()
        assert book(verification_token=token).status_code == 409

        response = book(verification_token=token, start=iso(TUESDAY, "10:00"))

        assert response.status_code == 201

    def test_a_logged_in_caseworker_books_without_a_token(self, api, book, caseworker):
        api.force_login(caseworker.user)

        response = book()

        assert response.status_code == 201
        assert Appointment.objects.get().booked_by == caseworker.user

    def test_a_logged_in_user_who_is_no_caseworker_still_needs_a_token(self, api, book):
        api.force_login(UserFactory())

        response = book()

        assert response.status_code == 400
        assert list(response.json()) == ["verification_token"]

    def test_a_logged_in_caseworker_who_left_still_needs_a_token(self, api, book, topic):
        former = CaseworkerFactory(office=topic.office, active=False)
        api.force_login(former.user)

        response = book()

        assert response.status_code == 400
        assert list(response.json()) == ["verification_token"]

    def test_a_caseworker_books_on_behalf_only_at_their_own_office(self, api, book):
        stranger = CaseworkerFactory(office=OfficeFactory())
        api.force_login(stranger.user)
        before = rows()

        response = book()

        assert response.status_code == 400
        assert list(response.json()) == ["topic"]
        assert rows() == before


class TestTaken:
    def test_a_taken_time_is_409_with_detail_and_writes_nothing(self, api, topic, book):
        assert book().status_code == 201
        before = rows()

        response = api.post(
            "/api/v1/bookings/", with_client(booking_body(topic), phone="0160 98765432"), format="json"
        )

        assert response.status_code == 409
        assert "detail" in response.json()
        assert rows() == before

    def test_a_refused_booking_leaves_the_known_client_as_they_were(self, api, topic, book):
        assert book().status_code == 201

        response = api.post(
            "/api/v1/bookings/", with_client(booking_body(topic), name="Someone Else"), format="json"
        )

        assert response.status_code == 409
        assert Client.objects.get().name == "Aylin Demir"

    def test_a_time_overlapping_a_booking_is_409(self, book):
        assert book(start=iso(TUESDAY, "09:00")).status_code == 201

        assert book(start=iso(TUESDAY, "09:15")).status_code == 409

    def test_a_second_caseworker_takes_the_same_time(self, api, book, topic):
        second = CaseworkerFactory(office=topic.office, topics=[topic])
        week_of_hours(second)
        assert book().status_code == 201

        response = api.post(
            "/api/v1/bookings/", with_client(booking_body(topic), phone="0160 98765432"), format="json"
        )

        assert response.status_code == 201
        assert Appointment.objects.filter(start="2026-12-01T08:00:00Z").count() == 2


@pytest.mark.usefixtures("caseworker")
class TestRefused:
    """Every refusal is a 400 naming the field at fault, and writes nothing."""

    @pytest.mark.parametrize(
        "start",
        [
            pytest.param(iso(TUESDAY, "09:10"), id="off-the-15-minute-grid"),
            pytest.param(iso(TUESDAY, "13:00"), id="outside-the-hours"),
            pytest.param(iso(TUESDAY, "11:45"), id="ends-after-the-hours"),
            pytest.param("2026-11-30T08:45:00+01:00", id="within-the-minimum-notice"),
            pytest.param("2026-11-23T09:00:00+01:00", id="in-the-past"),
            pytest.param("2027-03-02T09:00:00+01:00", id="beyond-the-horizon"),
            pytest.param("2026-12-05T09:00:00+01:00", id="on-a-saturday"),
            pytest.param("2026-12-01T09:00:00", id="naive-without-offset"),
            pytest.param("2026-12-01", id="a-date-only"),
            pytest.param("2026-12-01T25:00:00+01:00", id="no-such-hour"),
            pytest.param("morgen früh", id="not-a-time"),
            pytest.param("0001-01-01T00:00:00+01:00", id="before-the-calendar-begins-in-utc"),
            pytest.param("9999-12-31T23:59:59-01:00", id="after-the-calendar-ends-in-utc"),
            pytest.param(1764576000, id="a-number"),
            pytest.param(None, id="null"),
        ],
    )
    def test_a_start_that_is_not_offered_is_a_start_error(self, book, start):
        response = book(start=start)

        assert response.status_code == 400
        assert list(response.json()) == ["start"]
        assert rows() == (0, 0, 0)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"topic": "no-such-topic"}, "topic"),
            ({"topic": ["leistungen"]}, "topic"),
            ({"topic": {"slug": "leistungen"}}, "topic"),
            ({"topic": None}, "topic"),
            ({"mode": "in_person"}, "mode"),
            ({"mode": "fax"}, "mode"),
            ({"mode": ["video"]}, "mode"),
            ({"language": "xx"}, "language"),
            ({"language": "x" * 100_000}, "language"),
            ({"interpreter_language": "xx"}, "interpreter_language"),
            ({"interpreter_language": ""}, "interpreter_language"),
            ({"client": "Aylin Demir"}, "client"),
            ({"client": None}, "client"),
            ({"verification_token": ["token"]}, "verification_token"),
            ({"verification_token": "x" * 100_000}, "verification_token"),
            ({"price": 0}, "price"),
        ],
    )
    def test_a_bad_top_level_field_is_a_field_error(self, book, change, field):
        response = book(**change)

        assert response.status_code == 400
        assert list(response.json()) == [field]
        assert rows() == (0, 0, 0)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"name": "x" * 100_000}, "name"),
            ({"name": "   "}, "name"),
            ({"name": "Aylin\x00Demir"}, "name"),
            ({"name": ["Aylin"]}, "name"),
            ({"phone": "12345"}, "phone"),
            ({"phone": "069 12345678"}, "phone"),
            ({"phone": "9" * 100_000}, "phone"),
            ({"email": "not-an-e-mail"}, "email"),
            ({"email": "a@example.org" + "x" * 100_000}, "email"),
            ({"customer_number": "x" * 100_000}, "customer_number"),
            ({"sms_consent": "maybe"}, "sms_consent"),
            ({"sms_consent": None}, "sms_consent"),
            ({"language": "xx"}, "language"),
            ({"age": 42}, "age"),
        ],
    )
    def test_a_bad_client_field_is_a_nested_field_error(self, api, topic, change, field):
        body = with_client(booking_body(topic), **change)

        response = api.post("/api/v1/bookings/", body, format="json")

        assert response.status_code == 400
        assert list(response.json()) == ["client"]
        assert list(response.json()["client"]) == [field]
        assert rows() == (0, 0, 0)

    @pytest.mark.parametrize("missing", ["topic", "mode", "start", "client"])
    def test_a_missing_field_is_a_field_error(self, api, topic, missing):
        body = booking_body(topic)
        del body[missing]

        response = api.post("/api/v1/bookings/", body, format="json")

        assert response.status_code == 400
        assert list(response.json()) == [missing]

    @pytest.mark.parametrize("missing", ["name", "phone", "sms_consent"])
    def test_a_missing_client_field_is_a_nested_field_error(self, api, topic, missing):
        body = booking_body(topic)
        del body["client"][missing]

        response = api.post("/api/v1/bookings/", body, format="json")

        assert response.status_code == 400
        assert list(response.json()["client"]) == [missing]

    def test_a_language_nobody_speaks_without_interpreter_is_not_offered(self, book):
        response = book(language="tr")

        assert response.status_code == 400
        assert list(response.json()) == ["start"]

    @pytest.mark.parametrize(
        "payload",
        [b"{", b'{"topic": "leistungen",}', b"\xff\xfe", b"NaN", b"[" * 100_000 + b"]" * 100_000],
        ids=["cut-off", "trailing-comma", "not-utf8", "nan", "deeply-nested"],
    )
    def test_a_body_that_is_not_json_is_400_with_detail(self, api, payload):
        response = api.post("/api/v1/bookings/", payload, content_type="application/json")

        assert response.status_code == 400
        assert list(response.json()) == ["detail"]
        assert rows() == (0, 0, 0)

    @pytest.mark.parametrize("payload", [b"[]", b'"booking"', b"42", b"null", b""])
    def test_a_body_that_is_no_object_is_400(self, api, payload):
        response = api.post("/api/v1/bookings/", payload, content_type="application/json")

        assert response.status_code == 400
        assert rows() == (0, 0, 0)

    def test_a_form_post_is_415(self, api, topic):
        response = api.post("/api/v1/bookings/", {"topic": topic.slug})

        assert response.status_code == 415
        assert list(response.json()) == ["detail"]
